{ foo, ... }: {
  result = "got ${foo}";
}
