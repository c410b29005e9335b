//! `nest init --system`: boot (activation first, dependency order, oneshot, readiness),
//! status over the socket and in status.json, logs, reaping, orderly shutdown.

mod init_support;
use init_support::*;
use nest_init::protocol::{InitState, Request, ServiceState, EXIT_REBOOT};
use nix::sys::signal::Signal;

#[test]
fn activation_runs_first_then_services_in_dependency_order() {
    let mut init = start(
        r#"{"version":1,"services":{
            "c":{"script":"echo c >> {{T}}/order; exec sleep 60","after":["b"],"requires":["b"],"wantedBy":["multi-user.target"]},
            "b":{"type":"oneshot","script":"sleep 0.1; echo b >> {{T}}/order","after":["a.service"],"wantedBy":["multi-user.target"]},
            "a":{"type":"oneshot","script":"sleep 0.1; echo a >> {{T}}/order","wantedBy":["multi-user.target"]},
            "manual":{"script":"echo manual >> {{T}}/order; exec sleep 60"}
        }}"#,
        Some("sleep 0.1; echo activate >> {{T}}/order; echo activation-output"),
        &[],
    );
    init.wait_state("c", ServiceState::Running);
    init.wait_for("c to write", || init.read("order").lines().count() == 4);
    assert_eq!(init.read("order"), "activate\na\nb\nc\n");
    assert_eq!(init.service("manual").state, ServiceState::Inactive);
    assert_eq!(init.service("a").state, ServiceState::Inactive);
    assert_eq!(init.service("a").last_exit.as_deref(), Some("exited 0"));
    let st = init.status();
    assert_eq!(st.pid, init.pid() as u32);
    assert_eq!(st.system, init.sys);
    assert_eq!(st.state, InitState::Running);
    let act = st.activation.expect("activation result");
    assert!(act.ok, "{act:?}");
    assert!(
        init.log("init").contains("activation-output"),
        "{}",
        init.log("init")
    );
    init.signal(Signal::SIGTERM);
    assert_eq!(init.wait_exit().code(), Some(0));
}

#[test]
fn independent_services_start_concurrently() {
    // Two oneshots that each wait for the other's marker: only concurrent starts finish.
    let init = start(
        r#"{"version":1,"services":{
            "x":{"type":"oneshot","script":"touch {{T}}/x; while [ ! -e {{T}}/y ]; do sleep 0.01; done","wantedBy":["multi-user.target"],"remainAfterExit":true},
            "y":{"type":"oneshot","script":"touch {{T}}/y; while [ ! -e {{T}}/x ]; do sleep 0.01; done","wantedBy":["multi-user.target"],"remainAfterExit":true}
        }}"#,
        None,
        &[],
    );
    init.wait_state("x", ServiceState::Exited);
    init.wait_state("y", ServiceState::Exited);
}

#[test]
fn oneshot_remain_after_exit_and_failed_dependency() {
    let init = start(
        r#"{"version":1,"services":{
            "setup":{"type":"oneshot","remainAfterExit":true,"script":"echo done > {{T}}/setup","wantedBy":["multi-user.target"]},
            "broken":{"type":"oneshot","script":"exit 4","wantedBy":["multi-user.target"]},
            "needs-broken":{"script":"exec sleep 60","requires":["broken"],"after":["broken"],"wantedBy":["multi-user.target"]}
        }}"#,
        None,
        &[],
    );
    let s = init.wait_state("setup", ServiceState::Exited);
    assert_eq!(s.pid, None);
    assert_eq!(init.read("setup"), "done\n");
    let b = init.wait_state("broken", ServiceState::Failed);
    assert_eq!(b.last_exit.as_deref(), Some("exited 4"));
    let n = init.wait_state("needs-broken", ServiceState::Failed);
    assert_eq!(n.last_exit.as_deref(), Some("dependency broken failed"));
}

#[test]
fn sigterm_stops_services_in_reverse_order_and_exits_0() {
    let svc = |name: &str| {
        format!(
            r#"{{"script":"trap 'echo stop-{name} >> {{{{T}}}}/order; exit 0' TERM; touch {{{{T}}}}/up-{name}; while :; do sleep 0.02; done""#
        )
    };
    let json = format!(
        r#"{{"version":1,"services":{{
            "a":{},"wantedBy":["multi-user.target"]}},
            "b":{},"after":["a"],"wantedBy":["multi-user.target"]}},
            "c":{},"after":["b"],"wantedBy":["multi-user.target"]}}
        }}}}"#,
        svc("a"),
        svc("b"),
        svc("c")
    );
    let mut init = start(&json, None, &[]);
    for n in ["a", "b", "c"] {
        init.wait_state(n, ServiceState::Running);
        init.wait_for("trap installed", || {
            init.t().join(format!("up-{n}")).exists()
        });
    }
    let pids: Vec<i32> = ["a", "b", "c"]
        .iter()
        .map(|n| init.service(n).pid.unwrap())
        .collect();
    init.signal(Signal::SIGTERM);
    assert_eq!(init.wait_exit().code(), Some(0));
    assert_eq!(init.read("order"), "stop-c\nstop-b\nstop-a\n");
    for p in pids {
        assert_eq!(proc_state(p), None, "service pid {p} still exists");
    }
    assert!(!init.socket().exists(), "control socket left behind");
    let status: nest_init::protocol::InitStatus =
        serde_json::from_str(&std::fs::read_to_string(init.state.join("status.json")).unwrap())
            .unwrap();
    assert_eq!(status.state, InitState::Stopping);
    assert!(
        status
            .services
            .iter()
            .all(|s| s.state == ServiceState::Inactive),
        "{status:?}"
    );
}

#[test]
fn a_service_ignoring_its_stop_signal_is_killed_after_the_timeout() {
    let mut init = start(
        r#"{"version":1,"services":{
            "stubborn":{"script":"trap '' TERM; touch {{T}}/up; while :; do sleep 0.02; done","stopTimeoutSec":0.3,"wantedBy":["multi-user.target"]}
        }}"#,
        None,
        &[],
    );
    init.wait_for("trap", || init.t().join("up").exists());
    let pid = init.service("stubborn").pid.unwrap();
    let t0 = std::time::Instant::now();
    init.signal(Signal::SIGTERM);
    assert_eq!(init.wait_exit().code(), Some(0));
    assert!(t0.elapsed() >= std::time::Duration::from_millis(300));
    assert_eq!(proc_state(pid), None);
    assert!(
        init.log("init")
            .contains("service stubborn: stop timeout, sent SIGKILL"),
        "{}",
        init.log("init")
    );
}

#[test]
fn exec_stop_runs_before_the_stop_signal() {
    let mut init = start(
        r#"{"version":1,"services":{
            "s":{"script":"trap 'echo term >> {{T}}/log; exit 0' TERM; touch {{T}}/up; while :; do sleep 0.02; done",
                 "execStop":"echo exec-stop >> {{T}}/log","wantedBy":["multi-user.target"]}
        }}"#,
        None,
        &[],
    );
    init.wait_for("trap", || init.t().join("up").exists());
    init.signal(Signal::SIGTERM);
    assert_eq!(init.wait_exit().code(), Some(0));
    assert_eq!(init.read("log"), "exec-stop\nterm\n");
}

#[test]
fn reboot_request_exits_with_the_reboot_code() {
    let mut init = start(
        r#"{"version":1,"services":{"s":{"command":["sleep","60"],"wantedBy":["multi-user.target"]}}}"#,
        None,
        &[],
    );
    init.wait_state("s", ServiceState::Running);
    let reply = init.request(Request::Reboot {}).unwrap();
    assert_eq!(
        reply,
        nest_init::protocol::Reply::ShuttingDown {
            exit_code: EXIT_REBOOT
        }
    );
    assert_eq!(init.wait_exit().code(), Some(EXIT_REBOOT));
}

#[test]
fn sigint_when_not_pid1_is_a_poweroff() {
    let mut init = start(r#"{"version":1,"services":{}}"#, None, &[]);
    init.wait_for("running", || init.status().state == InitState::Running);
    init.signal(Signal::SIGINT);
    assert_eq!(init.wait_exit().code(), Some(0));
}

#[test]
fn orphaned_grandchildren_are_reaped() {
    // The service double-forks a process into its own session (so no group kill
    // reaches it) and exits: the orphan is re-parented to init, which must reap it.
    let init = start(
        r#"{"version":1,"services":{
            "forker":{"type":"oneshot","script":"setsid sh -c 'echo $$ > {{T}}/gc.tmp; mv {{T}}/gc.tmp {{T}}/gc.pid; sleep 0.3' < /dev/null > /dev/null 2>&1 & while [ ! -e {{T}}/gc.pid ]; do sleep 0.01; done","wantedBy":["multi-user.target"]}
        }}"#,
        None,
        &[],
    );
    init.wait_for("grandchild pid", || {
        init.read("gc.pid").trim().parse::<i32>().is_ok()
    });
    let gc: i32 = init.read("gc.pid").trim().parse().unwrap();
    init.wait_for("re-parenting to init", || {
        proc_ppid(gc).is_none_or(|pp| pp == init.pid())
    });
    init.wait_for("the orphan to be reaped", || proc_state(gc).is_none());
}

#[test]
fn readiness_by_ready_file_orders_dependents() {
    let init = start(
        r#"{"version":1,"services":{
            "slow":{"type":"notify","readyFile":"{{T}}/ready","script":"while [ ! -e {{T}}/go ]; do sleep 0.01; done; touch {{T}}/ready; exec sleep 60","wantedBy":["multi-user.target"]},
            "dep":{"script":"echo started > {{T}}/dep; exec sleep 60","after":["slow"],"wantedBy":["multi-user.target"]}
        }}"#,
        None,
        &[],
    );
    init.wait_state("slow", ServiceState::Starting);
    assert_eq!(init.service("dep").state, ServiceState::Waiting);
    assert!(!init.t().join("dep").exists());
    std::fs::write(init.t().join("go"), "").unwrap();
    init.wait_state("slow", ServiceState::Running);
    init.wait_state("dep", ServiceState::Running);
    init.wait_for("dep output", || init.read("dep") == "started\n");
}

#[test]
fn bad_services_json_at_boot_keeps_init_up_with_an_error() {
    let mut init = start(
        r#"{"version":1,"services":{"a":{"command":["x"],"colour":"red"}}}"#,
        None,
        &[],
    );
    let st = init.status();
    let err = st.error.expect("an error in status");
    assert!(
        err.contains("services.json") && err.contains("service `a`") && err.contains("colour"),
        "{err}"
    );
    assert!(st.services.is_empty());
    init.signal(Signal::SIGTERM);
    assert_eq!(init.wait_exit().code(), Some(0));
}

#[test]
fn a_cycle_at_boot_is_reported_by_name() {
    let init = start(
        r#"{"version":1,"services":{"a":{"command":["x"],"after":["b"]},"b":{"command":["x"],"after":["a"]}}}"#,
        None,
        &[],
    );
    let err = init.status().error.expect("an error");
    assert!(
        err.contains("ordering cycle between services: a -> b -> a"),
        "{err}"
    );
}

#[test]
fn failed_activation_is_reported_and_services_still_start() {
    let init = start(
        r#"{"version":1,"services":{"s":{"command":["sleep","60"],"wantedBy":["multi-user.target"]}}}"#,
        Some("echo oops >&2; exit 3"),
        &[],
    );
    init.wait_state("s", ServiceState::Running);
    let act = init.status().activation.unwrap();
    assert!(!act.ok);
    assert!(act.detail.contains("exited 3"), "{act:?}");
    assert!(init.log("init").contains("oops"));
}

#[test]
fn strict_activation_failure_exits_1_without_starting_services() {
    let mut init = start(
        r#"{"version":1,"services":{"s":{"script":"touch {{T}}/started; exec sleep 60","wantedBy":["multi-user.target"]}}}"#,
        Some("exit 3"),
        &["--strict-activation"],
    );
    assert_eq!(init.wait_exit().code(), Some(1));
    assert!(!init.t().join("started").exists());
}

#[test]
fn services_get_their_environment_directory_and_user() {
    let uid = nix::unistd::getuid().as_raw();
    let json = format!(
        r#"{{"version":1,"environment":{{"GLOBAL":"g"}},"services":{{
            "env":{{"type":"oneshot","script":"echo $GLOBAL $OWN $NEST_SERVICE $(pwd) $(id -u) > {{{{T}}}}/env","environment":{{"OWN":"o"}},
                   "workingDirectory":"{{{{T}}}}","user":"{uid}","wantedBy":["multi-user.target"]}},
            "nouser":{{"command":["sleep","60"],"user":"no-such-user-here","wantedBy":["multi-user.target"]}}
        }}}}"#
    );
    let init = start(&json, None, &[]);
    init.wait_for("env output", || !init.read("env").is_empty());
    let t = init.t().display().to_string();
    assert_eq!(init.read("env"), format!("g o env {t} {uid}\n"));
    let s = init.wait_state("nouser", ServiceState::Failed);
    assert!(s
        .last_exit
        .unwrap()
        .contains("user `no-such-user-here` not found"));
}

#[test]
fn status_json_is_written_and_matches_the_socket() {
    let init = start(
        r#"{"version":1,"services":{"s":{"command":["sleep","60"],"wantedBy":["multi-user.target"]}}}"#,
        None,
        &[],
    );
    let live = init.wait_state("s", ServiceState::Running);
    init.wait_for("status.json to show s running", || {
        std::fs::read_to_string(init.state.join("status.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<nest_init::protocol::InitStatus>(&t).ok())
            .is_some_and(|st| {
                st.services
                    .iter()
                    .any(|s| s.name == "s" && s.pid == live.pid)
            })
    });
    let text = std::fs::read_to_string(init.state.join("status.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["pid"], init.pid());
}

#[test]
fn status_during_boot_lists_services_before_they_start() {
    let init = start(
        r#"{"version":1,"services":{"s":{"script":"touch {{T}}/started; exec sleep 60","wantedBy":["multi-user.target"]}}}"#,
        Some("while [ ! -e {{T}}/go ]; do sleep 0.01; done"),
        &[],
    );
    let st = init.status();
    assert_eq!(st.state, InitState::Booting);
    assert_eq!(st.services.len(), 1);
    assert_eq!(st.services[0].state, ServiceState::Inactive);
    assert!(!init.t().join("started").exists());
    std::fs::write(init.t().join("go"), "").unwrap();
    init.wait_state("s", ServiceState::Running);
    assert_eq!(init.status().state, InitState::Running);
}

#[test]
fn pre_start_main_post_start_run_in_order_and_dependents_wait_for_post_start() {
    let init = start(
        r#"{"version":1,"services":{
            "s":{"preStart":"echo pre >> {{T}}/order","script":"echo main >> {{T}}/order; exec sleep 60",
                 "postStart":"while ! grep -q main {{T}}/order; do sleep 0.01; done; echo post >> {{T}}/order",
                 "wantedBy":["multi-user.target"]},
            "dep":{"type":"oneshot","script":"echo dep >> {{T}}/order","after":["s"],"wantedBy":["multi-user.target"]},
            "badpre":{"preStart":["sh","-c","exit 1"],"script":"touch {{T}}/badpre-main; exec sleep 60","wantedBy":["multi-user.target"]},
            "badpost":{"script":"exec sleep 60","postStart":"exit 5","wantedBy":["multi-user.target"]}
        }}"#,
        None,
        &[],
    );
    init.wait_state("s", ServiceState::Running);
    init.wait_for("dep", || init.read("order").lines().count() == 4);
    assert_eq!(init.read("order"), "pre\nmain\npost\ndep\n");
    let b = init.wait_state("badpre", ServiceState::Failed);
    assert_eq!(b.last_exit.as_deref(), Some("preStart exited 1"));
    assert!(!init.t().join("badpre-main").exists());
    let b = init.wait_state("badpost", ServiceState::Failed);
    assert_eq!(b.last_exit.as_deref(), Some("postStart exited 5"));
    assert_eq!(
        b.pid, None,
        "the main process of a failed postStart is stopped"
    );
}
