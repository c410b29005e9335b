{
  value = throw "definition that cannot be shown";
}
