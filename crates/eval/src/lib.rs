//! The Nix language for nest: parse (rnix), resolve scopes, evaluate lazily, builtins.
//!
//! This crate does no IO of its own: files, the environment and the store are reached
//! through the `EvalIo` trait that the caller injects.
