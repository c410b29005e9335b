{ r = with { z = "zed"; }; z; }
