let mkService = { port }: assert port > 1024; { inherit port; }; in mkService { port = 80; }
