{ kind = "directory default"; }
