# A missing attribute with more than five near names: Nix suggests the five closest,
# by distance, then by name.
{ aaa = 1; ac = 2; ad = 3; ae = 4; af = 5; ag = 6; b = 7; abc = 8; zzz = 9; }.ab
