//! Per-service logs under `<state-dir>/logs/` with size-bounded rotation.

mod init_support;
use init_support::*;
use nest_init::protocol::ServiceState;

#[test]
fn service_output_goes_to_its_own_rotated_log() {
    let init = start(
        r#"{"version":1,"services":{
            "chatty":{"type":"oneshot","remainAfterExit":true,"script":"i=0; while [ $i -lt 500 ]; do echo \"line $i of chatty output\"; i=$((i+1)); done; echo to-stderr >&2","wantedBy":["multi-user.target"]},
            "quiet":{"type":"oneshot","script":"echo only-me","wantedBy":["multi-user.target"]}
        }}"#,
        None,
        &["--log-max-bytes", "2048", "--log-keep", "2"],
    );
    init.wait_state("chatty", ServiceState::Exited);
    let logs = init.state.join("logs");
    init.wait_for("the stderr line", || {
        init.log("chatty").contains("to-stderr")
    });
    let current = init.log("chatty");
    assert!(current.len() <= 2048, "{}", current.len());
    assert!(
        current.contains("line 499 of chatty output\nto-stderr\n"),
        "{current}"
    );
    for n in [1, 2] {
        let p = logs.join(format!("chatty.log.{n}"));
        let len = std::fs::metadata(&p).unwrap().len();
        assert!(len > 0 && len <= 2048, "{}: {len}", p.display());
    }
    assert!(!logs.join("chatty.log.3").exists());
    // Lines are kept whole across rotation.
    let older = std::fs::read_to_string(logs.join("chatty.log.1")).unwrap();
    assert!(
        older.ends_with(" of chatty output\n") && older.starts_with("line "),
        "{older}"
    );
    init.wait_for("quiet's log", || init.log("quiet") == "only-me\n");
    assert!(!init.log("quiet").contains("chatty"));
    assert!(init.log("init").contains("service chatty: starting"));
}
