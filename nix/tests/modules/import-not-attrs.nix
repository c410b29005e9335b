{
  imports = [ ({ ... }: "not a module") ];
}
