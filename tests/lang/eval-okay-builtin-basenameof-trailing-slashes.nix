[ (baseNameOf "a//b//") (baseNameOf "noslash") (baseNameOf "/x") ]
