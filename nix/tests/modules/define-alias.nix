{
  alias = 3;
}
