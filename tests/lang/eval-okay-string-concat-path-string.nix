"/tmp" + "/x"
