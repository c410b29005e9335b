//! `nest init` as a real PID 1 (in a new PID namespace made with `unshare`): signals
//! from outside and from inside the namespace, reboot vs poweroff exit codes.
//! Needs root; skipped only when not root and `CI` is unset.

mod init_support;
use init_support::*;
use nest_init::protocol::{InitState, ServiceState};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
mod support;
use support::privileged;

/// `unshare --pid --fork` running `nest init` as PID 1; killed (by pid) on drop.
struct Pid1 {
    unshare: Child,
    dir: tempfile::TempDir,
    state: std::path::PathBuf,
}

impl Pid1 {
    fn start(services_json: &str) -> Pid1 {
        let dir = tempfile::Builder::new()
            .prefix("nest-pid1-")
            .tempdir()
            .unwrap();
        let sys = dir.path().join("sys");
        let state = dir.path().join("state");
        write_system(
            &sys,
            &services_json.replace("{{T}}", &dir.path().display().to_string()),
            None,
        );
        let unshare = Command::new("unshare")
            .args(["--pid", "--fork", "--kill-child"])
            .arg(env!("CARGO_BIN_EXE_nest"))
            .args(["init", "--quiet", "--system"])
            .arg(&sys)
            .arg("--state-dir")
            .arg(&state)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let p = Pid1 {
            unshare,
            dir,
            state,
        };
        wait_until("control socket", || p.state.join("control.sock").exists());
        p
    }

    fn status(&self) -> nest_init::protocol::InitStatus {
        match nest_init::client::request(
            &self.state.join("control.sock"),
            nest_init::protocol::Request::Status {},
        ) {
            Ok(nest_init::protocol::Reply::Status(s)) => s,
            other => panic!("{other:?}"),
        }
    }

    /// The host pid of the namespace's PID 1 (unshare's only child).
    fn init_pid(&self) -> i32 {
        let id = self.unshare.id();
        let children = std::fs::read_to_string(format!("/proc/{id}/task/{id}/children")).unwrap();
        children.split_whitespace().next().unwrap().parse().unwrap()
    }

    fn wait_exit(&mut self) -> i32 {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(st) = self.unshare.try_wait().unwrap() {
                return st.code().unwrap_or(-1);
            }
            assert!(Instant::now() < end, "PID 1 did not exit");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Pid1 {
    fn drop(&mut self) {
        if self.unshare.try_wait().ok().flatten().is_none() {
            // --kill-child: killing unshare kills the namespace's PID 1, and with it the namespace.
            let _ = self.unshare.kill();
            let _ = self.unshare.wait();
        }
        let _ = &self.dir;
    }
}

const ONE_SERVICE: &str =
    r#"{"version":1,"services":{"s":{"command":["sleep","60"],"wantedBy":["multi-user.target"]}}}"#;

fn running(p: &Pid1) {
    wait_until("service running", || {
        let st = p.status();
        st.state == InitState::Running
            && st.services.iter().any(|s| s.state == ServiceState::Running)
    });
}

#[test]
fn is_pid_1_and_sigint_from_outside_means_reboot() {
    if !privileged() {
        return;
    }
    let mut p = Pid1::start(ONE_SERVICE);
    running(&p);
    assert_eq!(p.status().pid, 1);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(p.init_pid()),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    assert_eq!(p.wait_exit(), nest_init::protocol::EXIT_REBOOT);
}

#[test]
fn sigterm_from_outside_means_poweroff() {
    if !privileged() {
        return;
    }
    let mut p = Pid1::start(ONE_SERVICE);
    running(&p);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(p.init_pid()),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert_eq!(p.wait_exit(), 0);
}

#[test]
fn sigrtmin_plus_5_means_reboot() {
    if !privileged() {
        return;
    }
    let mut p = Pid1::start(ONE_SERVICE);
    running(&p);
    let st = Command::new("kill")
        .arg(format!("-{}", libc::SIGRTMIN() + 5))
        .arg(p.init_pid().to_string())
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(p.wait_exit(), nest_init::protocol::EXIT_REBOOT);
}

#[test]
fn a_signal_from_inside_the_namespace_reaches_pid_1() {
    if !privileged() {
        return;
    }
    // The kernel drops signals sent to a namespace's PID 1 from inside unless PID 1
    // handles them: `kill -TERM 1` from a service must still power off.
    let mut p = Pid1::start(
        r#"{"version":1,"services":{"halt":{"script":"while [ ! -e {{T}}/go ]; do sleep 0.01; done; kill -TERM 1; exec sleep 60","wantedBy":["multi-user.target"]}}}"#,
    );
    running(&p);
    std::fs::write(p.dir.path().join("go"), "").unwrap();
    assert_eq!(p.wait_exit(), 0);
}
