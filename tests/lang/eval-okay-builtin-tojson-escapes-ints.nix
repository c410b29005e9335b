# toJSON: escapes between runs of plain text (quotes, backslashes, newlines, tabs,
# other control characters, multi-byte characters left as they are) and integers at
# both ends of the 64-bit range.
builtins.toJSON {
  ints = [ (-9223372036854775807 - 1) 9223372036854775807 0 (-5) 10 1000000 ];
  text = [
    "a\"b\\c\nd\re\tf é ü"
    (builtins.fromJSON "\"x\\u0001y\\u001fz\"")
    ""
    "\"\""
    "plain run only"
  ];
  "k\"ey\n" = true;
}
