//! Helpers shared by the end-to-end tests: the root check and unique names.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

/// Whether the privileged tests can run: true as root. Otherwise the caller skips,
/// unless `CI` is set: there a missing capability is a failure, never a skip.
pub fn privileged() -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "the privileged tests need root under CI");
    eprintln!("skipping: not root (set CI to make this a failure)");
    false
}

/// A name no other test (or concurrent test run) uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst))
}
