let x = abort "never"; in "fine"
