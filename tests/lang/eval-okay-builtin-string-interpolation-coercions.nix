let p = ./data/hello.txt; in [ "${"s"}" "${toString 1}" "${{ outPath = "op"; }}" "${{ __toString = s: "ts"; }}" ]
