{
  nested.deeper = "x";
}
