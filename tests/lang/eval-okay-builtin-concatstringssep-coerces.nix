builtins.concatStringsSep " " [ "a" ./data/hello.txt { outPath = "o"; } ]
