/* block
   comment */ 3 /* inline */ * /**/ 4
