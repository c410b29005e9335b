{ nosucharg, ... }: {
  result = nosucharg;
}
