{ whole = true; }
