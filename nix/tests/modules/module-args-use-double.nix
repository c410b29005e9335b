{ double, ... }: {
  result = double;
}
