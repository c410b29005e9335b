{ "" = { "" = "empty names"; }; }.""."" 
