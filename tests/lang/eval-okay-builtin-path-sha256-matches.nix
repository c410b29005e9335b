builtins.path { path = ./data/hello.txt; name = "h"; sha256 = "00zns3gj9hwz2a4b0i07y7nmxybq59lh24bl3xsxblcl6333mjil"; }
