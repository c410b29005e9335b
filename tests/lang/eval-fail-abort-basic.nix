abort "aborting now"
