{
  machines.alpha = { };
  machines.beta.port = 2222;
}
