throw "a\tb\n\tc\rd é\tz"
