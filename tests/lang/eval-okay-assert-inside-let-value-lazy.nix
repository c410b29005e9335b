let checked = assert false; "never"; in "unforced assert"
