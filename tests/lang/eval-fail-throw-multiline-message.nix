throw "first line\nsecond line"
