# A group repeated zero times takes no part: it still gives an element, null.
{
  last = builtins.match "(a){0}b" "b";
  nested = builtins.match "((a){0})b" "b";
  range = builtins.match "(a){0,0}b" "b";
  middle = builtins.match "(a){0}b(c)" "bc";
  trailing = builtins.match "(a)(b){0}" "a";
  split = builtins.split "(b){0}a" "xa";
}
