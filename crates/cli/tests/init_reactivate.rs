//! Re-activation in place (`activate` request): only changed services restart.

mod init_support;
use init_support::*;
use nest_init::client::ClientError;
use nest_init::protocol::{ActivationReport, Reply, Request, ServiceState};

const OLD: &str = r#"{"version":1,"services":{
    "keep":{"command":["sleep","60"],"wantedBy":["multi-user.target"]},
    "change":{"command":["sleep","60"],"environment":{"V":"1"},"wantedBy":["multi-user.target"]},
    "gone":{"command":["sleep","60"],"wantedBy":["multi-user.target"]},
    "lazy":{"command":["sleep","60"],"environment":{"V":"1"},"restartIfChanged":false,"wantedBy":["multi-user.target"]}
}}"#;

const NEW: &str = r#"{"version":1,"services":{
    "keep":{"command":["sleep","60"],"wantedBy":["multi-user.target"]},
    "change":{"command":["sleep","60"],"environment":{"V":"2"},"wantedBy":["multi-user.target"]},
    "new":{"command":["sleep","60"],"wantedBy":["multi-user.target"]},
    "lazy":{"command":["sleep","60"],"environment":{"V":"2"},"restartIfChanged":false,"wantedBy":["multi-user.target"]}
}}"#;

fn running_pid(init: &Init, name: &str) -> i32 {
    init.wait_state(name, ServiceState::Running).pid.unwrap()
}

#[test]
fn only_changed_services_restart() {
    let init = start(OLD, Some("echo old >> {{T}}/activations"), &[]);
    let keep = running_pid(&init, "keep");
    let change = running_pid(&init, "change");
    let gone = running_pid(&init, "gone");
    let lazy = running_pid(&init, "lazy");
    let sys2 = init.t().join("sys2");
    write_system(
        &sys2,
        NEW,
        Some(&format!("echo new >> {}/activations", init.t().display())),
    );

    let reply = init
        .request(Request::Activate {
            system: sys2.clone(),
        })
        .unwrap();
    assert_eq!(
        reply,
        Reply::Activated(ActivationReport {
            system: sys2.clone(),
            started: vec!["new".into()],
            stopped: vec!["gone".into()],
            restarted: vec!["change".into()],
            changed_not_restarted: vec!["lazy".into()],
            unchanged: vec!["keep".into()],
        })
    );
    assert_eq!(init.read("activations"), "old\nnew\n");
    init.wait_for("change to restart", || {
        let s = init.service("change");
        s.state == ServiceState::Running && s.pid.is_some_and(|p| p != change)
    });
    running_pid(&init, "new");
    assert_eq!(running_pid(&init, "keep"), keep);
    assert_eq!(running_pid(&init, "lazy"), lazy);
    init.wait_for("gone to be removed", || {
        init.status().services.iter().all(|s| s.name != "gone")
    });
    assert_eq!(proc_state(gone), None);
    let st = init.status();
    assert_eq!(st.system, sys2);
    assert_eq!(st.pid, init.pid() as u32, "PID 1 is not restarted");
    let env = std::fs::read_to_string(format!(
        "/proc/{}/environ",
        init.service("change").pid.unwrap()
    ))
    .unwrap();
    assert!(env.split('\0').any(|kv| kv == "V=2"), "{env:?}");
}

#[test]
fn a_bad_new_services_json_is_refused_and_the_old_system_stays() {
    let init = start(OLD, None, &[]);
    let keep = running_pid(&init, "keep");
    let sys2 = init.t().join("sys2");
    write_system(
        &sys2,
        r#"{"version":1,"services":{"x":{"command":["y"],"after":["x2"]},"x2":{"command":["y"],"after":["x"]}}}"#,
        Some("touch {{T}}/ran"),
    );
    match init.request(Request::Activate {
        system: sys2.clone(),
    }) {
        Err(ClientError::Refused { message }) => {
            assert!(message.contains("ordering cycle"), "{message}");
            assert!(
                message.contains("the running system is unchanged"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        !init.t().join("ran").exists(),
        "activate must not run for a bad services.json"
    );
    assert_eq!(init.status().system, init.sys);
    assert_eq!(running_pid(&init, "keep"), keep);
    match init.request(Request::Activate {
        system: init.t().join("missing"),
    }) {
        Err(ClientError::Refused { message }) => {
            assert!(message.contains("cannot read"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_failing_activate_is_an_error_and_services_stay() {
    let init = start(OLD, None, &[]);
    let change = running_pid(&init, "change");
    let sys2 = init.t().join("sys2");
    write_system(&sys2, NEW, Some("echo broken >&2; exit 9"));
    match init.request(Request::Activate {
        system: sys2.clone(),
    }) {
        Err(ClientError::Refused { message }) => {
            assert!(
                message.contains("exited 9") && message.contains("services left unchanged"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(running_pid(&init, "change"), change);
    assert!(init.status().services.iter().any(|s| s.name == "gone"));
    let act = init.status().activation.unwrap();
    assert!(!act.ok);
    assert_eq!(act.system, sys2);
    assert!(init.log("init").contains("broken"));
}

#[test]
fn reactivating_the_same_system_changes_nothing() {
    let init = start(OLD, None, &[]);
    let pids: Vec<i32> = ["keep", "change", "gone", "lazy"]
        .iter()
        .map(|n| running_pid(&init, n))
        .collect();
    let same = init.t().join("same");
    write_system(&same, OLD, None);
    match init.request(Request::Activate { system: same }).unwrap() {
        Reply::Activated(r) => {
            assert!(
                r.started.is_empty() && r.stopped.is_empty() && r.restarted.is_empty(),
                "{r:?}"
            );
            assert_eq!(r.unchanged.len(), 4);
        }
        other => panic!("{other:?}"),
    }
    let after: Vec<i32> = ["keep", "change", "gone", "lazy"]
        .iter()
        .map(|n| running_pid(&init, n))
        .collect();
    assert_eq!(pids, after);
}

#[test]
fn dependents_restart_after_their_changed_dependency() {
    let old = r#"{"version":1,"services":{
        "db":{"type":"oneshot","remainAfterExit":true,"script":"echo db-$V >> {{T}}/order","environment":{"V":"1"},"wantedBy":["multi-user.target"]},
        "app":{"type":"oneshot","remainAfterExit":true,"script":"echo app-$V >> {{T}}/order","environment":{"V":"1"},"after":["db"],"requires":["db"],"wantedBy":["multi-user.target"]}
    }}"#;
    let init = start(old, None, &[]);
    init.wait_state("app", ServiceState::Exited);
    let sys2 = init.t().join("sys2");
    write_system(
        &sys2,
        &old.replace("\"V\":\"1\"", "\"V\":\"2\"")
            .replace("{{T}}", &init.t().display().to_string()),
        None,
    );
    init.request(Request::Activate { system: sys2 }).unwrap();
    init.wait_for("both restarted", || init.read("order").lines().count() == 4);
    assert_eq!(init.read("order"), "db-1\napp-1\ndb-2\napp-2\n");
}

#[test]
fn init_answers_while_an_activation_runs_and_refuses_a_second_one() {
    let init = start(OLD, None, &[]);
    running_pid(&init, "keep");
    let sys2 = init.t().join("sys2");
    let go = init.t().join("go");
    write_system(
        &sys2,
        NEW,
        Some(&format!(
            "while [ ! -e {} ]; do sleep 0.01; done",
            go.display()
        )),
    );
    let sock = init.socket();
    let first = std::thread::spawn(move || {
        nest_init::client::request(&sock, Request::Activate { system: sys2 })
    });
    init.wait_for("the activation to be running", || {
        init.log("init").contains("activating ")
    });
    // Status still answers, and still shows the old system.
    assert_eq!(init.status().system, init.sys);
    match init.request(Request::Activate {
        system: init.t().join("sys2"),
    }) {
        Err(ClientError::Refused { message }) => {
            assert!(
                message.contains("another activation is in progress"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    std::fs::write(&go, "").unwrap();
    match first.join().unwrap().unwrap() {
        Reply::Activated(r) => assert_eq!(r.restarted, vec!["change".to_string()]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_non_executable_activate_is_an_error() {
    let init = start(OLD, None, &[]);
    running_pid(&init, "keep");
    let sys2 = init.t().join("sys2");
    write_system(&sys2, NEW, None);
    std::fs::write(sys2.join("activate"), "#!/bin/sh\nexit 0\n").unwrap(); // mode 0644
    match init.request(Request::Activate { system: sys2 }) {
        Err(ClientError::Refused { message }) => {
            assert!(
                message.contains("cannot run") && message.contains("activate"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(init.status().system, init.sys);
    assert!(init.status().services.iter().any(|s| s.name == "gone"));
}

#[test]
fn many_concurrent_clients_all_get_answers() {
    let init = start(OLD, None, &[]);
    running_pid(&init, "keep");
    let handles: Vec<_> = (0..32)
        .map(|_| {
            let sock = init.socket();
            std::thread::spawn(move || {
                (0..5).try_for_each(|_| {
                    nest_init::client::request(&sock, Request::Status {})
                        .map(drop)
                        .map_err(|e| format!("{e:?}"))
                })
            })
        })
        .collect();
    for h in handles {
        if let Err(e) = h.join().unwrap() {
            panic!("a client got no answer: {e}");
        }
    }
}

/// More clients at once than init keeps connections (64): each is answered in turn.
/// The requests of all 80 are written before any reply is read; each reply is then
/// read and its connection closed, which lets the next waiting client in. (Init used
/// to accept the connections over its limit and close them unanswered.)
#[test]
fn clients_over_the_connection_limit_wait_and_are_answered() {
    use nest_init::protocol::{RequestLine, PROTOCOL_VERSION};
    use std::io::{BufRead, BufReader, Write};
    let init = start(OLD, None, &[]);
    running_pid(&init, "keep");
    let line = serde_json::to_string(&RequestLine {
        v: PROTOCOL_VERSION,
        request: Request::Status {},
    })
    .unwrap()
        + "\n";
    let mut conns = Vec::new();
    for _ in 0..80 {
        let mut s = std::os::unix::net::UnixStream::connect(init.socket()).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .unwrap();
        s.write_all(line.as_bytes()).unwrap();
        conns.push(s);
    }
    for (i, s) in conns.into_iter().enumerate() {
        let mut reply = String::new();
        BufReader::new(&s).read_line(&mut reply).unwrap();
        assert!(
            reply.contains("\"status\""),
            "client {i} got {reply:?} instead of its status"
        );
    }
}
