{
  value = { a = throw "definition that cannot be shown"; };
}
