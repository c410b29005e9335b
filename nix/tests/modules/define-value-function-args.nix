{
  value = { a, b ? 1 }: a;
}
