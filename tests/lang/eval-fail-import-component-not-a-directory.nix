import (./data/hello.txt + "/x")
