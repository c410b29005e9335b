//! `nest init --exec -- CMD…`: exit status, signal forwarding, reaping.

mod init_support;
use init_support::*;
use std::process::Stdio;

#[test]
fn exits_with_the_commands_status() {
    let st = nest()
        .args(["init", "--exec", "--", "sh", "-c", "exit 7"])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(7));
    let st = nest()
        .args(["init", "--exec", "--", "sh", "-c", "kill -KILL $$"])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(128 + 9));
}

#[test]
fn a_missing_command_is_a_clear_error() {
    let out = nest()
        .args(["init", "--exec", "--", "/nonexistent/cmd"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot run /nonexistent/cmd"), "{err}");
}

#[test]
fn forwards_sigterm_to_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready");
    let script = format!(
        "trap 'exit 42' TERM; touch {}; while :; do sleep 0.02; done",
        ready.display()
    );
    let mut child = nest()
        .args(["init", "--exec", "--", "sh", "-c", &script])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("trap", || ready.exists());
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let end = std::time::Instant::now() + DEADLINE;
    let st = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if std::time::Instant::now() > end {
            let _ = child.kill();
            panic!("nest init --exec did not exit");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    assert_eq!(st.code(), Some(42));
}

#[test]
fn reaps_orphans_while_the_command_runs() {
    let dir = tempfile::tempdir().unwrap();
    let gc = dir.path().join("gc");
    let done = dir.path().join("done");
    // The subshell exits at once, orphaning its child, which init must reap when it exits.
    let script = format!(
        "(sh -c 'echo $$ > {gc}.tmp; mv {gc}.tmp {gc}; sleep 0.2' &); while [ ! -e {done} ]; do sleep 0.02; done",
        gc = gc.display(),
        done = done.display()
    );
    let mut child = nest()
        .args(["init", "--exec", "--", "sh", "-c", &script])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("grandchild pid", || {
        std::fs::read_to_string(&gc).is_ok_and(|s| s.trim().parse::<i32>().is_ok())
    });
    let pid: i32 = std::fs::read_to_string(&gc)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    wait_until("orphan reaped", || proc_state(pid).is_none());
    std::fs::write(&done, "").unwrap();
    let end = std::time::Instant::now() + DEADLINE;
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            assert_eq!(st.code(), Some(0));
            break;
        }
        if std::time::Instant::now() > end {
            let _ = child.kill();
            panic!("nest init --exec did not exit");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
