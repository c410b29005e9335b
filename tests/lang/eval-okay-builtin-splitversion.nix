with builtins; map splitVersion [ "1.2.3" "1.2pre3" "2022-01-01" "" "a.b_c" "1..2" "10abc" "v1" ]
