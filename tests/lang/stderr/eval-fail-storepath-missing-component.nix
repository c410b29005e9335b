builtins.storePath ./nonexistent-dir/file
