builtins.deepSeq [ { a = throw "deep seq reached"; } ] 1
