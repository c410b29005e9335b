rec { x = y; y = z; z = "last"; }.x
