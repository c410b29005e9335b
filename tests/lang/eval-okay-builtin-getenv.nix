[ (builtins.getEnv "NEST_LANG_TEST_VAR") (builtins.getEnv "NEST_LANG_SURELY_UNSET_VAR") ]
