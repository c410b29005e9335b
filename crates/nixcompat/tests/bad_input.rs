//! Every parser in the crate, fed thousands of mutated valid inputs: each must
//! return an error or a value, never panic (the same inputs the fuzz target
//! starts from, in a deterministic form that runs with the normal suite).

use std::collections::BTreeMap;

use nest_nixcompat::nar::{self, NarNode};
use nest_nixcompat::{nixbase32, Derivation, Hash, HashAlgo, StoreDir, StorePath};

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..=rng.below(4) {
        let interesting = [
            0u8, 1, b'"', b'\\', b'(', b')', b',', b'[', b']', b'-', b'/', 0x7f, 0xff, b'e', b'8',
        ];
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = interesting[rng.below(interesting.len())];
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            2 if !v.is_empty() => {
                let i = rng.below(v.len());
                v.truncate(i);
            }
            3 => {
                let i = rng.below(v.len() + 1);
                v.insert(i, interesting[rng.below(interesting.len())]);
            }
            4 if !v.is_empty() => {
                let i = rng.below(v.len());
                v.remove(i);
            }
            _ if v.len() >= 8 => {
                // Overwrite a u64 (a NAR length field, often) with something large.
                let i = rng.below(v.len() - 7);
                let big = [u64::MAX, 1 << 40, 4097, 255, 256].map(u64::to_le_bytes);
                v[i..i + 8].copy_from_slice(&big[rng.below(big.len())]);
            }
            _ => {}
        }
    }
    v
}

fn sample_nar() -> Vec<u8> {
    let mut sub = BTreeMap::new();
    sub.insert(
        b"x".to_vec(),
        NarNode::Regular {
            executable: true,
            contents: b"#!/bin/sh\n".to_vec(),
        },
    );
    let mut root = BTreeMap::new();
    root.insert(
        b"a".to_vec(),
        NarNode::Regular {
            executable: false,
            contents: b"hello".to_vec(),
        },
    );
    root.insert(
        b"b".to_vec(),
        NarNode::Symlink {
            target: b"a".to_vec(),
        },
    );
    root.insert(b"d".to_vec(), NarNode::Directory { entries: sub });
    NarNode::Directory { entries: root }.to_nar()
}

const DRV: &str = r#"Derive([("dev","/nix/store/cnr8n8g7k3l7913d10wbs7mk11byk3qm-multi-dev","",""),("out","/nix/store/8mrqi0k8xngbfd5gv23pc1llz01h0h01-fixed-rec","r:sha256","2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae")],[("/nix/store/v1x7ylvsiz9y106ac08pngsy82l2igb7-minimal.drv",["out"])],["/nix/store/vmg5na96ajnh1v932j9jdzfc3022vbh9-a"],"x86_64-linux","/bin/sh",["-c","a\"b\\c\nd"],[("name","multi"),("out","")])"#;

#[test]
fn nar_parser_never_panics() {
    let base = sample_nar();
    assert!(nar::parse_bytes(&base).is_ok());
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut errors = 0;
    for _ in 0..20_000 {
        let m = mutate(&mut rng, &base);
        if let Ok(tree) = nar::parse_bytes(&m) {
            // Whatever parses must serialise back to the same bytes (NAR is canonical).
            assert_eq!(tree.to_nar(), m);
        } else {
            errors += 1;
        }
    }
    assert!(
        errors > 10_000,
        "mutations should mostly break the archive ({errors})"
    );
}

#[test]
fn drv_parser_never_panics() {
    let dir = StoreDir::default();
    let base = Derivation::parse(&dir, DRV.as_bytes(), "multi").unwrap();
    assert_eq!(base.to_aterm(&dir), DRV);
    let mut rng = Rng(42);
    for _ in 0..20_000 {
        let m = mutate(&mut rng, DRV.as_bytes());
        if let Ok(d) = Derivation::parse(&dir, &m, "multi") {
            // Printing what parsed must parse again to the same value.
            let again = Derivation::parse(&dir, d.to_aterm(&dir).as_bytes(), "multi").unwrap();
            assert_eq!(again, d);
        }
    }
}

#[test]
fn hash_store_path_and_base32_parsers_never_panic() {
    let dir = StoreDir::default();
    let h = HashAlgo::Sha256.digest(b"x");
    let inputs = [
        h.to_sri(),
        format!("sha256:{}", h.to_nixbase32()),
        format!("sha256:{}", h.to_base16()),
        h.to_base64(),
        "/nix/store/vmg5na96ajnh1v932j9jdzfc3022vbh9-a/bin/sh".to_owned(),
        "vmg5na96ajnh1v932j9jdzfc3022vbh9-a".to_owned(),
    ];
    let mut rng = Rng(7);
    for _ in 0..20_000 {
        let base = &inputs[rng.below(inputs.len())];
        let m = mutate(&mut rng, base.as_bytes());
        let s = String::from_utf8_lossy(&m);
        let _ = Hash::parse_any(&s, None);
        let _ = Hash::parse_any(&s, Some(HashAlgo::Sha512));
        let _ = Hash::parse_sri(&s);
        let _ = StorePath::from_base_name(&s);
        let _ = dir.split(&s);
        if let Ok(bytes) = nixbase32::decode(&m) {
            assert_eq!(nixbase32::encode(&bytes).as_bytes(), m.as_slice());
        }
    }
}
