//! The stand-alone `nest-init` binary (the production PID 1) accepts `nest init`'s flags.

use std::process::Command;
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nest-init"))
}

#[test]
fn exec_mode_returns_the_status() {
    let st = bin()
        .args(["--exec", "--", "sh", "-c", "exit 3"])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(3));
}

#[test]
fn bad_arguments_are_usage_errors() {
    let out = bin().args(["--bogus"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unexpected argument \"--bogus\""));
    let out = bin().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--system is required"));
}

#[test]
fn boots_a_system_and_stops_on_request() {
    let d = tempfile::tempdir().unwrap();
    let sys = d.path().join("sys");
    std::fs::create_dir_all(&sys).unwrap();
    std::fs::write(
        sys.join("services.json"),
        r#"{"version":1,"services":{"s":{"command":["sleep","60"],"wantedBy":["multi-user.target"]}}}"#,
    )
    .unwrap();
    let state = d.path().join("state");
    let mut child = bin()
        .arg("--quiet")
        .arg("--system")
        .arg(&sys)
        .arg("--state-dir")
        .arg(&state)
        .arg("--log-keep")
        .arg("1")
        .spawn()
        .unwrap();
    let sock = state.join("control.sock");
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let running = nest_init::client::request(&sock, nest_init::protocol::Request::Status {})
            .ok()
            .and_then(|r| match r {
                nest_init::protocol::Reply::Status(s) => Some(s),
                _ => None,
            })
            .is_some_and(|s| {
                s.services
                    .iter()
                    .any(|s| s.state == nest_init::protocol::ServiceState::Running)
            });
        if running {
            break;
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("service did not start");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    nest_init::client::request(&sock, nest_init::protocol::Request::Stop {}).unwrap();
    let end = Instant::now() + Duration::from_secs(20);
    let st = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("did not exit");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(st.code(), Some(0));
}
