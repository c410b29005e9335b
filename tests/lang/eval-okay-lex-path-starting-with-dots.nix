# Dots are path characters: `.../a` is a relative path, not `...` and then a path.
# An ellipsis stays an ellipsis where no path follows.
[ .../a ...b/c (({ ... }: 1) { }) ]
