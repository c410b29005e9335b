with "str"; undefinedInWith
