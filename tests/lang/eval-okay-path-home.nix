~/some/file
