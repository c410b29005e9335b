import <langlib/withdefault>
