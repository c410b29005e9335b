[ http://example.org/foo?x=1 mailto:someone@example.com ]
