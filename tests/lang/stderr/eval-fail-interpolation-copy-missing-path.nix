"${./nonexistent-file}"
