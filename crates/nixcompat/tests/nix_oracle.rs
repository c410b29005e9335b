//! Store paths computed by this crate against the ones Nix 2.8 computes:
//! checked-in expectations (`tests/cases.json`), a re-check of those against
//! `nix-instantiate`, and byte-for-byte `.drv` files from a real (temporary) store.
//!
//! `NEST_UPDATE_CASES=1 cargo test -p nest-nixcompat --test nix_oracle` rewrites
//! the expectations from `nix-instantiate` (review the diff).

mod oracle;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use nest_nixcompat::nar::{self, FsSource};
use nest_nixcompat::paths::{self, FileIngestionMethod, FixedOutputHash};
use nest_nixcompat::{hash, Derivation, HashAlgo, StoreDir};
use oracle::{load_cases, require_nix, run_nix_eval, Case, Computer, Thing};

#[test]
fn there_are_enough_cases() {
    let cases = load_cases();
    assert!(cases.len() >= 50, "only {} cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names must be unique");
    assert!(
        cases.iter().any(|c| c.store_dir != "/nix/store"),
        "some cases must use another store dir"
    );
    for c in &cases {
        assert!(
            !c.expected.is_empty(),
            "case {} has no expectation; run with NEST_UPDATE_CASES=1",
            c.name
        );
    }
}

#[test]
fn computed_paths_match_checked_in_nix_output() {
    let mut failures = Vec::new();
    for case in load_cases() {
        let mut comp = Computer::new(&case.store_dir);
        match comp.compute_case(&case.thing) {
            Ok(got) if got == case.expected => {}
            Ok(got) => failures.push(format!(
                "{}: expected {:?}, computed {:?}",
                case.name, case.expected, got
            )),
            Err(e) => failures.push(format!("{}: error {e}", case.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn checked_in_expectations_match_nix_instantiate() {
    if !require_nix("checked_in_expectations_match_nix_instantiate") {
        return;
    }
    let mut cases = load_cases();
    let update = std::env::var_os("NEST_UPDATE_CASES").is_some();
    let mut failures = Vec::new();
    for case in &mut cases {
        match run_nix_eval(case) {
            Ok(got) if update => case.expected = got,
            Ok(got) if got == case.expected => {}
            Ok(got) => failures.push(format!(
                "{}: checked in {:?}, nix says {:?}",
                case.name, case.expected, got
            )),
            Err(e) => failures.push(format!("{}: {e}", case.name)),
        }
    }
    if update && failures.is_empty() {
        let text = serde_json::to_string_pretty(&cases).expect("serialising cases");
        std::fs::write(oracle::cases_file(), text + "\n").expect("writing tests/cases.json");
    }
    assert!(
        failures.is_empty(),
        "{} differences from nix-instantiate:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Runs real `nix-instantiate` (not `--eval`) into a temporary store and
/// compares every `.drv` and `toFile` file it writes with ours, byte for byte.
fn compare_written_store(case: &Case) -> Result<usize, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let store = tmp.path().join("store");
    let expr = oracle::nix_expr(&case.thing);
    let out = Command::new("nix-instantiate")
        .env("NIX_STORE_DIR", &store)
        .env("NIX_STATE_DIR", tmp.path().join("var"))
        .env("NIX_LOG_DIR", tmp.path().join("log"))
        .args(["--expr", &expr])
        .output()
        .map_err(|e| format!("running nix-instantiate: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "nix-instantiate failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let dir = StoreDir::new(&store.to_string_lossy()).map_err(|e| e.to_string())?;
    let mut comp = Computer::new(dir.as_str());
    comp.compute_case(&case.thing)?;
    let mut written: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    for entry in std::fs::read_dir(&store).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            written.insert(name, entry.path());
        }
    }
    let mut ours: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (p, d) in &comp.produced.drvs {
        ours.insert(p.base_name().to_owned(), d.to_aterm(&dir).into_bytes());
    }
    for (p, t) in &comp.produced.texts {
        ours.insert(p.base_name().to_owned(), t.clone().into_bytes());
    }
    let mut expected_names: Vec<&str> = ours.keys().map(String::as_str).collect();
    expected_names.extend(comp.produced.sources.keys().map(|p| p.base_name()));
    expected_names.sort();
    let written_names: Vec<&str> = written.keys().map(String::as_str).collect();
    if written_names != expected_names {
        return Err(format!(
            "nix wrote {written_names:?}, we computed {expected_names:?}"
        ));
    }
    for (sp, method) in &comp.produced.sources {
        // What Nix copied in must hash to the path we computed from the fixture.
        let copy = &written[sp.base_name()];
        let again = match method {
            FileIngestionMethod::Recursive => {
                let (h, _) = nar::nar_hash(&mut FsSource::new(), copy, HashAlgo::Sha256)
                    .map_err(|e| e.to_string())?;
                paths::source_path(&dir, sp.name(), &h).map_err(|e| e.to_string())?
            }
            FileIngestionMethod::Flat => {
                let data = std::fs::read(copy).map_err(|e| e.to_string())?;
                let f = FixedOutputHash {
                    method: FileIngestionMethod::Flat,
                    hash: hash::sha256(&data),
                };
                paths::make_fixed_output_path(&dir, &f, sp.name(), &BTreeSet::new(), false)
                    .map_err(|e| e.to_string())?
            }
        };
        if &again != sp {
            return Err(format!(
                "{} in nix's store hashes to {}",
                sp.base_name(),
                again.base_name()
            ));
        }
    }
    for (name, ours_bytes) in &ours {
        let bytes = std::fs::read(&written[name]).map_err(|e| e.to_string())?;
        if *ours_bytes != bytes {
            return Err(format!(
                "{name} differs:\n nix: {}\n us:  {}",
                String::from_utf8_lossy(&bytes),
                String::from_utf8_lossy(ours_bytes)
            ));
        }
        if let Some(base) = name.strip_suffix(".drv") {
            // Our parser reads what Nix wrote back into the same derivation.
            let drv_name = &base[33..];
            let parsed =
                Derivation::parse(&dir, &bytes, drv_name).map_err(|e| format!("{name}: {e}"))?;
            if parsed.to_aterm(&dir).as_bytes() != bytes.as_slice() {
                return Err(format!("{name}: parse + print does not round-trip"));
            }
            if &parsed
                != comp
                    .produced
                    .drvs
                    .values()
                    .find(|d| d.to_aterm(&dir).as_bytes() == bytes.as_slice())
                    .ok_or("no drv")?
            {
                return Err(format!(
                    "{name}: parsed derivation differs from the computed one"
                ));
            }
        }
    }
    Ok(written.len())
}

#[test]
fn drv_files_written_by_nix_match_ours_byte_for_byte() {
    if !require_nix("drv_files_written_by_nix_match_ours_byte_for_byte") {
        return;
    }
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in load_cases()
        .iter()
        .filter(|c| matches!(c.thing, Thing::Derivation(_)))
    {
        match compare_written_store(case) {
            Ok(n) => compared += n,
            Err(e) => failures.push(format!("{}: {e}", case.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compared >= 20, "only {compared} files compared");
}
