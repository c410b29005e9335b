//! Privileged end-to-end tests of containers made from a configuration: `nest container
//! create --config-file/--config` evaluates and builds the system, `update
//! --config-file` re-activates it in place, and `root-login` and `login` give shells
//! through a pty (login against the container's own /etc/shadow, refusing a wrong
//! password).
//!
//! They need root. Without root they skip, unless `CI` is set: then they fail. Each
//! test works in its own temp dir with unique names; a Drop guard terminates its
//! containers and kills the `nest` processes it started on a pty (by pid).

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
mod support;
use support::{nest_under, privileged, service_pid, unique, wait_for};

struct World {
    dir: tempfile::TempDir,
    names: std::cell::RefCell<Vec<String>>,
}

impl World {
    fn new() -> World {
        let dir = tempfile::Builder::new()
            .prefix("nest-e2e-login-")
            .tempdir()
            .expect("tempdir");
        World {
            dir,
            names: Default::default(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        nest_under(self.dir.path(), args)
    }

    fn nest(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run nest")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.nest(args);
        assert!(
            o.status.success(),
            "nest {args:?} failed ({:?}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `create NAME <args>`; the container is terminated when the world drops.
    fn create(&self, prefix: &str, args: &[&str]) -> String {
        let name = unique(prefix);
        self.names.borrow_mut().push(name.clone());
        let mut all = vec!["container", "create", name.as_str()];
        all.extend_from_slice(args);
        assert_eq!(self.ok(&all), format!("{name}\n"), "create prints the name");
        name
    }

    fn status(&self, name: &str) -> serde_json::Value {
        let p = self.path("run/containers").join(name).join("status.json");
        std::fs::read_to_string(&p)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null)
    }
}

impl Drop for World {
    fn drop(&mut self) {
        for n in self.names.borrow().iter() {
            let _ = self.cmd(&["container", "terminate", n]).output();
        }
    }
}

/// A crypt(3) SHA-512 hash of `password`, made by busybox's mkpasswd with a random salt.
fn hash(password: &str) -> String {
    let o = Command::new("/usr/bin/busybox")
        .args(["mkpasswd", "-m", "sha512", password])
        .output()
        .expect("busybox mkpasswd");
    assert!(o.status.success());
    let h = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(h.starts_with("$6$"), "{h}");
    h
}

/// `nest` with a pty as its terminal: what it prints is collected by a reader thread.
struct Session {
    child: Option<Child>,
    master: std::fs::File,
    rx: mpsc::Receiver<Vec<u8>>,
    seen: String,
}

impl Session {
    fn start(mut cmd: Command) -> Session {
        let pty = nest_sys::pty::open().expect("open a pty");
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&pty.slave_path)
            .expect("open the pty slave");
        let io =
            |f: &std::fs::File| Stdio::from(f.as_fd().try_clone_to_owned().expect("dup the slave"));
        cmd.stdin(io(&slave)).stdout(io(&slave)).stderr(io(&slave));
        let child = cmd.spawn().expect("start nest on a pty");
        drop(slave);
        let master = std::fs::File::from(pty.master);
        let mut reader = master.try_clone().expect("dup the master");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once nest and everything holding the slave exited.
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Session {
            child: Some(child),
            master,
            rx,
            seen: String::new(),
        }
    }

    /// Waits until the output since the last match contains `text`; returns that output.
    fn expect(&mut self, text: &str) -> String {
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(i) = self.seen.find(text) {
                let upto = self.seen[..i + text.len()].to_string();
                self.seen.drain(..i + text.len());
                return upto;
            }
            let left = end.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {text:?}; saw {:?}",
                self.seen
            );
            if let Ok(b) = self.rx.recv_timeout(left.min(Duration::from_millis(100))) {
                self.seen.push_str(&String::from_utf8_lossy(&b));
            }
        }
    }

    fn send(&mut self, text: &str) {
        self.master
            .write_all(text.as_bytes())
            .expect("write to the pty");
    }

    /// Waits for nest to exit; its exit code.
    fn wait(&mut self) -> Option<i32> {
        let mut child = self.child.take().expect("child");
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(s) = child.try_wait().expect("try_wait") {
                return s.code();
            }
            if Instant::now() > end {
                let _ = child.kill();
                let _ = child.wait();
                panic!("nest did not exit; saw {:?}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

const SERVICE: &str = r#"systemd.services.hello = { script = "echo WORD; exec sleep 100000"; wantedBy = [ "multi-user.target" ]; };
  systemd.services.other = { script = "exec sleep 100000"; wantedBy = [ "multi-user.target" ]; };"#;

/// create --config-file builds the system and boots it; update --config-file with a
/// changed service re-activates it in place (PID 1 and the unchanged service stay).
#[test]
fn create_and_update_from_a_config_file() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let file = w.path("c.nix");
    let write = |word: &str| {
        std::fs::write(
            &file,
            format!(
                "{{ pkgs, ... }}: {{\n  {}\n}}\n",
                SERVICE.replace("WORD", word)
            ),
        )
        .expect("write c.nix")
    };
    write("one");
    let name = w.create("cf", &["--config-file", file.to_str().expect("utf-8")]);
    let cfg: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(w.path("var/containers").join(format!("{name}.json")))
            .expect("config"),
    )
    .expect("json");
    let system = cfg["spec"]["init"].as_str().expect("a system").to_string();
    let store = w.path("store").display().to_string();
    assert!(
        system.starts_with(&format!("{store}/")) && system.ends_with("-nest-system"),
        "{system}"
    );
    assert!(
        PathBuf::from(&system).join("services.json").is_file(),
        "the system was built"
    );

    assert!(w.ok(&["container", "start", &name]).is_empty());
    // start waits for the boot activation: the system's files are there at once.
    assert_eq!(
        w.ok(&[
            "container",
            "run",
            &name,
            "--",
            "sh",
            "-c",
            "readlink /run/current-system"
        ])
        .trim(),
        system
    );
    wait_for("both services running", || {
        let s = w.status(&name);
        service_pid(&s, "hello").is_some() && service_pid(&s, "other").is_some()
    });
    let before = w.status(&name);
    let (hello, other) = (service_pid(&before, "hello"), service_pid(&before, "other"));
    let pid1 = w.ok(&["container", "status", &name, "--json"]);

    write("two");
    let o = w.nest(&[
        "container",
        "update",
        &name,
        "--config-file",
        file.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        said.contains("activated in place") && said.contains("restarted: hello"),
        "{said}"
    );
    wait_for("hello restarted", || {
        service_pid(&w.status(&name), "hello").is_some_and(|p| Some(p) != hello)
    });
    let after = w.status(&name);
    assert_eq!(
        service_pid(&after, "other"),
        other,
        "the unchanged service kept running"
    );
    assert_eq!(
        after["sinceMs"], before["sinceMs"],
        "PID 1 was not restarted"
    );
    let info: serde_json::Value =
        serde_json::from_str(&w.ok(&["container", "status", &name, "--json"])).expect("json");
    let old: serde_json::Value = serde_json::from_str(&pid1).expect("json");
    assert_eq!(info["pid"], old["pid"]);
    assert_ne!(
        info["system"].as_str(),
        Some(system.as_str()),
        "the new system is recorded"
    );
    // The restarted service writes its new word when it runs, possibly after update returned.
    wait_for("the restarted service logged its new word", || {
        let log = w.ok(&["container", "logs", &name, "--service", "hello"]);
        log.contains("one") && log.contains("two")
    });

    // update without flags evaluates the stored configuration again, which imports
    // the file: an edit of the file reaches the container, in place.
    write("three");
    let o = w.nest(&["container", "update", &name]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        said.contains("activated in place") && said.contains("restarted: hello"),
        "{said}"
    );
    assert_eq!(
        service_pid(&w.status(&name), "other"),
        other,
        "the unchanged service kept running"
    );
    wait_for("the service logged the word of the re-read file", || {
        w.ok(&["container", "logs", &name, "--service", "hello"])
            .contains("three")
    });

    // --config: the body of a module, like nixos-container's.
    let e = w.create(
        "ce",
        &[
            "--config",
            "environment.etc.\"greeting\".text = \"hello from --config\";",
        ],
    );
    w.ok(&["container", "start", &e]);
    assert_eq!(
        w.ok(&["container", "run", &e, "--", "cat", "/etc/greeting"]),
        "hello from --config"
    );
    let module = w.path("var/containers").join(format!("{e}.nix"));
    assert!(module.is_file(), "the configuration is kept for update");

    // A taken name fails before anything is built; --ensure-unique-name builds the
    // system for the suffixed name (its hostname).
    let o = w.nest(&["container", "create", &e, "--config", "{ }"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("already exists"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let second = format!("{e}-1");
    w.names.borrow_mut().push(second.clone());
    assert_eq!(
        w.ok(&[
            "container",
            "create",
            &e,
            "--config",
            "{ }",
            "--ensure-unique-name"
        ]),
        format!("{second}\n")
    );
    let cfg: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(w.path("var/containers").join(format!("{second}.json")))
            .expect("config"),
    )
    .expect("json");
    assert!(
        cfg["spec"]["init"]
            .as_str()
            .is_some_and(|s| PathBuf::from(s).join("services.json").is_file()),
        "{cfg}"
    );
    // Activation writes /etc/hostname from the running host name (the final name).
    w.ok(&["container", "start", &second]);
    assert_eq!(
        w.ok(&["container", "run", &second, "--", "cat", "/etc/hostname"])
            .trim(),
        second
    );

    // destroy removes the kept configuration with the rest.
    w.ok(&["container", "destroy", &e]);
    assert!(!module.exists(), "destroy removed {}", module.display());
}

/// root-login gives a root shell; login authenticates against the container's own
/// /etc/shadow (from users.users.<n>.hashedPassword) and refuses a wrong password.
#[test]
fn root_login_and_login_through_a_pty() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let config = format!(
        "users.users.alice = {{ isNormalUser = true; hashedPassword = \"{}\"; shell = \"/run/current-system/sw/bin/sh\"; }};",
        hash("correct horse")
    );
    let name = w.create("lg", &["--config", &config]);
    w.ok(&["container", "start", &name]);

    let mut root = Session::start(w.cmd(&["container", "root-login", &name]));
    root.send("echo UID=$(id -u)\n");
    root.expect("UID=0");
    root.send("exit 3\n");
    assert_eq!(
        root.wait(),
        Some(3),
        "root-login exits with the shell's status"
    );

    let mut bad = Session::start(w.cmd(&["container", "login", &name]));
    bad.expect("login: ");
    bad.send("alice\n");
    bad.expect("assword: ");
    bad.send("wrong horse\n");
    bad.expect("Login incorrect");
    drop(bad);

    let mut good = Session::start(w.cmd(&["container", "login", &name]));
    good.expect("login: ");
    good.send("alice\n");
    good.expect("assword: ");
    good.send("correct horse\n");
    good.send("echo WHO=$(id -un):$(id -u)\n");
    let out = good.expect("WHO=alice:");
    assert!(!out.contains("Login incorrect"), "{out}");
    good.send("exit\n");
    assert_eq!(good.wait(), Some(0));

    // Without a terminal, login refuses rather than hanging.
    let o = w.nest(&["container", "login", &name]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("login needs a terminal"));
}
