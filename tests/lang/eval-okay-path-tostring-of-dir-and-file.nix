[ (toString ./data) (toString ./data/dir) ]
