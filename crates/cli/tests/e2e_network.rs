//! Privileged end-to-end tests of a private network through `nest spawn`: a UDP port
//! forwarded from the host's loopback (IPv4 and IPv6) into the container, the IPv6
//! host and local addresses configured on both sides of the veth, and
//! `/etc/resolv.conf` inside (a copy of the host's, or left alone).
//!
//! They need root. Without root they skip, unless `CI` is set: then they fail. The
//! UDP echo server is a thread of this test that enters the container's network
//! namespace (a per-thread setns), so the root needs no UDP tool. Guards kill the
//! container by the pid this test started and remove its veth and cgroups.

use std::io::Read;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
mod support;
use support::{privileged, unique, wait_for};

const NEST: &str = env!("CARGO_BIN_EXE_nest");

struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let dir = tempfile::Builder::new()
            .prefix("nest-e2e-net-")
            .tempdir()
            .expect("tempdir");
        let bin = dir.path().join("root/bin");
        std::fs::create_dir_all(&bin).expect("root/bin");
        std::fs::copy("/usr/bin/busybox", bin.join("busybox"))
            .expect("busybox-static is installed");
        for a in [
            "sh", "cat", "ip", "ping", "ping6", "sleep", "echo", "readlink", "test", "grep", "ls",
        ] {
            std::os::unix::fs::symlink("busybox", bin.join(a)).expect("applet");
        }
        World { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn run_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    fn spawn(&self, name: &str, extra: &[&str], script: &str) -> Command {
        let mut c = Command::new(NEST);
        c.arg("spawn")
            .arg("-D")
            .arg(self.root())
            .arg("--run-dir")
            .arg(self.run_dir())
            .args(["-M", name])
            .args(extra)
            .args(["--", "/bin/sh", "-c", script]);
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }
}

/// Kills the `nest spawn` it started (SIGKILL by pid) unless it exited.
struct Proc(Option<Child>);

impl Proc {
    fn finish(mut self) -> (Option<i32>, String) {
        let mut c = self.0.take().expect("child");
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = c.try_wait().expect("try_wait") {
                let mut out = String::new();
                let _ = c.stdout.take().map(|mut o| o.read_to_string(&mut out));
                let mut err = String::new();
                let _ = c.stderr.take().map(|mut e| e.read_to_string(&mut err));
                return (s.code(), format!("{out}\n--stderr--\n{err}"));
            }
            if Instant::now() > end {
                let _ = c.kill();
                let _ = c.wait();
                panic!("nest spawn did not exit");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Removes the veth and the cgroups a container of this name may have left behind.
struct Guard {
    name: String,
    veth: String,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(mut nl) = nest_sys::netlink::Netlink::open() {
            if let Ok(Some(_)) = nl.link_index(&self.veth) {
                let _ = nl.delete_link(&self.veth);
            }
        }
        if let Ok(layout) = nest_sys::cgroup::Layout::detect() {
            for h in &layout.hierarchies {
                let p = h.path_of(&h.current).join(format!("nest-{}", self.name));
                if p.exists() {
                    let _ = nest_sys::cgroup::kill_and_remove(&p);
                }
            }
        }
    }
}

fn veth_of(name: &str) -> String {
    nest_container::ContainerName::new(name)
        .expect("name")
        .veth_name()
}

/// PID 1's host pid from the runtime's state file.
fn pid1(state_dir: &Path) -> Option<i32> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state_dir.join("state.json")).ok()?).ok()?;
    v["pid"].as_i64().map(|p| p as i32)
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Sends `msg` to `to` and returns the reply, retrying while the forwarder or the
/// server is not up yet (UDP has no connection to wait for).
fn ask(to: &str, msg: &str) -> Option<String> {
    let local = if to.starts_with('[') {
        "[::]:0"
    } else {
        "0.0.0.0:0"
    };
    let s = UdpSocket::bind(local).ok()?;
    s.set_read_timeout(Some(Duration::from_millis(300))).ok()?;
    let mut buf = [0u8; 1500];
    for _ in 0..30 {
        s.send_to(msg.as_bytes(), to).ok()?;
        if let Ok((n, _)) = s.recv_from(&mut buf) {
            return Some(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    }
    None
}

#[test]
fn udp_forwarding_ipv6_addresses_and_resolv_conf() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("udp");
    let _g = Guard {
        name: name.clone(),
        veth: veth_of(&name),
    };
    let octet = 10 + (std::process::id() % 200);
    let (host, local) = (format!("10.234.{octet}.1"), format!("10.234.{octet}.2"));
    let (host6, local6) = (
        format!("fd00:234:{octet}::1"),
        format!("fd00:234:{octet}::2"),
    );
    let port = free_udp_port();
    let port_arg = format!("udp:{port}:5353");
    let script = format!(
        "echo ADDR6=$(ip -6 addr show dev eth0 2>/dev/null | grep -c '{local6}'); \
         ping -6 -c1 -W3 {host6} >/dev/null 2>&1 && echo PING6=ok || echo PING6=fail; \
         echo RESOLV_BEGIN; cat /etc/resolv.conf; echo RESOLV_END; \
         while ! test -e /done; do sleep 0.05; done"
    );
    let c = Proc(Some(
        w.spawn(
            &name,
            &[
                "--private-network",
                "--host-address",
                &host,
                "--local-address",
                &local,
                "--host-address6",
                &host6,
                "--local-address6",
                &local6,
                "-p",
                &port_arg,
            ],
            &script,
        )
        .spawn()
        .expect("nest spawn"),
    ));
    let state_dir = w.run_dir().join("containers").join(&name);
    let mut pid = None;
    wait_for("the container's state file", || {
        pid = pid1(&state_dir);
        pid.is_some()
    });
    let pid = pid.expect("pid");

    // The UDP echo server inside the container's network namespace.
    let netns = std::fs::File::open(format!("/proc/{pid}/ns/net")).expect("the container's netns");
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        nix::sched::setns(&netns, nix::sched::CloneFlags::CLONE_NEWNET)
            .expect("setns net (this thread only)");
        let sock = UdpSocket::bind("[::]:5353").expect("bind 5353 inside");
        sock.set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        ready_tx.send(()).expect("ready");
        let mut buf = [0u8; 1500];
        let mut served = Vec::new();
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
            let _ = sock.send_to(format!("echo:{msg}").as_bytes(), from);
            served.push(from);
            if msg == "quit" {
                break;
            }
        }
        served
    });
    ready_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the server started");

    assert_eq!(
        ask(&format!("127.0.0.1:{port}"), "v4").as_deref(),
        Some("echo:v4"),
        "forwarded over IPv4 loopback"
    );
    assert_eq!(
        ask(&format!("[::1]:{port}"), "v6").as_deref(),
        Some("echo:v6"),
        "forwarded over IPv6 loopback"
    );
    assert_eq!(
        ask(&format!("[{local6}]:5353"), "direct6").as_deref(),
        Some("echo:direct6"),
        "the container's IPv6 address, direct"
    );
    let _ = ask(&format!("{local}:5353"), "quit");
    let served = server.join().expect("server thread");
    // Forwarded datagrams come from the host's side of the veth (a userspace relay).
    assert!(
        served.iter().any(|a| a.ip().to_string().contains(&host)),
        "{served:?}"
    );

    std::fs::write(w.root().join("done"), "").expect("release the container");
    let (code, out) = c.finish();
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("ADDR6=1"),
        "the local IPv6 address is on eth0:\n{out}"
    );
    assert!(
        out.contains("PING6=ok"),
        "the host's IPv6 address answers:\n{out}"
    );
    let inside = out
        .split("RESOLV_BEGIN\n")
        .nth(1)
        .and_then(|r| r.split("RESOLV_END").next())
        .expect("resolv.conf printed");
    let expected = nest_container::runtime::host_resolv_conf(true)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    assert_eq!(
        inside, expected,
        "a copy of the host's resolver configuration"
    );
    assert!(!expected.is_empty(), "this host has an /etc/resolv.conf");
}

#[test]
fn resolv_conf_off_and_a_symlink_are_left_alone() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("rslv");
    let _g = Guard {
        name: name.clone(),
        veth: veth_of(&name),
    };
    let c = Proc(Some(
        w.spawn(
            &name,
            &["--resolv-conf", "off"],
            "test -e /etc/resolv.conf && echo FILE=yes || echo FILE=no",
        )
        .spawn()
        .expect("spawn"),
    ));
    let (code, out) = c.finish();
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("FILE=no"), "{out}");

    std::fs::create_dir_all(w.root().join("etc")).expect("etc");
    std::os::unix::fs::symlink("/run/resolv.conf", w.root().join("etc/resolv.conf"))
        .expect("symlink");
    let c = Proc(Some(w.spawn(&name, &[], "readlink /etc/resolv.conf; test -e /run/resolv.conf && echo TARGET=yes || echo TARGET=no").spawn().expect("spawn")));
    let (code, out) = c.finish();
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("/run/resolv.conf\nTARGET=no"),
        "the link stays and nothing is written through it:\n{out}"
    );
}
