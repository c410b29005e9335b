builtins.substring 9223372036854775807 0 ""
