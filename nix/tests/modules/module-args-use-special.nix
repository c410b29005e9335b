{ special, ... }: {
  result = special.value * 2;
}
