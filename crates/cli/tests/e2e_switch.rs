//! `nest switch` through the real binary, against a supervisor state in a temp dir:
//! the plan of `--dry-run` for new, unchanged, changed and removed containers, and
//! evaluation errors that stop a switch before anything is touched. The real switch (build, start, re-activate in place,
//! stop) runs as root.

use nest_supervisor::config::{self, ContainerConfig, Origin, RestartConfig, CONFIG_VERSION};
use nest_supervisor::Paths;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
mod support;
use support::{privileged, service_pid, wait_for};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }
    fn paths(&self) -> Paths {
        Paths::under(self.dir.path(), Path::new(env!("CARGO_BIN_EXE_nest")))
    }
    fn host(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write host config");
        p
    }
    fn nest(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_nest"));
        c.args(args).env_remove("NEST_NIX_DIR");
        for (k, v) in self.paths().to_env() {
            c.env(k, v);
        }
        c.output().expect("run nest")
    }
    fn plan(&self, host: &Path) -> Vec<Value> {
        let out = self.nest(&[
            "switch",
            "-f",
            host.to_str().unwrap(),
            "--dry-run",
            "--json",
        ]);
        assert!(
            out.status.success(),
            "switch --dry-run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout)
            .expect("JSON plan")
            .as_array()
            .expect("a list")
            .clone()
    }
    /// Records a container as the supervisor would after a switch.
    fn save(&self, name: &str, origin: Origin, system: &str, spec_extra: Value) {
        let mut spec = serde_json::json!({ "name": name, "init": system });
        if let (Value::Object(s), Value::Object(e)) = (&mut spec, spec_extra) {
            s.extend(e);
        }
        let cfg = ContainerConfig {
            version: CONFIG_VERSION,
            origin,
            auto_start: true,
            restart: serde_json::from_value::<RestartConfig>(serde_json::json!({}))
                .expect("default restart config"),
            stop_timeout_sec: 10.0,
            spec: serde_json::from_value(spec).expect("spec"),
        };
        config::save(&self.paths(), &cfg).expect("save config");
    }
}

const HOST: &str = r#"{
  containers.foo = { autoStart = true; config.services.openssh.enable = true; };
  containers.bar.config = { };
}"#;

fn step<'a>(plan: &'a [Value], name: &str) -> &'a Value {
    plan.iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in plan {plan:?}"))
}

#[test]
fn new_containers_start_or_are_created() {
    let env = Env::new();
    let host = env.host("host.nix", HOST);
    let plan = env.plan(&host);
    assert_eq!(plan.len(), 2, "{plan:?}");
    assert_eq!(step(&plan, "foo")["action"], "start");
    assert_eq!(step(&plan, "bar")["action"], "create");
    let store = env.paths().store.to_string_lossy().into_owned();
    let system = step(&plan, "foo")["system"].as_str().unwrap().to_string();
    assert!(
        system.starts_with(&format!("{store}/")) && system.ends_with("-nest-system"),
        "{system}"
    );
    // The dry run wrote nothing into the store.
    assert!(!Path::new(&system).exists());
}

/// A host name left at its default (the container's name) is not part of the system
/// (activation writes /etc/hostname and /etc/hosts from the running host name), so
/// identical containers share one system; an explicit host name makes its own.
#[test]
fn identical_containers_share_one_system() {
    let env = Env::new();
    let host = env.host(
        "same.nix",
        r#"{ lib, ... }: {
  containers = lib.genAttrs [ "s1" "s2" "s3" ] (_: { config.networking.hosts."10.0.0.1" = [ "gw" ]; })
    // { named.config = { networking.hosts."10.0.0.1" = [ "gw" ]; networking.hostName = "other"; }; };
}"#,
    );
    let plan = env.plan(&host);
    let system = |n: &str| step(&plan, n)["system"].as_str().unwrap().to_string();
    assert_eq!(system("s1"), system("s2"));
    assert_eq!(system("s1"), system("s3"));
    assert!(system("s1").ends_with("-nest-system"), "{}", system("s1"));
    assert!(
        system("named").ends_with("-nest-system-other"),
        "{}",
        system("named")
    );
}

#[test]
fn unchanged_changed_and_removed_containers() {
    let env = Env::new();
    let host = env.host("host.nix", HOST);
    let first = env.plan(&host);
    let foo_system = step(&first, "foo")["system"].as_str().unwrap().to_string();
    let bar_system = step(&first, "bar")["system"].as_str().unwrap().to_string();
    env.save(
        "foo",
        Origin::Declarative,
        &foo_system,
        serde_json::json!({}),
    );
    env.save(
        "bar",
        Origin::Declarative,
        "/nest/store/00000000000000000000000000000000-old-system",
        serde_json::json!({}),
    );
    env.save(
        "gone",
        Origin::Declarative,
        &bar_system,
        serde_json::json!({}),
    );
    env.save(
        "manual",
        Origin::Imperative,
        &bar_system,
        serde_json::json!({}),
    );
    let plan = env.plan(&host);
    assert_eq!(step(&plan, "foo")["action"], "unchanged");
    // Not running, so a changed system is only saved for the next start.
    assert_eq!(step(&plan, "bar")["action"], "update");
    // Removed while not running: nothing to stop, so no step (the switch that
    // removes it says so only when the last host generation had it).
    assert!(
        plan.iter().all(|s| s["name"] != "gone"),
        "a removed container that is not running gets no step: {plan:?}"
    );
    assert!(
        plan.iter().all(|s| s["name"] != "manual"),
        "imperative containers are not the switch's business: {plan:?}"
    );

    // The same system with a different network is a change too.
    env.save(
        "foo",
        Origin::Declarative,
        &foo_system,
        serde_json::json!({ "privateNetwork": true, "localAddress": "10.1.0.2" }),
    );
    assert_eq!(step(&env.plan(&host), "foo")["action"], "update");

    // A change in the container's system changes its store path.
    let host2 = env.host(
        "host2.nix",
        &HOST.replace(
            "openssh.enable = true;",
            "openssh.enable = true; config.services.openssh.ports = [ 2022 ];",
        ),
    );
    let plan2 = env.plan(&host2);
    assert_ne!(step(&plan2, "foo")["system"].as_str().unwrap(), foo_system);
}

#[test]
fn human_plan_names_each_container() {
    let env = Env::new();
    let host = env.host("host.nix", HOST);
    let out = env.nest(&["switch", "-f", host.to_str().unwrap(), "--dry-run"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("start      foo  (new)"), "{text}");
    assert!(text.contains("create     bar  (new)"), "{text}");
}

/// Stops the containers a test started (through the supervisor, which stops the
/// pid it started), even when the test fails.
struct StopOnDrop<'a>(&'a Env, Vec<&'static str>);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        for n in &self.1 {
            let _ = self.0.nest(&["container", "stop", n]);
        }
    }
}

/// init's status document, or null while init has not written it yet.
fn status_json(env: &Env, name: &str) -> Value {
    let p = env.paths().state_dir(name).join("status.json");
    std::fs::read_to_string(&p)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

/// Root only: a real switch starts the container, a changed service is restarted in
/// place (PID 1 and the unrelated service keep running), a removed container stops.
#[test]
fn switch_starts_reactivates_in_place_and_stops() {
    if !privileged() {
        return;
    }
    let env = Env::new();
    let _guard = StopOnDrop(&env, vec!["sw"]);
    let host = |a: &str| {
        format!(
            "{{ containers.sw = {{ autoStart = true; config.systemd.services = {{ a = {{ script = \"echo {a}; exec sleep 1000\"; wantedBy = [ \"multi-user.target\" ]; }}; b = {{ script = \"exec sleep 1000\"; wantedBy = [ \"multi-user.target\" ]; }}; }}; }}; }}"
        )
    };
    let h = env.host("h.nix", &host("one"));
    let out = env.nest(&["switch", "-f", h.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("start      sw  (new)"));
    wait_for("services a and b running", || {
        let s = status_json(&env, "sw");
        service_pid(&s, "a").is_some() && service_pid(&s, "b").is_some()
    });
    let before = status_json(&env, "sw");
    let init_since = before["sinceMs"].clone();
    let (a1, b1) = (
        service_pid(&before, "a").unwrap(),
        service_pid(&before, "b").unwrap(),
    );

    let h = env.host("h.nix", &host("two"));
    let out = env.nest(&["switch", "-f", h.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("reactivate sw"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    wait_for("a restarted", || {
        service_pid(&status_json(&env, "sw"), "a").is_some_and(|p| p != a1)
    });
    let after = status_json(&env, "sw");
    assert_eq!(after["sinceMs"], init_since, "PID 1 was not restarted");
    assert_eq!(
        service_pid(&after, "b"),
        Some(b1),
        "the unchanged service kept running"
    );
    assert!(after["system"].as_str().unwrap() != before["system"].as_str().unwrap());

    let h = env.host("h.nix", "{ }");
    let out = env.nest(&["switch", "-f", h.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("stop       sw  (removed from the host config)"));
    let st = env.nest(&["container", "status", "sw"]);
    assert_eq!(String::from_utf8_lossy(&st.stdout).trim(), "down");
    // Regression: a removed container that is stopped already got a `stop` step on
    // every later switch.
    let out = env.nest(&["switch", "-f", h.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("sw"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_type_error_stops_the_switch_and_names_option_and_file() {
    let env = Env::new();
    let host = env.host(
        "bad.nix",
        "{ containers.foo.config.services.openssh = { enable = true; ports = [ \"ssh\" ]; }; }",
    );
    env.save(
        "foo",
        Origin::Declarative,
        "/nest/store/00000000000000000000000000000000-old-system",
        serde_json::json!({}),
    );
    let out = env.nest(&["switch", "-f", host.to_str().unwrap(), "--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("A definition for option `containers.foo.config.services.openssh.ports."),
        "{err}"
    );
    assert!(err.contains("bad.nix"), "{err}");
    assert!(out.stdout.is_empty(), "no plan printed");
}

#[test]
fn a_failed_assertion_stops_the_switch() {
    let env = Env::new();
    let host = env.host(
        "host.nix",
        "{ containers.a = { forwardPorts = [ { hostPort = 80; } ]; }; }",
    );
    let out = env.nest(&["switch", "-f", host.to_str().unwrap(), "--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("containers.a: forwardPorts needs privateNetwork = true"));
}

#[test]
fn options_lists_host_and_system_options_with_the_seed_types() {
    let env = Env::new();
    let out = env.nest(&["options", "--json", "openssh"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ports = &v["containers.<name>.config.services.openssh.ports"];
    assert_eq!(
        ports["type"],
        "list of 16 bit unsigned integer; between 0 and 65535 (both inclusive)"
    );
    assert_eq!(
        ports["loc"],
        serde_json::json!([
            "containers",
            "<name>",
            "config",
            "services",
            "openssh",
            "ports"
        ])
    );
    assert!(ports["declarations"][0]
        .as_str()
        .unwrap()
        .ends_with("nix/modules/system/openssh.nix"));
    assert_eq!(ports["readOnly"], false);
    assert!(v
        .as_object()
        .unwrap()
        .keys()
        .all(|k| k.to_lowercase().contains("openssh")));
    let all = env.nest(&["options", "--json"]);
    let all: Value = serde_json::from_slice(&all.stdout).unwrap();
    assert_eq!(
        all["containers.<name>.config"]["type"], "system configuration",
        "nixosSubmodule's description"
    );
    assert_eq!(all["containers"]["type"], "attribute set of (submodule)");
    let human = env.nest(&["options", "autoStart"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("containers.<name>.autoStart\n    type: boolean\n    default: false\n"),
        "{text}"
    );
}

/// Root only (the build sandbox): the system the plan names is what `nest build`
/// makes of `system.build.toplevel`, and it holds what init reads.
#[test]
fn the_planned_system_is_the_built_toplevel() {
    if !privileged() {
        return;
    }
    let env = Env::new();
    let host = env.host("host.nix", HOST);
    let planned = step(&env.plan(&host), "foo")["system"]
        .as_str()
        .unwrap()
        .to_string();
    let expr = format!(
        "(import {}/../../nix/modules/eval-host.nix {{ configuration = {}; }}).config.containers.foo.config.system.build.toplevel",
        env!("CARGO_MANIFEST_DIR"),
        host.display()
    );
    let p = env.paths();
    let out = env.nest(&[
        "build",
        "--store",
        p.store.to_str().unwrap(),
        "--state-dir",
        p.state.to_str().unwrap(),
        "--no-out-link",
        "-E",
        &expr,
    ]);
    assert!(
        out.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), planned);
    let system = PathBuf::from(&planned);
    let services = nest_init::spec::Spec::load(&system.join("services.json"))
        .expect("init accepts services.json");
    assert!(services.services.contains_key("sshd"));
    let activate = std::fs::read_to_string(system.join("activate")).unwrap();
    assert!(
        activate.starts_with("#!")
            && activate.contains("# users\n")
            && activate.contains("# etc\n")
    );
    let sshd_config = std::fs::read_to_string(system.join("etc/ssh/sshd_config")).unwrap();
    assert!(sshd_config.starts_with("Port 22\n"), "{sshd_config}");
    let passwd = std::fs::read_to_string(system.join("users/passwd")).unwrap();
    assert!(
        passwd.contains("root:x:0:0::/root:/bin/sh\n") && passwd.contains("sshd:x:999:999:"),
        "{passwd}"
    );
    assert!(system.join("sw").exists());
}

/// Root only: containers start in parallel and one that fails to start does not stop
/// the others; the switch exits 1 and names every failed container at the end.
#[test]
fn a_failed_container_does_not_stop_the_others() {
    if !privileged() {
        return;
    }
    let env = Env::new();
    let _guard = StopOnDrop(&env, vec!["swf-ok1", "swf-bad", "swf-ok2"]);
    // The bind mount's source does not exist, so the runtime refuses to start it.
    let missing = env.dir.path().join("missing");
    let h = env.host(
        "h.nix",
        &format!(
            "{{ containers.swf-ok1 = {{ autoStart = true; config = {{ }}; }};
  containers.swf-bad = {{ autoStart = true; config = {{ }}; bindMounts.\"/data\".hostPath = \"{}\"; }};
  containers.swf-ok2 = {{ autoStart = true; config = {{ }}; }}; }}",
            missing.display()
        ),
    );
    let out = env.nest(&["switch", "-f", h.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: 1 of 3 containers failed: swf-bad"),
        "{err}"
    );
    assert!(
        err.contains("container 'swf-bad': start:") && err.contains("bind mount source"),
        "{err}"
    );
    for ok in ["swf-ok1", "swf-ok2"] {
        let st = env.nest(&["container", "status", ok]);
        assert_eq!(String::from_utf8_lossy(&st.stdout).trim(), "up", "{ok}");
    }
}
