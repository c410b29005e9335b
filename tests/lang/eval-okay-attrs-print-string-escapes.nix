{ s = "tab\there \"quoted\" back\\slash dollar \${x} nl\n"; }
