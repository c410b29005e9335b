<x/hello.txt>
