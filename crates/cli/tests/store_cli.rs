//! `nest store …` and `nest build --no-sandbox` through the real binary, on temporary
//! stores. Where `nix-store` is installed, `nest store add` is compared with it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }
    fn nest(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_nest"))
            .args(args)
            .env("NEST_STORE_DIR", self.store())
            .env("NEST_STATE_DIR", self.dir.path().join("var"))
            .current_dir(self.dir.path())
            .output()
            .expect("running nest")
    }
    fn ok(&self, args: &[&str]) -> String {
        let o = self.nest(args);
        assert!(
            o.status.success(),
            "nest {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).expect("utf-8")
    }
    fn tree(&self) -> PathBuf {
        let src = self.dir.path().join("tree");
        std::fs::create_dir_all(src.join("sub")).expect("mkdir");
        std::fs::write(src.join("a"), "a\n").expect("write");
        std::fs::write(src.join("sub/b"), "b\n").expect("write");
        std::os::unix::fs::symlink("a", src.join("l")).expect("symlink");
        src
    }
}

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn store_add_gives_the_path_and_hash_nix_store_gives() {
    let e = Env::new();
    let src = e.tree();
    let ours = e
        .ok(&["store", "add", src.to_str().expect("utf-8")])
        .trim()
        .to_string();
    assert!(
        ours.starts_with(&format!("{}/", e.store().display())) && ours.ends_with("-tree"),
        "{ours}"
    );
    let info: serde_json::Value =
        serde_json::from_str(&e.ok(&["store", "path-info", "--json", &ours])).expect("json");
    let our_hash = info[0]["narHash"].as_str().expect("narHash").to_string();
    assert_eq!(info[0]["references"].as_array().map(Vec::len), Some(0));
    if !have("nix-store") {
        eprintln!("nix-store not installed: path computation is pinned by nest-nixcompat's checked-in cases");
        return;
    }
    // Nix into a second store at the same directory name.
    let n = tempfile::tempdir().expect("tempdir");
    let out = Command::new("nix-store")
        .env("NIX_STORE_DIR", e.store())
        .env("NIX_STATE_DIR", n.path().join("var"))
        .env("NIX_LOG_DIR", n.path().join("log"))
        .args(["--add", src.to_str().expect("utf-8")])
        .output()
        .expect("nix-store");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), ours);
    let h = Command::new("nix-store")
        .env("NIX_STORE_DIR", e.store())
        .env("NIX_STATE_DIR", n.path().join("var"))
        .args(["-q", "--hash", &ours])
        .output()
        .expect("nix-store -q");
    assert_eq!(String::from_utf8_lossy(&h.stdout).trim(), our_hash);
}

fn build_expr(e: &Env, expr: &str) -> Output {
    e.nest(&["build", "--no-sandbox", "--no-out-link", "-E", expr])
}

const CHAIN: &str = r#"let
  a = derivation { name = "a"; system = "x"; builder = "/bin/sh"; args = [ "-c" "echo A > $out" ]; };
  b = derivation { name = "b"; system = "x"; builder = "/bin/sh"; inherit a; args = [ "-c" "echo $a > $out" ]; };
in b"#;

#[test]
fn build_path_info_gc_and_verify() {
    let e = Env::new();
    let o = build_expr(&e, CHAIN);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let b = String::from_utf8(o.stdout)
        .expect("utf-8")
        .trim()
        .to_string();
    assert!(b.ends_with("-b"), "{b}");

    // path-info -r: b, a (outputs), with references and closure sizes.
    let info: serde_json::Value =
        serde_json::from_str(&e.ok(&["store", "path-info", "-r", "-S", "--json", &b]))
            .expect("json");
    let list = info.as_array().expect("array");
    assert_eq!(list.len(), 2, "{info}");
    let ib = list.iter().find(|i| i["path"] == b.as_str()).expect("b");
    assert_eq!(ib["references"].as_array().map(Vec::len), Some(1));
    assert!(ib["deriver"]
        .as_str()
        .is_some_and(|d| d.ends_with("-b.drv")));
    assert!(ib["closureSize"].as_u64() > ib["narSize"].as_u64());

    // Nothing roots the build (no out link): gc --dry-run lists it, gc deletes it.
    let dry = e.ok(&["store", "gc", "--dry-run"]);
    assert!(dry.lines().any(|l| l == b), "{dry}");
    assert!(Path::new(&b).exists());
    let kept = e.ok(&["store", "gc", "--root", &b]);
    assert!(!kept.lines().any(|l| l == b));
    assert!(Path::new(&b).exists());
    e.ok(&["store", "gc"]);
    assert!(!Path::new(&b).exists());
    assert!(!e.nest(&["store", "path-info", &b]).status.success());

    let v: serde_json::Value =
        serde_json::from_str(&e.ok(&["store", "verify", "--check-contents", "--json"]))
            .expect("json");
    assert_eq!(v["missing"].as_array().map(Vec::len), Some(0), "{v}");
}

#[test]
fn verify_fails_on_a_modified_path() {
    let e = Env::new();
    let src = e.tree();
    let p = e
        .ok(&["store", "add", src.to_str().expect("utf-8")])
        .trim()
        .to_string();
    assert!(e
        .nest(&["store", "verify", "--check-contents"])
        .status
        .success());
    use std::os::unix::fs::PermissionsExt;
    let f = Path::new(&p).join("a");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::write(&f, "changed\n").expect("write");
    let o = e.nest(&["store", "verify", "--check-contents"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("was modified"));
    // Without content checks the path still exists, so verify passes.
    assert!(e.nest(&["store", "verify"]).status.success());
}

#[test]
fn out_link_is_a_gc_root_and_profiles_switch_and_roll_back() {
    let e = Env::new();
    let o = e.nest(&["build", "--no-sandbox", "-o", "res", "-E", CHAIN]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let b = String::from_utf8(o.stdout)
        .expect("utf-8")
        .trim()
        .to_string();
    assert_eq!(
        std::fs::read_link(e.dir.path().join("res"))
            .expect("link")
            .to_str(),
        Some(b.as_str())
    );
    e.ok(&["store", "gc"]);
    assert!(Path::new(&b).exists(), "the result link keeps it");

    let src = e.tree();
    let t = e
        .ok(&["store", "add", src.to_str().expect("utf-8")])
        .trim()
        .to_string();
    e.ok(&["store", "profile", "switch", "containers/c1", &b]);
    e.ok(&["store", "profile", "switch", "containers/c1", &t]);
    let gens: serde_json::Value =
        serde_json::from_str(&e.ok(&["store", "profile", "list", "--json", "containers/c1"]))
            .expect("json");
    assert_eq!(gens.as_array().map(Vec::len), Some(2));
    assert_eq!(gens[1]["current"], true);
    e.ok(&["store", "profile", "rollback", "containers/c1"]);
    let link = e.dir.path().join("var/profiles/containers/c1");
    assert_eq!(
        std::fs::canonicalize(&link).expect("canon").to_str(),
        Some(b.as_str())
    );
    assert!(
        !e.nest(&[
            "store",
            "profile",
            "delete-generations",
            "containers/c1",
            "1"
        ])
        .status
        .success(),
        "current"
    );
    e.ok(&[
        "store",
        "profile",
        "delete-generations",
        "containers/c1",
        "2",
    ]);
    std::fs::remove_file(e.dir.path().join("res")).expect("rm");
    // Generation 2 (the tree) is gone: gc may now delete it; generation 1 (b) stays.
    e.ok(&["store", "gc"]);
    assert!(!Path::new(&t).exists());
    assert!(Path::new(&b).exists());
}

#[test]
fn a_failed_build_exits_1_with_the_log_tail_and_registers_nothing() {
    let e = Env::new();
    let o = build_expr(
        &e,
        r#"derivation { name = "f"; system = "x"; builder = "/bin/sh"; args = [ "-c" "echo half > $out; echo boom-marker >&2; exit 4" ]; }"#,
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("boom-marker") && err.contains("exit status: 4"),
        "{err}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&e.ok(&["store", "verify", "--json"])).expect("json");
    // Only the .drv is registered; no output.
    assert_eq!(v["checked"], 1, "{v}");
    assert_eq!(v["unregistered"].as_array().map(Vec::len), Some(0), "{v}");
}

#[test]
fn dry_run_instantiates_nothing() {
    let e = Env::new();
    let o = e.nest(&["build", "--dry-run", "-E", CHAIN]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let line = String::from_utf8(o.stdout).expect("utf-8");
    assert!(line.contains("-b.drv\tout\t"), "{line}");
    let v: serde_json::Value =
        serde_json::from_str(&e.ok(&["store", "verify", "--json"])).expect("json");
    assert_eq!(v["checked"], 0);
}

#[test]
fn bad_input_is_a_clear_error() {
    let e = Env::new();
    let o = e.nest(&["store", "path-info", "/not/in/the/store"]);
    assert_eq!(o.status.code(), Some(1));
    let o = e.nest(&["store", "add", "/does/not/exist"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/does/not/exist"));
    let o = e.nest(&["build", "--no-sandbox", "-E", "42"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not evaluate to a derivation"));
}

#[test]
fn import_from_derivation_builds_during_evaluation() {
    let e = Env::new();
    let expr = r#"let
      gen = derivation { name = "gen"; system = "x"; builder = "/bin/sh"; args = [ "-c" "echo '{ x = 42; }' > $out" ]; };
      v = import gen;
    in derivation { name = "user"; system = "x"; builder = "/bin/sh"; args = [ "-c" "echo ${toString v.x} > $out" ]; }"#;
    let o = build_expr(&e, expr);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout)
        .expect("utf-8")
        .trim()
        .to_string();
    assert_eq!(std::fs::read_to_string(&out).expect("read"), "42\n");
}

#[test]
fn a_failed_build_shows_exactly_the_last_25_log_lines() {
    let e = Env::new();
    let o = build_expr(
        &e,
        r#"derivation { name = "noisy"; system = "x"; builder = "/bin/sh"; args = [ "-c" "i=1; while [ $i -le 60 ]; do echo log-line-$i: >&2; i=$((i+1)); done; exit 2" ]; }"#,
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("last 25 log lines"), "{err}");
    for i in 36..=60 {
        assert!(
            err.contains(&format!("log-line-{i}:")),
            "line {i} missing: {err}"
        );
    }
    assert!(!err.contains("log-line-35:"), "more than the tail: {err}");
    // The whole log is kept.
    let logs: Vec<_> = std::fs::read_dir(e.dir.path().join("var/log"))
        .expect("log dir")
        .flatten()
        .collect();
    assert_eq!(logs.len(), 1);
    assert_eq!(
        std::fs::read_to_string(logs[0].path())
            .expect("log")
            .lines()
            .count(),
        60
    );
}

#[test]
fn progress_reports_each_build_as_it_finishes() {
    let e = Env::new();
    let o = e.nest(&[
        "build",
        "--no-sandbox",
        "--no-out-link",
        "-j",
        "2",
        "-E",
        CHAIN,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("2 derivations will be built"), "{err}");
    let done: Vec<&str> = err
        .lines()
        .filter(|l| l.contains(" done, ") && l.contains("built '"))
        .collect();
    assert_eq!(done.len(), 2, "{err}");
    assert!(
        done[0].starts_with("[1/2 done, 0 running]") && done[0].ends_with("-a.drv'"),
        "{err}"
    );
    assert!(
        done[1].starts_with("[2/2 done, 0 running]") && done[1].ends_with("-b.drv'"),
        "{err}"
    );
}

#[test]
fn gc_while_a_build_runs_keeps_its_inputs() {
    let e = Env::new();
    let dep = r#"derivation { name = "dep"; system = "x"; builder = "/bin/sh"; args = [ "-c" "echo dep-contents > $out" ]; }"#;
    let dep_out = String::from_utf8(build_expr(&e, dep).stdout)
        .expect("utf-8")
        .trim()
        .to_string();
    assert!(dep_out.ends_with("-dep"), "{dep_out}");
    // Nothing roots dep: a gc now would delete it. The user reads it after a while.
    let user = format!(
        r#"derivation {{ name = "user"; system = "x"; builder = "/bin/sh"; dep = {dep}; args = [ "-c" "/bin/sleep 4; read x < $dep || exit 1; echo got $x > $out" ]; }}"#
    );
    let child = Command::new(env!("CARGO_BIN_EXE_nest"))
        // The out link roots the result against the gc that follows the build.
        .args(["build", "--no-sandbox", "-o", "result", "-E", &user])
        .env("NEST_STORE_DIR", e.store())
        .env("NEST_STATE_DIR", e.dir.path().join("var"))
        .current_dir(e.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait until the builder runs (its log exists), then collect garbage.
    let log_dir = e.dir.path().join("var/log");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !std::fs::read_dir(&log_dir).is_ok_and(|rd| {
        rd.flatten()
            .any(|f| f.file_name().to_string_lossy().ends_with("-user.drv.log"))
    }) {
        assert!(
            std::time::Instant::now() < deadline,
            "the build did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut child = child;
    let gc = e.nest(&["store", "gc"]);
    // gc does not wait for the build (which holds no GC lock while its builder runs).
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "gc returned only after the build ended"
    );
    let built = child.wait_with_output().expect("wait");
    assert!(
        gc.status.success(),
        "{}",
        String::from_utf8_lossy(&gc.stderr)
    );
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let out = String::from_utf8(built.stdout)
        .expect("utf-8")
        .trim()
        .to_string();
    assert_eq!(
        std::fs::read_to_string(&out).expect("read"),
        "got dep-contents\n"
    );
}

#[test]
fn gc_keeps_the_systems_of_configured_containers() {
    let e = Env::new();
    let sys = e.dir.path().join("system");
    std::fs::create_dir_all(&sys).expect("mkdir");
    std::fs::write(sys.join("services.json"), "{}").expect("write");
    let p = e
        .ok(&["store", "add", sys.to_str().expect("utf-8")])
        .trim()
        .to_string();
    let with_sup = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_nest"))
            .args(args)
            .env("NEST_STORE_DIR", e.store())
            .env("NEST_STATE_DIR", e.dir.path().join("var"))
            .env("NEST_RUN_DIR", e.dir.path().join("run"))
            .env("NEST_ROOTS_DIR", e.dir.path().join("roots"))
            .env_remove("NEST_CONTAINERS_DIR")
            .output()
            .expect("nest")
    };
    let o = with_sup(&["container", "create", "c1", "--system-path", &p]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let roots = String::from_utf8(with_sup(&["store", "roots"]).stdout).expect("utf-8");
    assert!(roots.lines().any(|l| l == p), "{roots}");
    let o = with_sup(&["store", "gc"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(Path::new(&p).exists(), "gc deleted a container's system");
    // Without the container the system is garbage.
    let o = with_sup(&["container", "destroy", "c1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(with_sup(&["store", "gc"]).status.success());
    assert!(!Path::new(&p).exists());
}

#[test]
fn store_realise_builds_derivations_already_in_the_store() {
    let e = Env::new();
    let o = e.nest(&[
        "build",
        "--no-sandbox",
        "--no-out-link",
        "--json",
        "-E",
        CHAIN,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let (drv, out) = (
        j[0]["drvPath"].as_str().expect("drvPath").to_string(),
        j[0]["outputs"]["out"].as_str().expect("out").to_string(),
    );
    // Keep the derivations (the .drv closure), drop the outputs.
    e.ok(&["store", "gc", "--root", &drv]);
    assert!(!Path::new(&out).exists() && Path::new(&drv).exists());
    let o = e.nest(&["store", "realise", "--no-sandbox", "-j", "2", &drv]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), out);
    assert!(String::from_utf8_lossy(&o.stderr).contains("2 derivations will be built"));
    assert!(std::fs::read_to_string(&out)
        .expect("read")
        .ends_with("-a\n"));
    // Again: nothing to build.
    let o = e.nest(&["store", "realise", "--no-sandbox", &drv]);
    assert!(o.status.success() && !String::from_utf8_lossy(&o.stderr).contains("will be built"));
    // An output is not a derivation.
    let o = e.nest(&["store", "realise", "--no-sandbox", &out]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is not a derivation"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
