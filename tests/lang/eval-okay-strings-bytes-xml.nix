# XML output keeps the bytes of strings and names that are not UTF-8 (halves of "é").
let h = builtins.substring 0 1 "é"; in { s = h; ${h} = [ "a${h}" (builtins.toXML h) ]; }
