//! The supervisor's commands through the real `nest` binary, without root: create,
//! list, status, show-ip, destroy, update of a stopped container, and the systemd
//! units (checked with `systemd-analyze verify` when it is installed). Every path is
//! moved into a temp dir with the `NEST_*` variables.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NEST: &str = env!("CARGO_BIN_EXE_nest");

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::Builder::new()
            .prefix("nest-cli-sup-")
            .tempdir()
            .expect("tempdir");
        let env = Env { dir };
        env.system("abc-system", r#"{"version":1,"services":{}}"#);
        env
    }

    fn system(&self, name: &str, services: &str) -> PathBuf {
        let p = self.dir.path().join("store").join(name);
        std::fs::create_dir_all(&p).expect("system dir");
        std::fs::write(p.join("services.json"), services).expect("services.json");
        p
    }

    fn nest(&self, args: &[&str]) -> Output {
        let d = self.dir.path();
        Command::new(NEST)
            .args(args)
            .env("NEST_STATE_DIR", d.join("var"))
            .env("NEST_CONTAINERS_DIR", d.join("var/containers"))
            .env("NEST_RUN_DIR", d.join("run"))
            .env("NEST_ROOTS_DIR", d.join("roots"))
            .env("NEST_STORE_DIR", d.join("store"))
            .env("NO_COLOR", "1")
            .output()
            .expect("run nest")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.nest(args);
        assert!(
            o.status.success(),
            "nest {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn fails(&self, args: &[&str]) -> String {
        let o = self.nest(args);
        assert_eq!(
            o.status.code(),
            Some(1),
            "nest {args:?} should fail: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        String::from_utf8_lossy(&o.stderr).into_owned()
    }

    fn sys(&self) -> String {
        self.dir
            .path()
            .join("store/abc-system")
            .display()
            .to_string()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
}

#[test]
fn create_list_status_destroy() {
    let e = Env::new();
    assert_eq!(e.ok(&["container", "list"]), "");
    assert_eq!(
        e.ok(&["container", "create", "web", "--system-path", &e.sys()]),
        "web\n"
    );
    assert!(e.path("roots/web").is_dir());
    assert!(e.path("var/containers/web.json").is_file());
    let err = e.fails(&["container", "create", "web", "--system-path", &e.sys()]);
    assert!(err.contains("container \"web\" already exists"), "{err}");
    assert_eq!(
        e.ok(&[
            "container",
            "create",
            "web",
            "--system-path",
            &e.sys(),
            "--ensure-unique-name"
        ]),
        "web-1\n"
    );
    assert_eq!(e.ok(&["container", "list"]), "web\nweb-1\n");
    assert_eq!(e.ok(&["container", "status", "web"]), "down\n");
    assert_eq!(e.ok(&["container", "status", "nothere"]), "gone\n");

    let json: serde_json::Value =
        serde_json::from_str(&e.ok(&["container", "list", "--json"])).expect("list --json is JSON");
    let arr = json.as_array().expect("an array");
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[0]["name"], "web");
    assert_eq!(arr[0]["phase"], "stopped");
    assert_eq!(arr[0]["origin"], "imperative");
    let long = e.ok(&["container", "list", "--long"]);
    assert!(long.starts_with("NAME"), "{long}");
    assert!(long.contains("stopped"), "{long}");

    let status: serde_json::Value =
        serde_json::from_str(&e.ok(&["container", "status", "web", "--json"])).expect("JSON");
    assert_eq!(status["status"], "down");
    assert_eq!(status["restartPolicy"], "on-failure");

    for n in ["web", "web-1"] {
        std::fs::create_dir_all(e.path(&format!("var/profiles/containers/{n}")))
            .expect("profile dir");
    }
    e.ok(&["container", "destroy", "web"]);
    assert!(!e.path("var/profiles/containers/web").exists());
    assert!(e.path("var/profiles/containers/web-1").exists());
    assert!(!e.path("roots/web").exists());
    assert!(!e.path("var/containers/web.json").exists());
    assert!(
        e.path("roots/web-1").is_dir(),
        "destroy touches only its own container"
    );
    assert_eq!(e.ok(&["container", "status", "web"]), "gone\n");
    let err = e.fails(&["container", "destroy", "web"]);
    assert!(err.contains("no container named \"web\""), "{err}");
}

#[test]
fn create_arguments() {
    let e = Env::new();
    // A configuration is evaluated before anything is written: a type error names the
    // option and leaves no container behind.
    let err = e.fails(&[
        "container",
        "create",
        "a",
        "--config",
        "services.openssh.enable = true; services.openssh.ports = [ \"ssh\" ];",
    ]);
    assert!(err.contains("services.openssh.ports"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(!e.path("var/containers/a.json").exists());
    let err = e.fails(&[
        "container",
        "create",
        "a",
        "--config-file",
        "/nonexistent/c.nix",
    ]);
    assert!(err.contains("/nonexistent/c.nix"), "{err}");
    let err = e.fails(&["container", "update", "nothere", "--config", "{ }"]);
    assert!(err.contains("no container named \"nothere\""), "{err}");
    let err = e.fails(&["container", "create", "a"]);
    assert!(
        err.contains("needs --system-path, --config-file or --config"),
        "{err}"
    );
    let err = e.fails(&["container", "create", "a b", "--system-path", &e.sys()]);
    assert!(err.contains("invalid container name"), "{err}");
    let err = e.fails(&[
        "container",
        "create",
        "a",
        "--system-path",
        "/nonexistent/system",
    ]);
    assert!(err.contains("/nonexistent/system"), "{err}");
    let err = e.fails(&[
        "container",
        "create",
        "a",
        "--system-path",
        &e.sys(),
        "--port",
        "x:y",
    ]);
    assert!(err.contains("invalid port spec"), "{err}");

    let o = e.nest(&[
        "container",
        "create",
        "net",
        "--system-path",
        &e.sys(),
        "--private-network",
        "--port",
        "8080:80",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("host IP is 10.233.1.1, container IP is 10.233.1.2"));
    assert_eq!(e.ok(&["container", "show-ip", "net"]), "10.233.1.2\n");
    e.ok(&[
        "container",
        "create",
        "net2",
        "--system-path",
        &e.sys(),
        "--private-network",
    ]);
    assert_eq!(e.ok(&["container", "show-ip", "net2"]), "10.233.2.2\n");
    let err = e.fails(&["container", "show-ip", &"x".repeat(3)]);
    assert!(err.contains("no container named"), "{err}");
    e.ok(&[
        "container",
        "create",
        "plain",
        "--system-path",
        &e.sys(),
        "--auto-start",
        "--restart",
        "always",
    ]);
    let err = e.fails(&["container", "show-ip", "plain"]);
    assert!(err.contains("has no private network address"), "{err}");
    let cfg: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(e.path("var/containers/plain.json")).expect("config"),
    )
    .expect("JSON");
    assert_eq!(cfg["version"], 1);
    assert_eq!(cfg["autoStart"], true);
    assert_eq!(cfg["restart"]["policy"], "always");
    let err = e.fails(&[
        "container",
        "create",
        "p2",
        "--system-path",
        &e.sys(),
        "--restart",
        "sometimes",
    ]);
    assert!(err.contains("unknown restart policy"), "{err}");
}

#[test]
fn commands_on_a_stopped_container() {
    let e = Env::new();
    e.ok(&["container", "create", "s", "--system-path", &e.sys()]);
    let o = e.nest(&["container", "stop", "s"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("s: already stopped"));
    let err = e.fails(&["container", "run", "s", "--", "true"]);
    assert!(
        err.contains("cannot enter container \"s\" while it is stopped"),
        "{err}"
    );
    let err = e.fails(&["container", "top", "s"]);
    assert!(err.contains("while it is stopped"), "{err}");
    let sys2 = e.system("def-system", r#"{"version":1,"services":{}}"#);
    let o = e.nest(&[
        "container",
        "update",
        "s",
        "--system-path",
        &sys2.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("boots at the next start"));
    let cfg = std::fs::read_to_string(e.path("var/containers/s.json")).expect("config");
    assert!(cfg.contains("def-system"), "{cfg}");
    assert_eq!(e.ok(&["container", "logs", "s"]), "");
    let err = e.fails(&["container", "show-host-key", "s"]);
    assert!(err.contains("ssh_host_ed25519_key.pub"), "{err}");
    std::fs::create_dir_all(e.path("roots/s/etc/ssh")).expect("etc/ssh");
    std::fs::write(
        e.path("roots/s/etc/ssh/ssh_host_ed25519_key.pub"),
        "ssh-ed25519 AAAA test\n",
    )
    .expect("key");
    assert_eq!(
        e.ok(&["container", "show-host-key", "s"]),
        "ssh-ed25519 AAAA test\n"
    );
    let err = e.fails(&["container", "logs", "s", "--service", "../../etc"]);
    assert!(err.contains("invalid service name"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let e = Env::new();
    assert_eq!(e.nest(&["container", "start"]).status.code(), Some(2));
    assert_eq!(e.nest(&["container", "run", "x"]).status.code(), Some(2));
    let help = e.ok(&["container", "create", "--help"]);
    assert!(help.contains("Exit codes"), "{help}");
}

fn systemd_analyze() -> Option<&'static Path> {
    let p = Path::new("/usr/bin/systemd-analyze");
    p.exists().then_some(p)
}

#[test]
fn systemd_units() {
    let e = Env::new();
    e.ok(&[
        "container",
        "create",
        "svc",
        "--system-path",
        &e.sys(),
        "--auto-start",
    ]);
    let out = e.path("units");
    let listed = e.ok(&["systemd-units", "--out", &out.display().to_string()]);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    let unit = std::fs::read_to_string(out.join("container-svc.service")).expect("unit");
    assert!(
        unit.contains(&format!(
            "ExecStart={NEST} container supervise --foreground svc"
        )),
        "{unit}"
    );
    assert!(unit.contains("WantedBy=multi-user.target"));
    let daemon = std::fs::read_to_string(out.join("nest-daemon.service")).expect("daemon unit");
    assert!(daemon.contains("KillMode=process"));
    let Some(analyze) = systemd_analyze() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "systemd-analyze is not installed, and CI is set"
        );
        eprintln!("systemd-analyze is not installed: units checked by content only");
        return;
    };
    let o = Command::new(analyze)
        .arg("verify")
        .arg("--man=no")
        .arg(out.join("container-svc.service"))
        .arg(out.join("nest-daemon.service"))
        .env("SYSTEMD_LOG_LEVEL", "warning")
        .output()
        .expect("systemd-analyze");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success(),
        "systemd-analyze verify failed: {stderr}"
    );
    for l in stderr.lines() {
        assert!(
            !l.contains("container-svc.service") && !l.contains("nest-daemon.service"),
            "systemd-analyze complains: {l}"
        );
    }
}

/// `logs -f` prints the history, then what is appended, across a rotation.
#[test]
fn logs_follow() {
    use std::io::{BufRead, BufReader, Write};
    let e = Env::new();
    e.ok(&["container", "create", "lf", "--system-path", &e.sys()]);
    let dir = e.path("run/containers/lf");
    std::fs::create_dir_all(&dir).expect("state dir");
    std::fs::write(dir.join("console.log"), "zero\none\n").expect("console.log");
    let d = e.dir.path();
    let mut child = Command::new(NEST)
        .args(["container", "logs", "lf", "-f", "-n", "1"])
        .env("NEST_STATE_DIR", d.join("var"))
        .env("NEST_RUN_DIR", d.join("run"))
        .env("NEST_ROOTS_DIR", d.join("roots"))
        .env("NEST_STORE_DIR", d.join("store"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("logs -f");
    let stdout = child.stdout.take().expect("stdout");
    // `logs -f` never ends by itself: kill it (by its pid) even when an assert fails.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _guard = KillOnDrop(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = || rx.recv_timeout(std::time::Duration::from_secs(10));
    assert_eq!(next().ok().as_deref(), Some("one"));
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("console.log"))
        .and_then(|mut f| f.write_all(b"two\n"))
        .expect("append");
    assert_eq!(next().ok().as_deref(), Some("two"));
    std::fs::rename(dir.join("console.log"), dir.join("console.log.1")).expect("rotate");
    std::fs::write(dir.join("console.log"), "three\n").expect("new file");
    assert_eq!(next().ok().as_deref(), Some("three"));
}
