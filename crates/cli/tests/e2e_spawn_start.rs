//! Regression tests for the fast start path of `nest spawn` (bench/runtime): what it
//! changes for its own process must not reach the container. `nest spawn` starts
//! without transparent huge pages (crates/sys/src/startup.rs); the container's
//! processes get the host's policy back.
//!
//! They need root; without it they skip, unless `CI` is set (then they fail).

use std::process::{Command, Stdio};
mod support;
use support::{privileged, unique};

/// `THP_enabled:` of `/proc/self/status` as a process in a container sees it.
#[test]
fn container_processes_keep_transparent_huge_pages() {
    if !privileged() {
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix("nest-spawn-start-")
        .tempdir()
        .expect("tempdir");
    let bin = dir.path().join("root/bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    std::fs::copy("/usr/bin/busybox", bin.join("busybox")).expect("busybox-static is installed");
    for applet in ["sh", "grep"] {
        std::os::unix::fs::symlink("busybox", bin.join(applet)).expect("applet");
    }
    let name = unique("thp");
    let out = Command::new(env!("CARGO_BIN_EXE_nest"))
        .args(["spawn", "-D"])
        .arg(dir.path().join("root"))
        .arg("--run-dir")
        .arg(dir.path().join("run"))
        .args(["-M", &name, "--", "/bin/sh", "-c"])
        .arg("grep THP_enabled /proc/self/status; grep THP_enabled /proc/1/status")
        .stdin(Stdio::null())
        .output()
        .expect("run nest spawn");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for l in lines {
        assert!(l.ends_with("\t1"), "THP disabled inside: {l:?}");
    }
}
