let cfg = { services.web.port = 8080; }; in [ (cfg.services.web.port or 80) (cfg.services.db.port or 5432) ]
