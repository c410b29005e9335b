{ modulesPath = ./.; }
