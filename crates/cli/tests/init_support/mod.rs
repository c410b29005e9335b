//! Shared harness for the `init_*` tests: a temp system dir, the real `nest init`
//! binary started as a child subreaper, status over the control socket, deadlines.
#![allow(dead_code)]

use nest_init::protocol::{InitStatus, Reply, Request, ServiceState, ServiceStatus};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub const DEADLINE: Duration = Duration::from_secs(20);

pub struct Init {
    pub child: Child,
    pub dir: tempfile::TempDir,
    pub sys: PathBuf,
    pub state: PathBuf,
    pub exit: Option<ExitStatus>,
}

pub fn nest() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nest"))
}

/// Writes a system directory: `services.json` and, when given, an `activate` script.
pub fn write_system(dir: &Path, services_json: &str, activate: Option<&str>) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("services.json"), services_json).unwrap();
    if let Some(script) = activate {
        let p = dir.join("activate");
        std::fs::write(&p, format!("#!/bin/sh\n{script}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// `{{T}}` in the texts is replaced by the test's temp dir.
pub fn start(services_json: &str, activate: Option<&str>, extra: &[&str]) -> Init {
    let dir = tempfile::Builder::new()
        .prefix("nest-init-")
        .tempdir()
        .unwrap();
    let t = dir.path().display().to_string();
    let sys = dir.path().join("sys");
    let state = dir.path().join("state");
    write_system(
        &sys,
        &services_json.replace("{{T}}", &t),
        activate.map(|a| a.replace("{{T}}", &t)).as_deref(),
    );
    let child = nest()
        .arg("init")
        .arg("--system")
        .arg(&sys)
        .arg("--state-dir")
        .arg(&state)
        .arg("--quiet")
        .args(extra)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut init = Init {
        child,
        dir,
        sys,
        state,
        exit: None,
    };
    let end = Instant::now() + DEADLINE;
    while !init.socket().exists() {
        if let Some(st) = init.child.try_wait().unwrap() {
            init.exit = Some(st);
            break;
        }
        assert!(
            Instant::now() < end,
            "timed out waiting for the control socket"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    init
}

pub fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + DEADLINE;
    while !f() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Init {
    pub fn t(&self) -> &Path {
        self.dir.path()
    }

    pub fn socket(&self) -> PathBuf {
        self.state.join("control.sock")
    }

    pub fn wait_for(&self, what: &str, f: impl FnMut() -> bool) {
        wait_until(what, f)
    }

    pub fn request(&self, req: Request) -> Result<Reply, nest_init::client::ClientError> {
        nest_init::client::request_with_timeout(&self.socket(), req, DEADLINE)
    }

    pub fn status(&self) -> InitStatus {
        match self.request(Request::Status {}) {
            Ok(Reply::Status(s)) => s,
            other => panic!("unexpected status reply: {other:?}"),
        }
    }

    pub fn service(&self, name: &str) -> ServiceStatus {
        let st = self.status();
        st.services
            .into_iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no service {name} in status"))
    }

    /// Waits until `name` exists and is in `state`, returns its status.
    pub fn wait_state(&self, name: &str, state: ServiceState) -> ServiceStatus {
        let end = Instant::now() + DEADLINE;
        loop {
            let s = self.status().services.into_iter().find(|s| s.name == name);
            if let Some(s) = &s {
                if s.state == state {
                    return s.clone();
                }
            }
            assert!(
                Instant::now() < end,
                "timed out waiting for {name} to be {state:?}; it is {s:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), sig).unwrap();
    }

    /// Waits for init to exit (within the deadline).
    pub fn wait_exit(&mut self) -> ExitStatus {
        if let Some(e) = self.exit {
            return e;
        }
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                self.exit = Some(st);
                return st;
            }
            assert!(Instant::now() < end, "nest init did not exit");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.state.join("logs").join(format!("{name}.log")))
            .unwrap_or_default()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.t().join(rel)).unwrap_or_default()
    }
}

impl Drop for Init {
    fn drop(&mut self) {
        // Stop by the pid we started: SIGTERM (init stops its services), then SIGKILL.
        if self.exit.is_none() && self.child.try_wait().ok().flatten().is_none() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(self.pid()),
                nix::sys::signal::Signal::SIGTERM,
            );
            let end = Instant::now() + Duration::from_secs(15);
            while Instant::now() < end {
                if self.child.try_wait().ok().flatten().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// State of a process from /proc (`None` when it is gone).
pub fn proc_state(pid: i32) -> Option<char> {
    let st = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    st.lines()
        .find_map(|l| l.strip_prefix("State:"))
        .and_then(|s| s.trim().chars().next())
}

pub fn proc_ppid(pid: i32) -> Option<i32> {
    let st = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    st.lines()
        .find_map(|l| l.strip_prefix("PPid:"))
        .and_then(|s| s.trim().parse().ok())
}
