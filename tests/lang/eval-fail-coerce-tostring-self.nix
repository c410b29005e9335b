# __toString returning the set itself, interpolated: an error, not a crash.
"${let s = { __toString = self: s; }; in s}"
