({ a, ... }@args: [ a args ]) { a = 1; extra = 2; }
