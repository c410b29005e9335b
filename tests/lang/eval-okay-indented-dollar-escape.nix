''
  literal ''${not interpolated}
  and $ alone and $$
''
