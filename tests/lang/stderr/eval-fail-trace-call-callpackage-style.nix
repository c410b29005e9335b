let callPackage = f: args: f args; in callPackage ({ a, b }: a + b) { a = 1; b = "c"; }
