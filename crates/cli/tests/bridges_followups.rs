//! Host bridges outside `nest switch`: `nest generations` shows each generation's
//! bridges, and the daemon restores bridges only under the switch lock (so a restore
//! and a switch never interleave).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;
mod support;
use support::{nest_under, privileged};

fn ok(o: Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Makes the host profile's next generation a file holding `generation` (what
/// `nest switch` writes), through `nest store add` and `nest profile switch`.
fn add_generation(base: &Path, generation: &Value) {
    let file = base.join("gen.json");
    std::fs::write(&file, generation.to_string()).expect("write generation");
    let path = ok(
        nest_under(
            base,
            &[
                "store",
                "add",
                file.to_str().unwrap(),
                "--name",
                "host-generation",
            ],
        )
        .output()
        .expect("run nest"),
        "nest store add",
    );
    ok(
        nest_under(base, &["profile", "switch", "host", path.trim()])
            .output()
            .expect("run nest"),
        "nest profile switch",
    );
}

#[test]
fn generations_show_their_bridges_when_they_have_any() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path();
    add_generation(
        base,
        &serde_json::json!({ "version": 1, "hostConfig": "/etc/nest/host.nix", "containers": {} }),
    );
    add_generation(
        base,
        &serde_json::json!({
            "version": 1,
            "hostConfig": "/etc/nest/host.nix",
            "containers": { "web": { "system": null, "data": {} } },
            "bridges": {
                "br-lan": { "interfaces": ["eth1"], "addresses": ["10.231.1.1/24", "fd00::1/64"] },
                "br-quiet": {}
            }
        }),
    );
    let text = ok(
        nest_under(base, &["generations"])
            .output()
            .expect("run nest"),
        "nest generations",
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines[0].starts_with("   1   ") && lines[0].ends_with(" 0 containers"),
        "{text}"
    );
    assert!(lines[1].ends_with(" 1 container   (current)"), "{text}");
    assert_eq!(lines[2], "         web  -");
    assert_eq!(
        lines[3],
        "         bridge br-lan  10.231.1.1/24 fd00::1/64  ports eth1"
    );
    assert_eq!(lines[4], "         bridge br-quiet");

    let json: Value = serde_json::from_str(&ok(
        nest_under(base, &["generations", "--json"])
            .output()
            .expect("run nest"),
        "nest generations --json",
    ))
    .expect("JSON");
    assert!(
        json[0].get("bridges").is_none(),
        "no bridges, no key: {json}"
    );
    assert_eq!(
        json[1]["bridges"]["br-lan"]["interfaces"],
        serde_json::json!(["eth1"])
    );
    assert_eq!(
        json[1]["bridges"]["br-quiet"]["addresses"],
        serde_json::json!([])
    );
}

/// Sends SIGTERM to the daemon this test started (by its pid) and reaps it.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.0.id()) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let _ = self.0.wait();
    }
}

/// Root only: the daemon sets up its cgroups and runtime directories.
#[test]
fn the_daemon_restores_bridges_only_under_the_switch_lock() {
    if !privileged() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path();
    std::fs::create_dir_all(base.join("var")).expect("state dir");
    // A switch in progress, as far as the lock goes.
    let lock = nest_store::lock::PathLock::exclusive(&base.join("var/switch.lock"))
        .expect("take the switch lock");
    let mut child = nest_under(base, &["daemon", "--tick-ms", "100"])
        .env("NEST_EXE", env!("CARGO_BIN_EXE_nest"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nest daemon");
    let stderr = child.stderr.take().expect("piped stderr");
    let _daemon = Daemon(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // The daemon listens only once the restore is done: not while the lock is held.
    let listening = |timeout: Duration| loop {
        match rx.recv_timeout(timeout) {
            Ok(l) if l.contains("listening on") => return Some(l),
            Ok(_) => continue,
            Err(_) => return None,
        }
    };
    assert_eq!(
        listening(Duration::from_millis(1500)),
        None,
        "the daemon went past the bridge restore while a switch held the lock"
    );
    drop(lock);
    assert!(
        listening(Duration::from_secs(20)).is_some(),
        "the daemon did not go on once the lock was free"
    );
}
