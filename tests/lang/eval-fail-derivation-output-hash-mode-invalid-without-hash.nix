# `outputHashMode` must be `flat` or `recursive` even when there is no `outputHash`.
(derivation { name = "x"; builder = "/bin/sh"; system = "x"; outputHashMode = "text"; }).drvPath
