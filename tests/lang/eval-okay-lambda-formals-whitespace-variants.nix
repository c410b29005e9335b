({a,b?2,...}@all: a + b + builtins.length (builtins.attrNames all)) {a=1;}
