{ special, ... }: {
  imports = [ special.module ];
}
