with { x = throw "from with"; }; x
