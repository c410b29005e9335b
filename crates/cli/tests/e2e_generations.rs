//! Host and container generations through the real binary, against a supervisor and
//! a store in a temp dir: `nest switch --rollback`, `nest generations`, removing a
//! container, a bad config that touches nothing, the `path` route (`nest build
//! --profile` and `containers.<name>.path`), and `nest profile`. Switching for real
//! builds in the sandbox and starts containers, so those tests run as root.

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
    fn paths(&self) -> nest_supervisor::Paths {
        nest_supervisor::Paths::under(self.dir.path(), Path::new(env!("CARGO_BIN_EXE_nest")))
    }
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write file");
        p
    }
    fn nest(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_nest"));
        c.args(args)
            .current_dir(self.dir.path())
            .env_remove("NEST_NIX_DIR")
            .env_remove("NIX_PATH");
        for (k, v) in self.paths().to_env() {
            c.env(k, v);
        }
        c.output().expect("run nest")
    }
    /// Runs nest and insists on success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.nest(args);
        assert!(
            out.status.success(),
            "nest {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    fn switch(&self, host: &Path) -> String {
        self.ok(&["switch", "-f", host.to_str().expect("utf-8")])
    }
    fn generations(&self) -> Vec<Value> {
        let text = self.ok(&["generations", "--json"]);
        serde_json::from_str::<Value>(&text)
            .expect("JSON")
            .as_array()
            .expect("a list")
            .clone()
    }
    fn status_json(&self, name: &str) -> Value {
        let p = self.paths().state_dir(name).join("status.json");
        std::fs::read_to_string(&p)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null)
    }
    fn container_status(&self, name: &str) -> String {
        String::from_utf8_lossy(&self.nest(&["container", "status", name]).stdout)
            .trim()
            .to_string()
    }
    fn profile_target(&self, rel: &str) -> PathBuf {
        std::fs::canonicalize(self.paths().state.join("profiles").join(rel))
            .expect("profile resolves")
    }
}

/// Stops the containers a test started (through the supervisor, which stops the pid
/// it started), even when the test fails.
struct StopOnDrop<'a>(&'a Env, Vec<&'static str>);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        for n in &self.1 {
            let _ = self.0.nest(&["container", "stop", n]);
        }
    }
}

/// A host config with container `name` running services `a` (whose script says `a`)
/// and `b`. Each test has its own container name: tests run in parallel and a
/// container's cgroup is named after it.
fn host_with(name: &str, a: &str) -> String {
    format!(
        "{{ containers.{name} = {{ autoStart = true; config.systemd.services = {{ a = {{ script = \"echo {a}; exec sleep 1000\"; wantedBy = [ \"multi-user.target\" ]; }}; b = {{ script = \"exec sleep 1000\"; wantedBy = [ \"multi-user.target\" ]; }}; }}; }}; }}"
    )
}

fn plan_step(plan: &str, name: &str) -> Value {
    let v: Value = serde_json::from_str(plan).expect("JSON plan");
    v.as_array()
        .expect("a list")
        .iter()
        .find(|s| s["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} not in {plan}"))
}

#[test]
fn rollback_restores_the_previous_systems_in_place_and_a_removed_container_keeps_its_root() {
    if !privileged() {
        return;
    }
    let env = Env::new();
    let _guard = StopOnDrop(&env, vec!["genrb"]);
    let h = env.file("h.nix", &host_with("genrb", "one"));
    env.switch(&h);
    wait_for("services a and b", || {
        let s = env.status_json("genrb");
        service_pid(&s, "a").is_some() && service_pid(&s, "b").is_some()
    });
    let first = env.status_json("genrb");
    let sys1 = first["system"].as_str().expect("system").to_string();
    let since = first["sinceMs"].clone();
    let b_pid = service_pid(&first, "b");
    let marker = env.paths().root_dir("genrb").join("kept-marker");
    std::fs::write(&marker, "x").expect("write into the container's root");

    let h = env.file("h.nix", &host_with("genrb", "two"));
    env.switch(&h);
    let a2 = service_pid(&env.status_json("genrb"), "a");
    let sys2 = env.status_json("genrb")["system"]
        .as_str()
        .expect("system")
        .to_string();
    assert_ne!(sys1, sys2);
    let gens = env.generations();
    assert_eq!(gens.len(), 2, "{gens:?}");
    assert_eq!(gens[0]["containers"]["genrb"], sys1.as_str());
    assert_eq!(gens[1]["containers"]["genrb"], sys2.as_str());
    assert_eq!(gens[1]["current"], true);
    assert!(
        gens[1]["date"].as_str().is_some_and(|d| d.len() == 19),
        "{gens:?}"
    );
    assert_eq!(env.profile_target("containers/genrb"), PathBuf::from(&sys2));

    // A dry run of the rollback plans the re-activation and changes nothing.
    let plan = env.ok(&["switch", "--rollback", "--dry-run", "--json"]);
    let step = plan_step(&plan, "genrb");
    assert_eq!(step["action"], "reactivate");
    assert_eq!(step["system"], sys1.as_str());
    assert_eq!(env.status_json("genrb")["system"], sys2.as_str());
    assert_eq!(env.generations()[1]["current"], true);
    assert_eq!(env.profile_target("containers/genrb"), PathBuf::from(&sys2));

    let text = env.ok(&["switch", "--rollback"]);
    assert!(text.contains("reactivate genrb"), "{text}");
    wait_for("a restarted with the old system", || {
        let s = env.status_json("genrb");
        s["system"] == sys1.as_str() && service_pid(&s, "a").is_some_and(|p| Some(p) != a2)
    });
    let back = env.status_json("genrb");
    assert_eq!(
        back["sinceMs"], since,
        "re-activated in place: PID 1 was not restarted"
    );
    assert_eq!(
        service_pid(&back, "b"),
        b_pid,
        "the unchanged service kept running"
    );
    let gens = env.generations();
    assert_eq!(gens.len(), 2, "a rollback adds no host generation");
    assert_eq!(gens[0]["current"], true);
    assert_eq!(env.profile_target("containers/genrb"), PathBuf::from(&sys1));
    assert_eq!(
        env.profile_target("host"),
        PathBuf::from(gens[0]["path"].as_str().expect("path"))
    );

    // Removed: stopped, its root kept.
    let empty = env.file("empty.nix", "{ }");
    let text = env.switch(&empty);
    assert!(
        text.contains("stop       genrb  (removed from the host config)"),
        "{text}"
    );
    assert_eq!(env.container_status("genrb"), "down");
    assert!(marker.exists(), "the root of a removed container is kept");
    let gens = env.generations();
    assert_eq!(gens.len(), 3);
    assert_eq!(gens[2]["current"], true);
    assert_eq!(gens[2]["containers"], serde_json::json!({}));

    // Rolling back to generation 2 brings the container back with its system.
    let text = env.ok(&["switch", "--rollback"]);
    assert!(
        text.contains("start      genrb  (back in the host config)"),
        "{text}"
    );
    assert_eq!(env.container_status("genrb"), "up");
    wait_for("genrb booted system 2", || {
        env.status_json("genrb")["system"] == sys2.as_str()
    });
    assert!(marker.exists());
    assert_eq!(env.generations()[1]["current"], true);
}

/// What a failed switch must leave as it was: the running container (PID 1, system,
/// service `a`), the host generations, the container's profile and its configuration.
struct Untouched {
    name: &'static str,
    status: Value,
    generations: Vec<Value>,
    profile: PathBuf,
    config: Vec<u8>,
}

impl Untouched {
    /// Switches to `host_with(name, "one")`, waits for service `a`, and records.
    fn start(env: &Env, name: &'static str) -> Untouched {
        let h = env.file("h.nix", &host_with(name, "one"));
        env.switch(&h);
        wait_for("service a", || {
            service_pid(&env.status_json(name), "a").is_some()
        });
        Untouched {
            name,
            status: env.status_json(name),
            generations: env.generations(),
            profile: env.profile_target(&format!("containers/{name}")),
            config: std::fs::read(env.paths().config_file(name)).expect("config"),
        }
    }

    fn check(&self, env: &Env) {
        let name = self.name;
        assert_eq!(env.container_status(name), "up", "no container stopped");
        let after = env.status_json(name);
        assert_eq!(
            after["sinceMs"], self.status["sinceMs"],
            "PID 1 was not restarted"
        );
        assert_eq!(after["system"], self.status["system"]);
        assert_eq!(service_pid(&after, "a"), service_pid(&self.status, "a"));
        assert_eq!(
            env.generations(),
            self.generations,
            "no host generation recorded"
        );
        assert_eq!(
            env.profile_target(&format!("containers/{name}")),
            self.profile,
            "the container's profile is unchanged"
        );
        assert_eq!(
            std::fs::read(env.paths().config_file(name)).expect("config"),
            self.config
        );
    }
}

#[test]
fn a_type_error_fails_the_switch_before_anything_is_touched() {
    if !privileged() {
        return;
    }
    let env = Env::new();
    let _guard = StopOnDrop(&env, vec!["gente"]);
    let before = Untouched::start(&env, "gente");

    let bad = env.file(
        "bad.nix",
        &host_with("gente", "two").replace(
            "autoStart = true;",
            "autoStart = true; config.services.openssh = { enable = true; ports = [ \"ssh\" ]; };",
        ),
    );
    let out = env.nest(&["switch", "-f", bad.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("containers.gente.config.services.openssh.ports"),
        "{err}"
    );
    assert!(err.contains("bad.nix"), "{err}");
    assert!(out.stdout.is_empty(), "no plan printed");

    before.check(&env);
}

#[test]
fn the_path_route_boots_what_the_profile_points_to() {
    if !privileged() {
        return;
    }
    let env = Env::new();
    let _guard = StopOnDrop(&env, vec!["genpr"]);
    let system_file = |script: &str| {
        env.file(
            "pr.nix",
            &format!("import <nest/modules/eval-system.nix> {{ name = \"genpr\"; configuration = {{ systemd.services.s = {{ script = \"{script}\"; wantedBy = [ \"multi-user.target\" ]; }}; }}; }}"),
        )
    };
    let profile = env.paths().state.join("profiles/separate/genpr");
    let build = |f: &Path| {
        env.ok(&[
            "build",
            "-f",
            f.to_str().expect("utf-8"),
            "-A",
            "system",
            "--profile",
            profile.to_str().expect("utf-8"),
        ])
        .trim()
        .to_string()
    };
    let sys1 = build(&system_file("exec sleep 1000"));
    assert_eq!(
        std::fs::canonicalize(&profile).expect("profile"),
        PathBuf::from(&sys1)
    );
    assert!(
        !env.dir.path().join("result").exists(),
        "--profile replaces the result link"
    );
    let host = env.file(
        "host.nix",
        &format!(
            "{{ containers.genpr = {{ autoStart = true; path = \"{}\"; }}; }}",
            profile.display()
        ),
    );
    let text = env.switch(&host);
    assert!(text.contains("start      genpr  (new)"), "{text}");
    wait_for("s running", || {
        service_pid(&env.status_json("genpr"), "s").is_some()
    });
    let first = env.status_json("genpr");
    assert_eq!(first["system"], sys1.as_str());
    assert_eq!(env.profile_target("containers/genpr"), PathBuf::from(&sys1));

    // Nothing changed: the same profile target is no change.
    let plan = env.ok(&[
        "switch",
        "-f",
        host.to_str().expect("utf-8"),
        "--dry-run",
        "--json",
    ]);
    assert_eq!(plan_step(&plan, "genpr")["action"], "unchanged");

    // The profile now points elsewhere: that is a change, resolved at switch time.
    let sys2 = build(&system_file("exec sleep 2000"));
    assert_ne!(sys1, sys2);
    let plan = env.ok(&[
        "switch",
        "-f",
        host.to_str().expect("utf-8"),
        "--dry-run",
        "--json",
    ]);
    let step = plan_step(&plan, "genpr");
    assert_eq!(step["action"], "reactivate");
    assert_eq!(step["system"], sys2.as_str());
    env.switch(&host);
    wait_for("s restarted", || {
        let s = env.status_json("genpr");
        s["system"] == sys2.as_str()
            && service_pid(&s, "s").is_some_and(|p| Some(p) != service_pid(&first, "s"))
    });
    assert_eq!(env.status_json("genpr")["sinceMs"], first["sinceMs"]);
    assert_eq!(env.profile_target("containers/genpr"), PathBuf::from(&sys2));
    let gens = env.generations();
    assert_eq!(gens.len(), 2);
    assert_eq!(gens[1]["containers"]["genpr"], sys2.as_str());
}

#[test]
fn a_path_that_does_not_resolve_names_the_container() {
    let env = Env::new();
    let host = env.file(
        "host.nix",
        "{ containers.px.path = \"/nonexistent/profiles/px\"; }",
    );
    let out = env.nest(&["switch", "-f", host.to_str().expect("utf-8"), "--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("containers.px.path: '/nonexistent/profiles/px' does not resolve to a system"),
        "{err}"
    );
}

#[test]
fn rollback_without_generations_fails_and_switch_needs_a_file_or_rollback() {
    let env = Env::new();
    let out = env.nest(&["switch", "--rollback", "--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nothing to roll back to") && err.contains("does not exist"),
        "{err}"
    );
    assert_eq!(env.nest(&["switch"]).status.code(), Some(2), "usage error");
    let h = env.file("h.nix", "{ }");
    assert_eq!(
        env.nest(&["switch", "-f", h.to_str().expect("utf-8"), "--rollback"])
            .status
            .code(),
        Some(2),
        "-f and --rollback conflict"
    );
    assert_eq!(env.ok(&["generations", "--json"]).trim(), "[]");
    assert_eq!(env.ok(&["generations"]), "");
}

#[test]
fn nest_profile_lists_switches_rolls_back_and_deletes_old_generations() {
    let env = Env::new();
    let mut paths = Vec::new();
    for t in ["a", "b", "c"] {
        let f = env.file(t, t);
        paths.push(
            env.ok(&["store", "add", f.to_str().expect("utf-8")])
                .trim()
                .to_string(),
        );
    }
    for p in &paths {
        env.ok(&["profile", "switch", "test/p", p]);
    }
    let text = env.ok(&["profile", "list", "test/p"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[2].starts_with("   3   20")
            && lines[2].ends_with(&format!("{}   (current)", paths[2])),
        "{text}"
    );
    env.ok(&["profile", "rollback", "test/p"]);
    // `nest store profile` is the same command.
    let gens: Value =
        serde_json::from_str(&env.ok(&["store", "profile", "list", "--json", "test/p"]))
            .expect("JSON");
    assert_eq!(gens[1]["current"], true);
    env.ok(&["profile", "delete-generations", "test/p", "old"]);
    let gens: Value =
        serde_json::from_str(&env.ok(&["profile", "list", "--json", "test/p"])).expect("JSON");
    assert_eq!(gens.as_array().map(Vec::len), Some(1));
    assert_eq!(gens[0]["number"], 2);
    assert_eq!(gens[0]["path"], paths[1].as_str());
    let out = env.nest(&["profile", "delete-generations", "test/p", "old", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let out = env.nest(&["profile", "delete-generations", "test/p", "x"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("'x' is not a generation number or `old`")
    );
    // A profile given as a path.
    let abs = env.dir.path().join("elsewhere/p");
    env.ok(&["profile", "switch", abs.to_str().expect("utf-8"), &paths[0]]);
    assert_eq!(
        std::fs::canonicalize(&abs).expect("link"),
        PathBuf::from(&paths[0])
    );
}

#[test]
fn a_failed_build_fails_the_switch_before_anything_is_touched() {
    if !privileged() {
        return;
    }
    let env = Env::new();
    let _guard = StopOnDrop(&env, vec!["genfb"]);
    let before = Untouched::start(&env, "genfb");
    // A second definition of the container's config whose etc file fails to build.
    let bad = env.file(
        "bad.nix",
        &format!(
            "{{ imports = [ ({}) {{ containers.genfb.config = {{ pkgs, ... }}: {{ environment.etc.broken.source = pkgs.runCommand \"broken\" {{ }} \"echo no-output-marker >&2; exit 3\"; }}; }} ]; }}",
            host_with("genfb", "two")
        ),
    );
    let out = env.nest(&["switch", "-f", bad.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("building the container systems failed; nothing was changed"),
        "{err}"
    );
    assert!(
        err.contains("no-output-marker"),
        "the build log's tail is shown: {err}"
    );
    before.check(&env);
}

#[test]
fn generations_keep_their_systems_until_they_are_deleted() {
    if !privileged() {
        return;
    }
    let env = Env::new();
    let host = |a: &str| host_with("gengc", a).replace("autoStart = true;", "autoStart = false;");
    let h = env.file("h.nix", &host("one"));
    assert!(env.switch(&h).contains("create     gengc  (new)"));
    let h = env.file("h.nix", &host("two"));
    env.switch(&h);
    let gens = env.generations();
    let sys1 = gens[0]["containers"]["gengc"]
        .as_str()
        .expect("system 1")
        .to_string();
    let sys2 = gens[1]["containers"]["gengc"]
        .as_str()
        .expect("system 2")
        .to_string();
    assert_ne!(sys1, sys2);
    env.ok(&["store", "gc"]);
    assert!(
        Path::new(&sys1).exists(),
        "an old generation keeps its system"
    );
    assert!(Path::new(gens[0]["path"].as_str().expect("path")).exists());
    // The container's profile holds system 1 as well: both must go.
    env.ok(&["profile", "delete-generations", "host", "old"]);
    env.ok(&["store", "gc"]);
    assert!(
        Path::new(&sys1).exists(),
        "the container's profile still keeps it"
    );
    env.ok(&["profile", "delete-generations", "containers/gengc", "old"]);
    env.ok(&["store", "gc"]);
    assert!(
        !Path::new(&sys1).exists(),
        "no generation keeps it any more"
    );
    assert!(!Path::new(gens[0]["path"].as_str().expect("path")).exists());
    assert!(Path::new(&sys2).exists());
    assert_eq!(env.generations().len(), 1);
}

/// Without root: builders run unsandboxed (`--no-sandbox`) with the host's /bin/sh.
#[test]
fn build_profile_sets_a_profile_instead_of_a_result_link() {
    let env = Env::new();
    let f = env.file(
        "two.nix",
        r#"{ one = derivation { name = "one"; system = "x"; builder = "/bin/sh"; args = [ "-c" "echo 1 > $out" ]; };
             two = derivation { name = "two"; system = "x"; builder = "/bin/sh"; args = [ "-c" "echo 2 > $out" ]; }; }"#,
    );
    let f = f.to_str().expect("utf-8");
    let one = env
        .ok(&[
            "build",
            "--no-sandbox",
            "-f",
            f,
            "-A",
            "one",
            "--profile",
            "test/one",
        ])
        .trim()
        .to_string();
    assert!(one.ends_with("-one"), "{one}");
    assert_eq!(env.profile_target("test/one"), PathBuf::from(&one));
    assert!(!env.dir.path().join("result").exists());
    let two = env
        .ok(&[
            "build",
            "--no-sandbox",
            "-f",
            f,
            "-A",
            "two",
            "--profile",
            "test/one",
        ])
        .trim()
        .to_string();
    assert_eq!(env.profile_target("test/one"), PathBuf::from(&two));
    let gens: Value =
        serde_json::from_str(&env.ok(&["profile", "list", "--json", "test/one"])).expect("JSON");
    assert_eq!(gens.as_array().map(Vec::len), Some(2));
    // The whole set is two outputs: a profile points at one.
    let out = env.nest(&["build", "--no-sandbox", "-f", f, "--profile", "test/one"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--profile needs exactly one output to point at; the expression built 2"));
    assert_eq!(
        env.profile_target("test/one"),
        PathBuf::from(&two),
        "unchanged"
    );
}
