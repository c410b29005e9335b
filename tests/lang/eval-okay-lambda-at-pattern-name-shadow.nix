let args = "outer"; in (args@{ ... }: args) { v = 1; }
