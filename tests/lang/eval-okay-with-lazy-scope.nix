with (throw "never forced"); 5
