//! Restart policies with back-off, and per-service control requests.

mod init_support;
use init_support::*;
use nest_init::client::ClientError;
use nest_init::protocol::{Reply, Request, ServiceState};

fn times(text: &str) -> Vec<f64> {
    text.lines().filter_map(|l| l.trim().parse().ok()).collect()
}

#[test]
fn on_failure_restarts_with_growing_back_off() {
    let init = start(
        r#"{"version":1,"services":{
            "crashy":{"script":"date +%s.%N >> {{T}}/runs; exit 1","restart":"on-failure","restartSec":0.05,"restartMaxDelaySec":5,"wantedBy":["multi-user.target"]}
        }}"#,
        None,
        &[],
    );
    init.wait_for("four runs", || times(&init.read("runs")).len() >= 4);
    let t = times(&init.read("runs"));
    // Designed delays 0.05, 0.1, 0.2 s: each gap is at least its delay.
    for (i, min) in [0.05, 0.1, 0.2].iter().enumerate() {
        let gap = t[i + 1] - t[i];
        assert!(
            gap >= *min * 0.95,
            "gap {i} is {gap}, expected at least {min}: {t:?}"
        );
    }
    let s = init.service("crashy");
    assert!(s.restarts >= 3, "{s:?}");
    assert_eq!(s.last_exit.as_deref(), Some("exited 1"));
    assert!(
        init.log("init")
            .contains("service crashy: failed: exited 1; restarting in 0.100s"),
        "{}",
        init.log("init")
    );
}

#[test]
fn restart_no_leaves_it_failed_and_on_failure_ignores_clean_exits() {
    let init = start(
        r#"{"version":1,"services":{
            "once":{"script":"echo ran >> {{T}}/once; exit 2","wantedBy":["multi-user.target"]},
            "clean":{"script":"echo ran >> {{T}}/clean; exit 0","restart":"on-failure","restartSec":0.01,"wantedBy":["multi-user.target"]},
            "always":{"script":"echo ran >> {{T}}/always; exit 0","restart":"always","restartSec":0.01,"wantedBy":["multi-user.target"]}
        }}"#,
        None,
        &[],
    );
    let s = init.wait_state("once", ServiceState::Failed);
    assert_eq!((s.restarts, s.last_exit.as_deref()), (0, Some("exited 2")));
    let c = init.wait_state("clean", ServiceState::Inactive);
    assert_eq!(c.restarts, 0);
    init.wait_for("always to run three times", || {
        init.read("always").lines().count() >= 3
    });
    assert_eq!(init.read("once"), "ran\n");
    assert_eq!(init.read("clean"), "ran\n");
}

#[test]
fn killed_service_is_restarted_with_a_new_pid() {
    let init = start(
        r#"{"version":1,"services":{"s":{"command":["sleep","60"],"restart":"always","restartSec":0.01,"wantedBy":["multi-user.target"]}}}"#,
        None,
        &[],
    );
    let first = init.wait_state("s", ServiceState::Running).pid.unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(first),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    init.wait_for("a new pid", || {
        let s = init.service("s");
        s.state == ServiceState::Running && s.pid.is_some_and(|p| p != first)
    });
    let s = init.service("s");
    assert_eq!(s.restarts, 1);
    assert_eq!(s.last_exit.as_deref(), Some("killed by SIGKILL"));
}

#[test]
fn stop_start_and_restart_service_requests() {
    let init = start(
        r#"{"version":1,"services":{
            "db":{"command":["sleep","60"],"wantedBy":["multi-user.target"]},
            "web":{"command":["sleep","60"],"requires":["db"],"after":["db"],"wantedBy":["multi-user.target"]},
            "manual":{"command":["sleep","60"]}
        }}"#,
        None,
        &[],
    );
    init.wait_state("web", ServiceState::Running);
    let web1 = init.service("web").pid.unwrap();

    let r = init
        .request(Request::RestartService { name: "web".into() })
        .unwrap();
    assert_eq!(
        r,
        Reply::Accepted {
            services: vec!["web".into()]
        }
    );
    init.wait_for("web restarted", || {
        let s = init.service("web");
        s.state == ServiceState::Running && s.pid.is_some_and(|p| p != web1)
    });
    assert_eq!(
        init.service("web").restarts,
        0,
        "a requested restart is not counted"
    );

    // Stopping db stops web, which requires it.
    let r = init
        .request(Request::StopService { name: "db".into() })
        .unwrap();
    assert_eq!(
        r,
        Reply::Accepted {
            services: vec!["db".into(), "web".into()]
        }
    );
    init.wait_state("db", ServiceState::Inactive);
    init.wait_state("web", ServiceState::Inactive);

    // Starting web pulls db in again.
    let r = init
        .request(Request::StartService { name: "web".into() })
        .unwrap();
    assert_eq!(
        r,
        Reply::Accepted {
            services: vec!["db".into(), "web".into()]
        }
    );
    init.wait_state("db", ServiceState::Running);
    init.wait_state("web", ServiceState::Running);

    let r = init
        .request(Request::StartService {
            name: "manual".into(),
        })
        .unwrap();
    assert_eq!(
        r,
        Reply::Accepted {
            services: vec!["manual".into()]
        }
    );
    init.wait_state("manual", ServiceState::Running);

    match init.request(Request::StartService {
        name: "nope".into(),
    }) {
        Err(ClientError::Refused { message }) => {
            assert!(message.contains("no service named nope"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_requests_get_error_replies_and_init_stays_up() {
    use std::io::{BufRead, BufReader, Write};
    let init = start(r#"{"version":1,"services":{}}"#, None, &[]);
    for (line, needle) in [
        ("not json\n", "invalid request"),
        (
            "{\"v\":1,\"request\":{\"op\":\"format-disk\"}}\n",
            "invalid request",
        ),
        (
            "{\"v\":99,\"request\":{\"op\":\"status\"}}\n",
            "unsupported protocol version 99",
        ),
    ] {
        let mut s = std::os::unix::net::UnixStream::connect(init.socket()).unwrap();
        s.write_all(line.as_bytes()).unwrap();
        let mut reply = String::new();
        BufReader::new(s).read_line(&mut reply).unwrap();
        let v: serde_json::Value = serde_json::from_str(&reply).unwrap();
        assert_eq!(v["outcome"], "error", "{reply}");
        assert!(v["message"].as_str().unwrap().contains(needle), "{reply}");
    }
    // A client that connects and hangs up without a request does no harm either.
    drop(std::os::unix::net::UnixStream::connect(init.socket()).unwrap());
    assert_eq!(init.status().state, nest_init::protocol::InitState::Running);
}

#[test]
fn a_storm_of_requests_leaves_init_consistent() {
    // Deterministic pseudo-random mix of service requests and re-activations between
    // two systems; afterwards init must still answer, stop cleanly and leave nothing.
    let a = r#"{"version":1,"services":{
        "p":{"command":["sleep","60"],"wantedBy":["multi-user.target"]},
        "q":{"command":["sleep","60"],"after":["p"],"requires":["p"],"wantedBy":["multi-user.target"]},
        "r":{"type":"oneshot","remainAfterExit":true,"script":"sleep 0.01","after":["q"],"wantedBy":["multi-user.target"]},
        "flap":{"script":"sleep 0.02; exit 1","restart":"always","restartSec":0.01,"wantedBy":["multi-user.target"]}
    }}"#;
    let b = r#"{"version":1,"services":{
        "p":{"command":["sleep","61"],"wantedBy":["multi-user.target"]},
        "q":{"command":["sleep","60"],"after":["p"],"requires":["p"],"wantedBy":["multi-user.target"]},
        "s":{"command":["sleep","60"],"after":["q"],"wantedBy":["multi-user.target"]}
    }}"#;
    let mut init = start(a, None, &[]);
    let sys_a = init.t().join("sys-a");
    let sys_b = init.t().join("sys-b");
    write_system(&sys_a, a, Some("exit 0"));
    write_system(&sys_b, b, None);
    let names = ["p", "q", "r", "s", "flap"];
    let mut x: u64 = 0x2545F4914F6CDD1D;
    let (mut activated, mut accepted) = (0, 0);
    for _ in 0..80 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let name = names[(x % 5) as usize].to_string();
        let req = match (x >> 8) % 5 {
            0 => Request::StartService { name },
            1 => Request::StopService { name },
            2 => Request::RestartService { name },
            3 => Request::Activate {
                system: if (x >> 16) & 1 == 0 {
                    sys_a.clone()
                } else {
                    sys_b.clone()
                },
            },
            _ => Request::Status {},
        };
        match init.request(req) {
            Ok(Reply::Activated(_)) => activated += 1,
            Ok(Reply::Accepted { .. }) => accepted += 1,
            Ok(_) | Err(ClientError::Refused { .. }) => {}
            Err(e) => panic!("init stopped answering: {e}"),
        }
        if ((x >> 20) & 3) == 0 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    assert!(
        activated >= 5 && accepted >= 20,
        "{activated} activations, {accepted} accepted"
    );
    let pids: Vec<i32> = init
        .status()
        .services
        .iter()
        .filter_map(|s| s.pid)
        .collect();
    init.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(init.wait_exit().code(), Some(0));
    for p in pids {
        assert_eq!(proc_state(p), None, "pid {p} survived");
    }
}
