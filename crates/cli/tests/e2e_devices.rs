//! Privileged end-to-end tests of the device allow-list through `nest spawn`: inside a
//! container, /dev/null opens, a node for a device outside the list (made by the test
//! in the root beforehand) does not, and mknod of such a device fails; `--enable-tun`
//! and `--allow-device` widen the list. The filters themselves are checked from the
//! host too (the v2 cgroup's BPF program, the v1 `devices` list where it exists); the
//! BPF filter alone is tested in crates/sys/tests.
//!
//! They need root. Without root they skip, unless `CI` is set: then they fail. Each
//! test has its own temp root and unique name; a Drop guard removes leftover cgroups.
//! Nothing opens a host device that could do harm: the disallowed node is
//! /dev/net/tun's (10:200), and the only harmful one (1:1, /dev/mem) is only mknod'ed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
mod support;
use support::{privileged, unique};

const NEST: &str = env!("CARGO_BIN_EXE_nest");

/// A busybox root with a `nodes/` directory of device nodes made from the host.
struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let dir = tempfile::Builder::new()
            .prefix("nest-e2e-dev-")
            .tempdir()
            .expect("tempdir");
        let bin = dir.path().join("root/bin");
        std::fs::create_dir_all(&bin).expect("root/bin");
        std::fs::copy("/usr/bin/busybox", bin.join("busybox"))
            .expect("busybox-static is installed");
        for a in ["sh", "mknod", "echo", "cat", "ls", "test"] {
            std::os::unix::fs::symlink("busybox", bin.join(a)).expect("applet");
        }
        let nodes = dir.path().join("root/nodes");
        std::fs::create_dir_all(&nodes).expect("nodes");
        let mk = |name: &str, major: u64, minor: u64| {
            nix::sys::stat::mknod(
                &nodes.join(name),
                nix::sys::stat::SFlag::S_IFCHR,
                nix::sys::stat::Mode::from_bits_truncate(0o600),
                nix::sys::stat::makedev(major, minor),
            )
            .expect("mknod on the host");
        };
        mk("tun", 10, 200);
        mk("null", 1, 3);
        World { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn spawn(&self, name: &str, extra: &[&str], script: &str) -> (i32, String) {
        let o = Command::new(NEST)
            .arg("spawn")
            .arg("-D")
            .arg(self.root())
            .arg("--run-dir")
            .arg(self.dir.path().join("run"))
            .args(["-M", name])
            .args(extra)
            .args(["--", "/bin/sh", "-c", script])
            .stdin(Stdio::null())
            .output()
            .expect("nest spawn");
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(o.status.code().is_some(), "{o:?}");
        (
            o.status.code().unwrap_or(-1),
            format!("{text}\n--stderr--\n{}", String::from_utf8_lossy(&o.stderr)),
        )
    }
}

/// Removes the cgroups a container of this name may have left behind.
struct CgroupGuard(String);

impl Drop for CgroupGuard {
    fn drop(&mut self) {
        let Ok(layout) = nest_sys::cgroup::Layout::detect() else {
            return;
        };
        for h in &layout.hierarchies {
            let p = h.path_of(&h.current).join(format!("nest-{}", self.0));
            if p.exists() {
                let _ = nest_sys::cgroup::kill_and_remove(&p);
            }
        }
    }
}

fn has(out: &str, line: &str) -> bool {
    out.lines().any(|l| l == line)
}

const PROBE: &str = r#"
(: < /dev/null) 2>/dev/null && echo DEVNULL=ok || echo DEVNULL=denied
(: < /nodes/null) 2>/dev/null && echo NODE_NULL=ok || echo NODE_NULL=denied
(: < /nodes/tun) 2>/tmp/e && echo NODE_TUN=ok || echo NODE_TUN=denied:$(cat /tmp/e)
mknod /mem c 1 1 2>/dev/null && echo MKNOD_MEM=ok || echo MKNOD_MEM=denied
mknod /tun2 c 10 200 2>/dev/null && echo MKNOD_TUN=ok || echo MKNOD_TUN=denied
mknod /null2 c 1 3 2>/dev/null && echo MKNOD_NULL=ok || echo MKNOD_NULL=denied
(: < /null2) 2>/dev/null && echo NULL2=ok || echo NULL2=denied
rm -f /mem /tun2 /null2
"#;

#[test]
fn only_allowed_devices_can_be_used() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("dev");
    let _cg = CgroupGuard(name.clone());
    let (code, out) = w.spawn(&name, &[], PROBE);
    assert_eq!(code, 0, "{out}");
    for l in [
        "DEVNULL=ok",
        "NODE_NULL=ok",
        "MKNOD_MEM=denied",
        "MKNOD_TUN=denied",
        "MKNOD_NULL=ok",
        "NULL2=ok",
    ] {
        assert!(has(&out, l), "{l}:\n{out}");
    }
    assert!(
        out.lines()
            .any(|l| l.starts_with("NODE_TUN=denied") && l.contains("not permitted")),
        "opening 10:200 must fail with EPERM:\n{out}"
    );
    assert!(!w.root().join("mem").exists() && !w.root().join("tun2").exists());

    // --enable-tun adds 10:200; --allow-device adds a host node's numbers.
    let (code, out) = w.spawn(
        &name,
        &["--enable-tun"],
        "(: < /nodes/tun) 2>/dev/null && echo NODE_TUN=ok || echo NODE_TUN=denied",
    );
    assert_eq!(code, 0, "{out}");
    assert!(has(&out, "NODE_TUN=ok"), "{out}");
    let (code, out) = w.spawn(&name, &["--allow-device", "/dev/net/tun:r"], "(: < /nodes/tun) 2>/dev/null && echo R=ok || echo R=denied; (: > /nodes/tun) 2>/dev/null && echo W=ok || echo W=denied");
    assert_eq!(code, 0, "{out}");
    assert!(
        has(&out, "R=ok") && has(&out, "W=denied"),
        "read-only access only:\n{out}"
    );
}

/// The device filters a running container has, read from the host: its cgroup v2
/// directory carries exactly one BPF device program (pure v2 and hybrid hosts), and
/// where the v1 devices controller exists its own cgroup lists exactly the allowed
/// devices.
#[test]
fn the_container_cgroups_carry_the_device_filters() {
    if !privileged() {
        return;
    }
    let layout = nest_sys::cgroup::Layout::detect().expect("layout");
    let v2 = layout
        .hierarchies
        .iter()
        .find(|h| h.kind == nest_sys::cgroup::Kind::V2)
        .cloned();
    let devices = layout.v1("devices").cloned();
    assert!(
        v2.is_some() || devices.is_some(),
        "a host with neither a v2 tree nor a v1 devices controller"
    );
    let w = World::new();
    let name = unique("devcg");
    let _cg = CgroupGuard(name.clone());
    let list = devices.as_ref().map(|d| {
        d.path_of(&d.current)
            .join(format!("nest-{name}"))
            .join("devices.list")
    });
    let v2_dir = v2
        .as_ref()
        .map(|h| h.path_of(&h.current).join(format!("nest-{name}")));
    let flag = w.root().join("listed");
    let script = "while ! test -e /listed; do :; done; echo done";
    let child = Command::new(NEST)
        .arg("spawn")
        .arg("-D")
        .arg(w.root())
        .arg("--run-dir")
        .arg(w.dir.path().join("run"))
        .args(["-M", &name, "--", "/bin/sh", "-c", script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("nest spawn");
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Kill(child);
    // The state file appears once the container's cgroups are set up.
    let state = w
        .dir
        .path()
        .join("run/containers")
        .join(&name)
        .join("state.json");
    for _ in 0..1000 {
        if state.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let text = list
        .as_ref()
        .map(|l| std::fs::read_to_string(l).unwrap_or_default());
    let programs = v2_dir
        .as_ref()
        .map(|d| nest_sys::bpf::attached_device_programs(d));
    std::fs::write(&flag, "").expect("release the container");
    let status = child.0.wait().expect("wait");
    assert!(status.success());
    if let Some(p) = programs {
        assert_eq!(
            p.expect("query the container's v2 cgroup"),
            1,
            "one BPF device program on the container's v2 cgroup"
        );
    }
    if let Some(text) = text {
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.contains(&"c 1:3 rwm"), "{text}");
        assert!(lines.contains(&"c 136:* rwm"), "{text}");
        assert!(
            !lines
                .iter()
                .any(|l| l.starts_with("a ") || l.starts_with("b ")),
            "no wildcard, no block device: {text}"
        );
    }
    for p in list.iter().chain(v2_dir.iter()) {
        assert!(
            !Path::new(p).exists(),
            "{} is removed after the exit",
            p.display()
        );
    }
}
