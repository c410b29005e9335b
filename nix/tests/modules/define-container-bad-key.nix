{
  containers.foo.config.users.users.root.openssh.authorizedKeys.keys = [ "two\nlines" ];
}
