//! The cgroup v2 BPF device filter on the real kernel (root): a shell moved into a
//! cgroup whose filter allows only `c 1:3` may open /dev/null, and gets `EPERM` when it
//! opens /dev/zero (1:5, harmless) or makes a node for another device. Works on pure
//! v2 and on hybrid hosts (the filter lives in the v2 tree either way; on a hybrid
//! host the shell's v1 `devices` cgroup stays the host's, so only the filter decides).

use nest_sys::bpf::{self, DeviceAllow, DeviceType};
use nest_sys::cgroup::{Kind, Layout};
use std::path::PathBuf;
use std::process::Command;

fn privileged() -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the device filter test needs root under CI"
    );
    eprintln!("skipping: not root (set CI to make this a failure)");
    false
}

/// Removes the test's cgroup and scratch directory, even when an assertion fails.
struct Cleanup {
    cgroup: PathBuf,
    scratch: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = nest_sys::cgroup::kill_and_remove(&self.cgroup);
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

#[test]
fn only_listed_devices_can_be_opened_or_made() {
    if !privileged() {
        return;
    }
    let layout = Layout::detect().expect("cgroup layout");
    let v2 = layout
        .hierarchies
        .iter()
        .find(|h| h.kind == Kind::V2)
        .expect("a cgroup v2 tree (pure or hybrid)");
    let id = std::process::id();
    let cleanup = Cleanup {
        cgroup: v2.path_of(&v2.current).join(format!("nest-devtest-{id}")),
        scratch: std::env::temp_dir().join(format!("nest-devtest-{id}")),
    };
    std::fs::create_dir_all(&cleanup.scratch).expect("scratch dir");
    nest_sys::cgroup::create(&cleanup.cgroup).expect("test cgroup");
    let null = DeviceAllow {
        kind: DeviceType::Char,
        major: Some(1),
        minor: Some(3),
        access: DeviceAllow::access_from_letters("rwm"),
    };
    assert_eq!(
        bpf::attached_device_programs(&cleanup.cgroup).expect("query"),
        0
    );
    bpf::attach_device_filter(&cleanup.cgroup, &[null]).expect("attach the device filter");
    assert_eq!(
        bpf::attached_device_programs(&cleanup.cgroup).expect("query"),
        1
    );

    let script = format!(
        r#"echo $$ > {cg}/cgroup.procs || exit 99
(: < /dev/null) 2>/dev/null && echo NULL=ok || echo NULL=denied
(: < /dev/zero) 2>/dev/null && echo ZERO=ok || echo ZERO=denied
busybox mknod {s}/null2 c 1 3 2>/dev/null && echo MKNOD_NULL=ok || echo MKNOD_NULL=denied
busybox mknod {s}/tun c 10 200 2>/dev/null && echo MKNOD_TUN=ok || echo MKNOD_TUN=denied
(: < {s}/null2) 2>/dev/null && echo NULL2=ok || echo NULL2=denied
"#,
        cg = cleanup.cgroup.display(),
        s = cleanup.scratch.display()
    );
    let out = Command::new("/usr/bin/busybox")
        .args(["sh", "-c", &script])
        .output()
        .expect("busybox sh");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    for (k, want) in [
        ("NULL", "ok"),
        ("ZERO", "denied"),
        ("MKNOD_NULL", "ok"),
        ("MKNOD_TUN", "denied"),
        ("NULL2", "ok"),
    ] {
        assert!(
            text.lines().any(|l| l == format!("{k}={want}")),
            "{k} should be {want}:\n{text}"
        );
    }
    assert!(!cleanup.scratch.join("tun").exists());
    // The same opens outside the cgroup still work: the filter is the cgroup's alone.
    assert!(std::fs::File::open("/dev/zero").is_ok());
}
