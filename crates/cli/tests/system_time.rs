//! `time.timeZone` (nix/modules/system/time.nix, nix/pkgs/tzdata.nix) and the host
//! options both spellings of `containers` offer, evaluated through the fixtures in
//! `nix/tests/system/` with the built `nest eval` and, when installed, with
//! `nix-instantiate` (the oracle): both must agree.

mod support;

use serde_json::{json, Value};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../nix/tests/system")
        .join(name)
}

/// The store is a temp dir: nothing here should write to one, and if something did, it
/// would not be the machine's.
fn run(program: &str, pre: &[&str], file: &std::path::Path) -> Option<Result<Value, String>> {
    let store = tempfile::tempdir().expect("temp dir");
    support::eval_json(program, pre, file, Some(store.path()))
}

/// Both evaluators' results (nest first), the oracle's only when it is installed; under
/// CI it must be.
fn both(name: &str) -> Vec<(&'static str, Result<Value, String>)> {
    let file = fixture(name);
    let mut r = vec![(
        "nest",
        run(env!("CARGO_BIN_EXE_nest"), &["eval"], &file).expect("the nest binary exists"),
    )];
    match run("nix-instantiate", &["--eval"], &file) {
        Some(o) => r.push(("nix-instantiate", o)),
        None if std::env::var_os("CI").is_some() => {
            panic!("nix-instantiate is not installed, and CI is set")
        }
        None => {}
    }
    r
}

/// The fixture's value; both evaluators must give it.
fn eval(name: &str) -> Value {
    let mut results = both(name).into_iter();
    let (_, nest) = results.next().expect("nest's result");
    let nest = nest.unwrap_or_else(|e| panic!("{name}: nest eval failed: {e}"));
    for (who, r) in results {
        assert_eq!(
            r.as_ref().ok(),
            Some(&nest),
            "{name}: nest eval and {who} disagree ({r:?})"
        );
    }
    nest
}

#[test]
fn a_time_zone_gives_localtime_zoneinfo_and_tzdir_like_nixos() {
    let v = eval("time.nix");
    // /etc/localtime names the zone (a direct link into /etc/zoneinfo), /etc/zoneinfo
    // is the tz database from the store, login shells get TZDIR.
    assert_eq!(
        v["localtime"],
        json!({ "source": "/etc/zoneinfo/Asia/Tokyo", "mode": "direct-symlink" })
    );
    assert_eq!(v["zoneinfoMode"], "symlink");
    let profile = v["profile"].as_str().unwrap();
    assert!(
        profile.contains("export TZDIR=/etc/zoneinfo\n"),
        "{profile}"
    );
    // null (the default): nothing of it, as before.
    assert_eq!(v["noneEntries"], json!([]));
    assert!(!v["noneProfile"].as_str().unwrap().contains("TZDIR"));
}

#[test]
fn zone_names_are_the_ones_the_hosts_tz_database_defines() {
    let v = eval("time.nix");
    // Zones, links (UTC, Japan), names with `+`, three levels, Debian's posix/ and
    // right/ copies.
    assert_eq!(
        v["known"],
        json!([true, true, true, true, true, true, true])
    );
    // Unknown or differently cased names, directories, the database's tables and
    // scripts, Debian's `localtime` link to /etc/localtime, escapes, spaces, "".
    assert_eq!(
        v["unknown"],
        json!([false, false, false, false, false, false, false, false, false, false, false])
    );
}

#[test]
fn tzdata_is_named_after_the_hosts_database_version() {
    let v = eval("time.nix");
    let zi = std::fs::read_to_string("/usr/share/zoneinfo/tzdata.zi")
        .expect("the host's tzdata (scripts/install-deps.sh installs it)");
    let version = zi
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# version "))
        .expect("tzdata.zi starts with its version");
    assert_eq!(v["tzdataName"], format!("tzdata-{version}"));
}

#[test]
fn an_unknown_time_zone_fails_naming_the_option_and_the_zone() {
    for (who, r) in both("time-unknown.nix") {
        let err = r.expect_err(&format!("{who}: an unknown zone must fail"));
        assert!(
            err.contains("containers.c.config: time.timeZone: unknown time zone \"Mars/Olympus\""),
            "{who}: {err}"
        );
    }
}

#[test]
fn both_host_module_sets_offer_the_same_host_options_bridges_among_them() {
    let v = eval("host-options-both.nix");
    assert_eq!(v["nixos"]["options"], v["heterogeneous"]["options"]);
    let options = v["heterogeneous"]["options"].as_array().unwrap();
    for o in [
        "networking.bridges",
        "networking.interfaces",
        "nest.hostNetwork",
    ] {
        assert!(options.contains(&json!(o)), "{o} missing: {options:?}");
    }
    let expected =
        json!({ "bridges": { "br-both": { "addresses": ["10.231.99.1/24"], "interfaces": [] } } });
    assert_eq!(v["nixos"]["network"], expected);
    assert_eq!(v["heterogeneous"]["network"], expected);
}

#[test]
fn a_host_without_tzdata_is_told_what_to_install() {
    for (who, r) in both("time-no-tzdata.nix") {
        let err = r.expect_err(&format!("{who}: a missing database must fail"));
        assert!(
            err.contains("pkgs.tzdata: /nonexistent/zoneinfo does not exist on this host (Debian: apt-get install tzdata)"),
            "{who}: {err}"
        );
    }
}
