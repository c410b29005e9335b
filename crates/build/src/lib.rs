//! Realising derivations in a sandbox.
