//! Realising derivations without the namespace sandbox (no root needed): order,
//! references, failures registering nothing, timeouts, concurrent builds of one
//! derivation. The sandbox itself is covered by crates/cli/tests/e2e_build.rs.

use nest_build::{BuildConfig, BuildError, Builder, Quiet, Sandbox};
use nest_glue::{EvalRequest, Input};
use nest_store::{Store, StoreConfig, StorePath};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

fn store() -> (tempfile::TempDir, Arc<Store>) {
    let t = tempfile::tempdir().expect("tempdir");
    let cfg = StoreConfig {
        store_dir: t.path().join("store"),
        state_dir: t.path().join("var"),
    };
    (t, Arc::new(Store::open(&cfg).expect("open")))
}

fn cfg() -> BuildConfig {
    BuildConfig {
        max_jobs: 2,
        sandbox: Sandbox::None,
        timeout: Duration::from_secs(60),
        log_tail: 5,
        sandbox_paths: vec![],
    }
}

/// Instantiates `expr` (a derivation or list of them) and returns (.drv, output) pairs.
fn instantiate(store: &Arc<Store>, expr: &str) -> Vec<(StorePath, BTreeSet<String>)> {
    let req = EvalRequest {
        input: Input::Expr(expr.into()),
        attr_path: String::new(),
        search_path: vec![],
        dry_run: false,
        show_trace: false,
        build: None,
    };
    let w = nest_glue::instantiate(store.clone(), req).expect("instantiate");
    w.into_iter()
        .map(|w| {
            (
                store.parse_path(&w.drv_path).expect("drv path"),
                [w.output].into(),
            )
        })
        .collect()
}

fn sh(name: &str, script: &str, extra: &str) -> String {
    format!("derivation {{ name = \"{name}\"; system = \"x86_64-linux\"; builder = \"/bin/sh\"; args = [ \"-c\" ''{script}'' ]; {extra} }}")
}

#[test]
fn builds_in_dependency_order_and_registers_references() {
    let (_t, s) = store();
    let a = sh("a", "echo A > $out", "");
    let b = sh(
        "b",
        "read x < $a; echo \"$x and $a\" > $out",
        &format!("a = {a};"),
    );
    let wanted = instantiate(&s, &b);
    let built = Builder::new(&s, cfg())
        .realise(&wanted, &Quiet)
        .expect("build");
    let out_b = s.parse_path(&built[0].outputs["out"]).expect("path");
    let text = std::fs::read_to_string(s.real_path(&out_b)).expect("read");
    assert!(text.starts_with("A and "), "{text}");
    let info = s.query(&out_b).expect("q").expect("b registered");
    assert_eq!(
        info.references.len(),
        1,
        "b refers to a: {:?}",
        info.references
    );
    let a_out = info.references.iter().next().expect("ref").clone();
    assert!(a_out.name() == "a");
    assert_eq!(info.deriver.as_ref(), Some(&wanted[0].0));
    // A second realisation builds nothing.
    struct Count(std::sync::Mutex<usize>);
    impl nest_build::Progress for Count {
        fn planned(&self, n: usize) {
            *self.0.lock().expect("lock") = n;
        }
    }
    let c = Count(std::sync::Mutex::new(99));
    Builder::new(&s, cfg()).realise(&wanted, &c).expect("again");
    assert_eq!(*c.0.lock().expect("lock"), 0);
}

#[test]
fn a_failing_build_registers_nothing_and_shows_the_log() {
    let (_t, s) = store();
    let bad = sh(
        "bad",
        "echo partial > $out; echo 'something went wrong' >&2; exit 3",
        "",
    );
    let wanted = instantiate(&s, &bad);
    let before = s.all_valid().expect("list");
    let e = Builder::new(&s, cfg())
        .realise(&wanted, &Quiet)
        .expect_err("must fail");
    let msg = e.to_string();
    assert!(
        msg.contains("something went wrong") && msg.contains("exit status: 3"),
        "{msg}"
    );
    assert_eq!(s.all_valid().expect("list"), before);
    let drv = nest_nixcompat::Derivation::parse(
        s.store_dir(),
        &std::fs::read(s.real_path(&wanted[0].0)).expect("drv"),
        "bad",
    )
    .expect("parse");
    let out = drv.outputs["out"].path().expect("path").clone();
    assert!(!s.real_path(&out).exists(), "partial output left behind");
    let log = s
        .state_dir()
        .join("log")
        .join(format!("{}.log", wanted[0].0.base_name()));
    assert!(std::fs::read_to_string(log)
        .expect("log")
        .contains("something went wrong"));
}

#[test]
fn a_dependent_of_a_failed_build_is_not_built() {
    let (_t, s) = store();
    let bad = sh("bad", "exit 1", "");
    let user = sh("user", "echo $bad > $out", &format!("bad = {bad};"));
    let wanted = instantiate(&s, &user);
    let before = s.all_valid().expect("list");
    assert!(Builder::new(&s, cfg()).realise(&wanted, &Quiet).is_err());
    assert_eq!(s.all_valid().expect("list"), before);
}

#[test]
fn a_missing_output_is_an_error() {
    let (_t, s) = store();
    let wanted = instantiate(&s, &sh("lazy", "true", ""));
    let e = Builder::new(&s, cfg())
        .realise(&wanted, &Quiet)
        .expect_err("must fail");
    assert!(matches!(e, BuildError::MissingOutput { .. }), "{e}");
}

#[test]
fn a_builder_past_its_timeout_is_killed_and_registers_nothing() {
    let (_t, s) = store();
    let wanted = instantiate(
        &s,
        &sh("slow", "echo started >&2; /bin/sleep 30; echo x > $out", ""),
    );
    let before = s.all_valid().expect("list");
    let c = BuildConfig {
        timeout: Duration::from_secs(1),
        ..cfg()
    };
    let e = Builder::new(&s, c)
        .realise(&wanted, &Quiet)
        .expect_err("must time out");
    assert!(matches!(e, BuildError::TimedOut { .. }), "{e}");
    assert_eq!(s.all_valid().expect("list"), before);
}

#[test]
fn builder_environment_is_nixs() {
    let (_t, s) = store();
    let wanted = instantiate(&s, &sh("env", "for v in HOME PATH NIX_STORE NIX_BUILD_TOP TMPDIR TERM NIX_LOG_FD custom; do eval echo $v=\\$$v; done > $out; /bin/cat $bigPath >> $out", "custom = \"yes\"; big = \"passed as file\"; passAsFile = [ \"big\" ];"));
    let built = Builder::new(&s, cfg())
        .realise(&wanted, &Quiet)
        .expect("build");
    let text = std::fs::read_to_string(&built[0].outputs["out"]).expect("read");
    assert!(text.contains("HOME=/homeless-shelter\n"), "{text}");
    assert!(text.contains("PATH=/path-not-set\n"), "{text}");
    assert!(
        text.contains(&format!("NIX_STORE={}\n", s.store_dir().as_str())),
        "{text}"
    );
    assert!(
        text.contains("TERM=xterm-256color\n")
            && text.contains("NIX_LOG_FD=2\n")
            && text.contains("custom=yes\n"),
        "{text}"
    );
    assert!(text.ends_with("passed as file"), "{text}");
}

#[test]
fn two_builds_of_the_same_derivation_at_once_build_it_once() {
    let (t, s) = store();
    let counter = t.path().join("runs");
    let wanted = instantiate(
        &s,
        &sh(
            "once",
            &format!(
                "echo run >> {}; /bin/sleep 1; echo x > $out",
                counter.display()
            ),
            "",
        ),
    );
    let mut hs = Vec::new();
    for _ in 0..3 {
        let (s, w) = (s.clone(), wanted.clone());
        hs.push(std::thread::spawn(move || {
            Builder::new(&s, cfg()).realise(&w, &Quiet).map(|_| ())
        }));
    }
    for h in hs {
        h.join().expect("join").expect("build");
    }
    assert_eq!(
        std::fs::read_to_string(&counter)
            .expect("counter")
            .lines()
            .count(),
        1
    );
}

#[test]
fn independent_derivations_all_build_with_parallel_jobs() {
    let (_t, s) = store();
    let list = format!(
        "[ ({}) ({}) ({}) ]",
        sh("p1", "echo 1 > $out", ""),
        sh("p2", "echo 2 > $out", ""),
        sh("p3", "echo 3 > $out", "")
    );
    let wanted = instantiate(&s, &list);
    let built = Builder::new(
        &s,
        BuildConfig {
            max_jobs: 3,
            ..cfg()
        },
    )
    .realise(&wanted, &Quiet)
    .expect("build");
    assert_eq!(built.len(), 3);
    for b in &built {
        assert!(s
            .is_valid(&s.parse_path(&b.outputs["out"]).expect("p"))
            .expect("valid"));
    }
    assert!(s.verify(true).expect("verify").ok());
}

/// Start and end times (ns since the epoch) a builder recorded in its output.
fn interval(s: &Store, out: &str) -> (u128, u128) {
    let p = s.parse_path(out).expect("path");
    let text = std::fs::read_to_string(s.real_path(&p)).expect("read");
    let mut it = text
        .split_whitespace()
        .map(|x| x.parse::<u128>().expect("number"));
    (it.next().expect("start"), it.next().expect("end"))
}

const TIMED: &str = "s=$(/bin/date +%s%N); /bin/sleep 0.5; e=$(/bin/date +%s%N); echo $s $e > $out";

#[test]
fn max_jobs_runs_independent_builds_at_once_and_dependents_after_them() {
    for jobs in [1, 3] {
        let (_t, s) = store();
        let (p1, p2, p3) = (
            sh("p1", TIMED, ""),
            sh("p2", TIMED, ""),
            sh("p3", TIMED, ""),
        );
        let user = sh("user", TIMED, &format!("a = {p1}; b = {p2}; c = {p3};"));
        let wanted = instantiate(&s, &format!("[ ({p1}) ({p2}) ({p3}) ({user}) ]"));
        let built = Builder::new(
            &s,
            BuildConfig {
                max_jobs: jobs,
                ..cfg()
            },
        )
        .realise(&wanted, &Quiet)
        .expect("build");
        let mut ivs: Vec<(u128, u128)> = built[..3]
            .iter()
            .map(|b| interval(&s, &b.outputs["out"]))
            .collect();
        let u = interval(&s, &built[3].outputs["out"]);
        let last_end = ivs.iter().map(|i| i.1).max().expect("max");
        assert!(
            u.0 >= last_end,
            "-j {jobs}: the dependent started before its inputs were done: {u:?} {ivs:?}"
        );
        ivs.sort();
        if jobs == 1 {
            assert!(
                ivs.windows(2).all(|w| w[1].0 >= w[0].1),
                "-j 1 ran builds at once: {ivs:?}"
            );
        } else {
            let first_end = ivs.iter().map(|i| i.1).min().expect("min");
            assert!(
                ivs[2].0 < first_end,
                "-j 3 did not run the three at once: {ivs:?}"
            );
        }
    }
}

#[test]
fn a_gc_between_planning_and_building_keeps_the_inputs_that_were_valid() {
    let t = tempfile::tempdir().expect("tempdir");
    let scfg = StoreConfig {
        store_dir: t.path().join("store"),
        state_dir: t.path().join("var"),
    };
    let dep = sh("dep", "echo dep-contents > $out", "");
    {
        // Built by an earlier process: nothing roots its output now.
        let s1 = Arc::new(Store::open(&scfg).expect("open"));
        Builder::new(&s1, cfg())
            .realise(&instantiate(&s1, &dep), &Quiet)
            .expect("dep");
    }
    let s = Arc::new(Store::open(&scfg).expect("open"));
    let wanted = instantiate(
        &s,
        &sh(
            "user",
            "read x < $dep || exit 1; echo \"got $x\" > $out",
            &format!("dep = {dep};"),
        ),
    );
    // A `gc` that runs after the plan was made and before the build starts.
    struct GcWhenPlanned<'a>(&'a Store, std::sync::Mutex<Vec<String>>);
    impl nest_build::Progress for GcWhenPlanned<'_> {
        fn planned(&self, _n: usize) {
            let r = self
                .0
                .gc(&nest_store::gc::GcOptions::default())
                .expect("gc");
            self.1.lock().expect("lock").extend(r.deleted);
        }
    }
    let hook = GcWhenPlanned(&s, std::sync::Mutex::new(Vec::new()));
    let built = Builder::new(&s, cfg())
        .realise(&wanted, &hook)
        .expect("the build must still find its input");
    let deleted = hook.1.lock().expect("lock").clone();
    assert!(
        !deleted.iter().any(|d| d.ends_with("-dep")),
        "gc deleted the input: {deleted:?}"
    );
    let out = s.parse_path(&built[0].outputs["out"]).expect("path");
    assert_eq!(
        std::fs::read_to_string(s.real_path(&out)).expect("read"),
        "got dep-contents\n"
    );
}
