# Deep, non-tail recursion and many small calls: naive Fibonacci plus a 5000-deep
# recursive sum.
let
  fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2);
  sumTo = n: if n == 0 then 0 else n + sumTo (n - 1);
in
{ fib = fib 30; sum = sumTo 5000; }
