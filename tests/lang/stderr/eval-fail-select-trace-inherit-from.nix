let s = { a = throw "from s"; }; in { inherit (s) a; }.a
