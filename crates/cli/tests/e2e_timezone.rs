//! `time.timeZone` in a running container (root): `nest switch` boots one container
//! with a zone and one without, against a supervisor and a store in a temp dir; inside,
//! `date` tells the zone's time, /etc/localtime names the zone, a login shell's TZDIR
//! finds other zones, another zone is re-activated in place, and going back to no
//! zone removes /etc/localtime and /etc/zoneinfo but not the user's own files. The host's clock and
//! zone are only read.

use nest_supervisor::Paths;
use std::path::Path;
use std::process::{Command, Output, Stdio};
mod support;
use support::{privileged, unique, wait_for};

const NEST: &str = env!("CARGO_BIN_EXE_nest");

struct World {
    dir: tempfile::TempDir,
    names: Vec<String>,
}

impl World {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(NEST);
        c.args(args)
            .env_remove("NEST_NIX_DIR")
            .env_remove("TZ")
            .stdin(Stdio::null());
        for (k, v) in Paths::under(self.dir.path(), Path::new(NEST)).to_env() {
            c.env(k, v);
        }
        c
    }

    fn ok(&self, args: &[&str]) -> String {
        let o: Output = self.cmd(args).output().expect("run nest");
        assert!(
            o.status.success(),
            "nest {args:?} failed ({:?}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `CMD…` inside container `name`, its stdout trimmed.
    fn run_in(&self, name: &str, cmd: &[&str]) -> String {
        let mut args = vec!["container", "run", name, "--"];
        args.extend_from_slice(cmd);
        self.ok(&args).trim().to_string()
    }
}

/// Stops the containers the test started (by name, through the supervisor, which
/// signals the pid it started), even when the test fails.
impl Drop for World {
    fn drop(&mut self) {
        for n in &self.names {
            let _ = self
                .cmd(&["container", "terminate", n])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

#[test]
fn a_container_runs_in_its_time_zone() {
    if !privileged() {
        return;
    }
    let tokyo = unique("tz");
    let plain = unique("tz");
    let mut w = World {
        dir: tempfile::Builder::new()
            .prefix("nest-e2e-tz-")
            .tempdir()
            .expect("temp dir"),
        names: Vec::new(),
    };
    let host = w.dir.path().join("host.nix");
    std::fs::write(
        &host,
        format!(
            "{{ containers.{tokyo} = {{ autoStart = true; config.time.timeZone = \"Asia/Tokyo\"; }};
               containers.{plain} = {{ autoStart = true; config = {{ }}; }}; }}"
        ),
    )
    .expect("write host config");
    w.names = vec![tokyo.clone(), plain.clone()];
    w.ok(&["switch", "-f", host.to_str().expect("UTF-8 temp path")]);
    for n in [&tokyo, &plain] {
        wait_for(&format!("{n} to run commands"), || {
            w.cmd(&["container", "run", n, "--", "true"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
    }

    // Japan has no daylight saving time: always JST, nine hours ahead of UTC.
    assert_eq!(w.run_in(&tokyo, &["date", "+%Z %z"]), "JST +0900");
    assert_eq!(
        w.run_in(&tokyo, &["readlink", "/etc/localtime"]),
        "/etc/zoneinfo/Asia/Tokyo"
    );
    // The zone database is in the store, which is all the container sees of the host.
    let zoneinfo = w.run_in(&tokyo, &["readlink", "-f", "/etc/zoneinfo"]);
    let store = Paths::under(w.dir.path(), Path::new(NEST)).store;
    assert!(
        zoneinfo.starts_with(&format!("{}/", store.display())) && zoneinfo.ends_with("-zoneinfo"),
        "{zoneinfo}"
    );
    // A login shell's TZDIR finds any zone by name.
    let ny = w.run_in(
        &tokyo,
        &["sh", "-c", ". /etc/profile; TZ=America/New_York date +%Z"],
    );
    assert!(ny == "EST" || ny == "EDT", "{ny}");

    // Another zone is a re-activation in place: the container keeps running.
    let status = |n: &str| -> serde_json::Value {
        let p = Paths::under(w.dir.path(), Path::new(NEST))
            .state_dir(n)
            .join("status.json");
        std::fs::read_to_string(&p)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null)
    };
    let since = status(&tokyo)["sinceMs"].clone();
    assert!(since.is_number(), "{}", status(&tokyo));
    std::fs::write(
        &host,
        format!(
            "{{ containers.{tokyo} = {{ autoStart = true; config.time.timeZone = \"Europe/Berlin\"; }};
               containers.{plain} = {{ autoStart = true; config = {{ }}; }}; }}"
        ),
    )
    .expect("write host config");
    w.ok(&["switch", "-f", host.to_str().expect("UTF-8 temp path")]);
    assert_eq!(
        w.run_in(&tokyo, &["readlink", "/etc/localtime"]),
        "/etc/zoneinfo/Europe/Berlin"
    );
    let berlin = w.run_in(&tokyo, &["date", "+%Z"]);
    assert!(berlin == "CET" || berlin == "CEST", "{berlin}");
    assert_eq!(status(&tokyo)["sinceMs"], since, "PID 1 was restarted");

    // Without a zone: UTC, and no /etc/localtime.
    assert_eq!(w.run_in(&plain, &["date", "+%Z %z"]), "UTC +0000");
    let o = w
        .cmd(&[
            "container",
            "run",
            &plain,
            "--",
            "test",
            "-e",
            "/etc/localtime",
        ])
        .output()
        .expect("run nest");
    assert!(!o.status.success(), "{plain} has an /etc/localtime");

    // Back to no zone, in place: what the zone put in /etc goes, a file the user made
    // there stays.
    w.run_in(&tokyo, &["sh", "-c", "echo mine > /etc/keep-me"]);
    std::fs::write(
        &host,
        format!(
            "{{ containers.{tokyo} = {{ autoStart = true; config = {{ }}; }};
               containers.{plain} = {{ autoStart = true; config = {{ }}; }}; }}"
        ),
    )
    .expect("write host config");
    w.ok(&["switch", "-f", host.to_str().expect("UTF-8 temp path")]);
    assert_eq!(w.run_in(&tokyo, &["date", "+%Z %z"]), "UTC +0000");
    for gone in ["/etc/localtime", "/etc/zoneinfo"] {
        let o = w
            .cmd(&["container", "run", &tokyo, "--", "test", "-L", gone])
            .output()
            .expect("run nest");
        assert!(!o.status.success(), "{gone} is still in {tokyo}");
    }
    assert_eq!(w.run_in(&tokyo, &["cat", "/etc/keep-me"]), "mine");
    assert!(w
        .run_in(&tokyo, &["cat", "/etc/.nest-etc"])
        .lines()
        .all(|l| !l.ends_with(" localtime") && !l.ends_with(" zoneinfo")));
    assert_eq!(status(&tokyo)["sinceMs"], since, "PID 1 was restarted");
}
