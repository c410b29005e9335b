{ name, ... }: {
  result = name;
}
