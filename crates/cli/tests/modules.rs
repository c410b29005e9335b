//! The module-system suite of `nix/tests` (cases.txt and lib.nix, run by
//! `nix/tests/run.sh`): under `nix-instantiate`, the oracle, every case passes; under
//! the built `nest`, exactly the cases listed in `nix/tests/notyetpassing.txt` fail.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn nix_tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../nix/tests")
}

/// What one run of the suite reported.
struct SuiteRun {
    failed: BTreeSet<String>,
    passed: usize,
    failed_count: usize,
    output: String,
}

fn run_suite(evaluator: &str) -> SuiteRun {
    let runner = nix_tests_dir().join("run.sh");
    let out = Command::new("bash")
        .arg(&runner)
        .arg("--evaluator")
        .arg(evaluator)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", runner.display()));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let failed: BTreeSet<String> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("FAIL: "))
        .map(str::to_owned)
        .collect();
    // The last line is the summary `N passed, M failed`; without it the runner
    // itself broke (usage error, missing tool), which must not look like a pass.
    let summary = stdout.lines().last().unwrap_or("");
    let counts: Vec<usize> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert!(
        summary.ends_with(" failed") && counts.len() == 2,
        "the runner did not finish (exit {:?}); stdout:\n{stdout}\nstderr:\n{stderr}",
        out.status.code()
    );
    assert_eq!(
        out.status.success(),
        counts[1] == 0,
        "runner exit status disagrees with its summary: {summary}"
    );
    SuiteRun {
        failed,
        passed: counts[0],
        failed_count: counts[1],
        output: format!("{stdout}\n{stderr}"),
    }
}

fn have_nix_instantiate() -> bool {
    Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn module_suite_passes_under_nix_instantiate() {
    if !have_nix_instantiate() {
        if std::env::var_os("CI").is_some() {
            panic!("nix-instantiate is required under CI to run the module-system suite");
        }
        eprintln!("skipping: nix-instantiate is not installed (and CI is unset)");
        return;
    }
    let run = run_suite("nix-instantiate");
    assert!(
        run.passed >= 250,
        "expected at least 250 cases, ran {}",
        run.passed
    );
    assert!(
        run.failed.is_empty() && run.failed_count == 0,
        "module-system cases failing under nix-instantiate:\n{}",
        run.output
    );
}

#[test]
fn module_suite_under_nest_fails_exactly_the_listed_cases() {
    let listed_path = nix_tests_dir().join("notyetpassing.txt");
    let listed_text = std::fs::read_to_string(&listed_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", listed_path.display()));
    let listed: BTreeSet<String> = listed_text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();

    let run = run_suite(env!("CARGO_BIN_EXE_nest"));
    assert_eq!(
        run.failed.len(),
        run.failed_count,
        "a failed case id is repeated"
    );

    let now_passing: Vec<&String> = listed.difference(&run.failed).collect();
    let newly_failing: Vec<&String> = run.failed.difference(&listed).collect();
    assert!(
        now_passing.is_empty(),
        "these cases now pass under nest: remove them from nix/tests/notyetpassing.txt:\n{}",
        now_passing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        newly_failing.is_empty(),
        "these cases fail under nest but are not in nix/tests/notyetpassing.txt:\n{}",
        newly_failing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
