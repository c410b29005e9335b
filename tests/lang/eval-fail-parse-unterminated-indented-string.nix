''
  never closed
