# `--xml` without `--strict` shows a derivation whose drvPath is not evaluated yet as
# <repeated />, without evaluating it (its `extra` attribute would fail).
derivation { name = "p"; system = "x"; builder = "/bin/sh"; extra = throw "not forced"; }
