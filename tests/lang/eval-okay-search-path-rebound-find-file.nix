# `<p>` is `__findFile __nixPath "p"` to Nix 2.8: bindings of the program's own by
# either name are used (here each alone, then both).
[
  (let __findFile = path: name: "found ${name} in ${toString (builtins.length path)} entries"; in <nixpkgs/lib>)
  (let __nixPath = [ { prefix = "here"; path = ./lib; } ]; in <here/minus.nix>)
  (let __findFile = path: name: path ++ [ name ]; __nixPath = [ "p" ]; in <x>)
]
