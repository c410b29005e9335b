{
  deferred.v = [ 1 ];
}
