//! Helpers shared by the end-to-end tests: the root check and unique names.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

/// Whether the privileged tests can run: true as root. Otherwise the caller skips,
/// unless `CI` is set: there a missing capability is a failure, never a skip.
pub fn privileged() -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the privileged tests need root under CI"
    );
    eprintln!("skipping: not root (set CI to make this a failure)");
    false
}

/// A name no other test (or concurrent test run) uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// Polls until `f` holds (services start asynchronously after activation); fails the
/// test after 20 s, naming what it waited for.
pub fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !f() {
        assert!(
            std::time::Instant::now() < end,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// The pid of service `name` in an init status document (`nest container status --json`
/// or init's `status.json`), when it runs.
pub fn service_pid(status: &serde_json::Value, name: &str) -> Option<i64> {
    status["services"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == name)?["pid"]
        .as_i64()
}

/// `nest ARGS` with every path nest uses (state, containers, run, roots, store) below
/// `base`, no colours, nest's own Nix files, and no stdin.
pub fn nest_under(base: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_nest"));
    c.args(args)
        .env("NEST_STATE_DIR", base.join("var"))
        .env("NEST_CONTAINERS_DIR", base.join("var/containers"))
        .env("NEST_RUN_DIR", base.join("run"))
        .env("NEST_ROOTS_DIR", base.join("roots"))
        .env("NEST_STORE_DIR", base.join("store"))
        .env("NO_COLOR", "1")
        .env_remove("NEST_NIX_DIR")
        .stdin(std::process::Stdio::null());
    c
}

/// `Ok(json)` or `Err(stderr)` of one evaluator (`nest eval` or `nix-instantiate
/// --eval`) run `--strict --json` on `file`; None when it is not installed. With
/// `store`, both evaluators use that store directory (compare two evaluators' store
/// paths only when they were given the same one).
pub fn eval_json(
    program: &str,
    pre: &[&str],
    file: &std::path::Path,
    store: Option<&std::path::Path>,
) -> Option<Result<serde_json::Value, String>> {
    let mut cmd = std::process::Command::new(program);
    if let Some(store) = store {
        cmd.env("NEST_STORE_DIR", store).env("NIX_STORE_DIR", store);
    }
    let out = match cmd
        .args(pre)
        .args(["--strict", "--json"])
        .arg(file)
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("running {program}: {e}"),
    };
    if out.status.success() {
        let text = String::from_utf8_lossy(&out.stdout);
        Some(Ok(serde_json::from_str(text.trim()).unwrap_or_else(|e| {
            panic!("{program} printed invalid JSON ({e}): {text}")
        })))
    } else {
        Some(Err(String::from_utf8_lossy(&out.stderr).into_owned()))
    }
}
