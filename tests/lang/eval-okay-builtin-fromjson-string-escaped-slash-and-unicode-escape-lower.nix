builtins.fromJSON ''"\u00fc\/"''
