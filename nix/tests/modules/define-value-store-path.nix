{
  value = "${builtins.storeDir}/0c0jrbmd0b8vbm5rrh2bd9yx6b6vf5m8-hello";
}
