{ lib, ... }: {
  imports = [ (lib.mkMergedOptionModule [ [ "a" ] [ "b" ] ] [ "ab" ] (config:
    let get = n: let v = config.${n}; in if v == "_mkMergedOptionModule" then "?" else v; in
    "${get "a"}+${get "b"}")) ];
}
