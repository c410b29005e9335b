# Lists: sort 100k pseudo-random integers, fold over 1M elements, map/filter.
with builtins;
let
  rand = i: (i * 1103515245 + 12345) - ((i * 1103515245 + 12345) / 2147483648) * 2147483648;
  xs = genList rand 100000;
  sorted = sort lessThan xs;
  sum = foldl' (a: b: a + b) 0 (genList (x: x) 1000000);
  evens = length (filter (x: x / 2 * 2 == x) (map (x: x + 1) xs));
in
{ first = head sorted; last = elemAt sorted 99999; inherit sum evens; }
