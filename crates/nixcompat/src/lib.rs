//! Nix-compatible formats: nixbase32, hash truncation, store paths, `.drv` ATerm,
//! `hashDerivationModulo`, NAR. Pure code: nothing here touches the file system.
