({ a.b = 1; }.a or { }) ? b
