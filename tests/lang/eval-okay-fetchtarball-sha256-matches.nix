builtins.fetchTarball { url = "file://" + toString ./data/tarballs/proj.tar.gz; sha256 = "0ka2apld6alzpcjw8q5qkcj08bzxm4n5l5ymaa83q96kdwr4zl91"; name = "pinned"; }
