{
  _module.args.foo = "foo-arg";
}
