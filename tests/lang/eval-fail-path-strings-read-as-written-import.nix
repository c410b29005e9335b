# The same for import, whose message is the failed status of the path as written.
import "${toString ./lib}/missing/../one.nix"
