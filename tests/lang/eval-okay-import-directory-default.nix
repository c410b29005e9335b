import ./lib/withdefault
