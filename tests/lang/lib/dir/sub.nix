"sub file"
