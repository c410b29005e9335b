{ inherit undefinedName; }
