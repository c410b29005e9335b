//! Privileged end-to-end builds through the real binary, in the namespace sandbox, with
//! nix/pkgs (busybox from the host, trivial builders). They need root. Without root they
//! skip, unless `CI` is set: then they fail. Each test uses its own temp store; the
//! sandbox's mounts live in namespaces that die with the build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
mod support;
use support::privileged;

fn pkgs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../nix/pkgs")
        .canonicalize()
        .expect("nix/pkgs")
}

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
    /// Builds `body` (an expression over `p`, the package set); returns the output
    /// paths or the error text.
    fn build(&self, body: &str) -> Result<Vec<String>, String> {
        let expr = format!("let p = import {} {{}}; in {body}", pkgs().display());
        let o = self.nest(&[
            "build",
            "--no-out-link",
            "-j",
            "2",
            "--timeout",
            "120",
            "-E",
            &expr,
        ]);
        if o.status.success() {
            Ok(String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_owned)
                .collect())
        } else {
            Err(String::from_utf8_lossy(&o.stderr).into_owned())
        }
    }
    fn valid_count(&self) -> usize {
        let o = self.nest(&["store", "verify", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("verify json");
        v["checked"].as_u64().expect("checked") as usize
    }
}

#[test]
fn write_text_and_scripts_build_and_run() {
    if !privileged() {
        return;
    }
    let e = Env::new();
    let out = e
        .build(r#"[ (p.writeText "note" "hello\nworld\n") (p.writeShellScriptBin "greet" "echo hi $1") ]"#)
        .expect("build");
    let note = out.iter().find(|p| p.ends_with("-note")).expect("note");
    assert_eq!(
        std::fs::read_to_string(note).expect("read"),
        "hello\nworld\n"
    );
    let greet = out.iter().find(|p| p.ends_with("-greet")).expect("greet");
    let o = Command::new(format!("{greet}/bin/greet"))
        .arg("there")
        .output()
        .expect("run greet");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "hi there\n");
    // The script refers to busybox (its shebang): registered as a reference.
    let info = e.nest(&["store", "path-info", "--json", greet]);
    let v: serde_json::Value = serde_json::from_slice(&info.stdout).expect("json");
    let refs = v[0]["references"].as_array().expect("refs");
    assert!(
        refs.iter()
            .any(|r| r.as_str().is_some_and(|r| r.ends_with("-busybox"))),
        "{v}"
    );
    let verify = e.nest(&["store", "verify", "--check-contents"]);
    assert!(verify.status.success());
}

#[test]
fn the_sandbox_shows_only_the_input_closure_and_no_network() {
    if !privileged() {
        return;
    }
    let e = Env::new();
    // A host listener on loopback that the builder tries to reach.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let out = e
        .build(&format!(
            r#"let dep = p.writeText "dep" "dep contents"; in p.runCommand "probe" {{ inherit dep; }} ''
              mkdir $out
              ls $NIX_STORE > $out/store
              cat /proc/net/dev > $out/net
              if busybox --list | grep -qx nc; then echo yes > $out/has-nc; fi
              if nc -w 2 127.0.0.1 {port} </dev/null; then echo reached > $out/tcp; else echo unreachable > $out/tcp; fi
              if echo x > $dep 2>/dev/null; then echo writable > $out/dep; else echo read-only > $out/dep; fi
              grep CapBnd /proc/self/status > $out/caps
              hostname > $out/hostname
              echo $HOME $TMPDIR $NIX_BUILD_TOP > $out/env
              ls / > $out/root
            ''"#
        ))
        .expect("build");
    let o = PathBuf::from(&out[0]);
    let read = |f: &str| std::fs::read_to_string(o.join(f)).expect(f);
    // Only the closure: the dep, busybox, the builder script, the output itself.
    let mut store: Vec<String> = read("store")
        .lines()
        .map(|l| {
            l.split_once('-')
                .map(|x| x.1.to_string())
                .unwrap_or_default()
        })
        .collect();
    store.sort();
    assert_eq!(
        store,
        vec!["builder.sh", "busybox", "dep", "probe"],
        "{}",
        read("store")
    );
    let net = read("net");
    let ifaces: Vec<&str> = net
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .collect();
    assert_eq!(ifaces, vec!["lo"], "{net}");
    assert_eq!(read("has-nc").trim(), "yes", "the probe needs busybox nc");
    assert_eq!(read("tcp").trim(), "unreachable");
    assert!(
        matches!(listener.accept(), Err(ref err) if err.kind() == std::io::ErrorKind::WouldBlock),
        "the host listener was reached"
    );
    assert_eq!(read("dep").trim(), "read-only");
    let caps = u64::from_str_radix(read("caps").trim().trim_start_matches("CapBnd:").trim(), 16)
        .expect("caps");
    assert_eq!(
        caps & (1 << 21),
        0,
        "CAP_SYS_ADMIN in the bounding set: {caps:x}"
    );
    assert_eq!(read("hostname").trim(), "localhost");
    assert_eq!(read("env").trim(), "/homeless-shelter /build /build");
    // `/` holds only the sandbox's own directories (the store dir lives under /tmp here).
    let root = read("root");
    for host_only in ["usr", "home", "root", "var", "sys"] {
        assert!(
            !root.lines().any(|l| l == host_only),
            "/{host_only} visible: {root}"
        );
    }
}

#[test]
fn dependencies_build_in_order_with_references() {
    if !privileged() {
        return;
    }
    let e = Env::new();
    let out = e
        .build(
            r#"let a = p.runCommand "a" {} "echo A > $out";
                   b = p.runCommand "b" { inherit a; } "cat $a > $out; echo $a >> $out";
                   joined = p.symlinkJoin { name = "j"; paths = [ (p.writeScriptBin "x" "x") (p.writeScriptBin "y" "y") ]; };
               in [ b joined ]"#,
        )
        .expect("build");
    let b = out.iter().find(|p| p.ends_with("-b")).expect("b");
    let text = std::fs::read_to_string(b).expect("read b");
    assert!(text.starts_with("A\n"), "{text}");
    let v: serde_json::Value =
        serde_json::from_slice(&e.nest(&["store", "path-info", "--json", b]).stdout).expect("json");
    let refs: Vec<&str> = v[0]["references"]
        .as_array()
        .expect("refs")
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert_eq!(refs.len(), 1);
    assert!(refs[0].ends_with("-a"));
    let j = out.iter().find(|p| p.ends_with("-j")).expect("j");
    assert!(Path::new(j).join("bin/x").exists() && Path::new(j).join("bin/y").exists());
}

#[test]
fn a_failing_sandboxed_build_registers_nothing() {
    if !privileged() {
        return;
    }
    let e = Env::new();
    e.build(r#"p.writeText "ok" "ok""#)
        .expect("warm up busybox");
    let before = e.valid_count();
    let err = e
        .build(r#"p.runCommand "broken" {} "echo partial > $out; echo broken-marker >&2; exit 2""#)
        .expect_err("must fail");
    assert!(err.contains("broken-marker"), "{err}");
    // Only the new .drv is registered.
    assert_eq!(e.valid_count(), before + 1);
    let entries: Vec<String> = std::fs::read_dir(e.store())
        .expect("rd")
        .flatten()
        .map(|x| x.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !entries.iter().any(|n| n.ends_with("-broken")),
        "{entries:?}"
    );
    assert!(
        !entries.iter().any(|n| n.starts_with(".tmp-")),
        "{entries:?}"
    );
}

/// Command lines of processes with an argument that mentions `dir` (the sandbox helper's
/// spec file, builders' scripts in the store).
fn processes_mentioning(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    let mut out = Vec::new();
    for ent in std::fs::read_dir("/proc").expect("/proc").flatten() {
        if !ent
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
        {
            continue;
        }
        let Ok(cmd) = std::fs::read(ent.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(&needle) {
            out.push(format!("{}: {cmd}", ent.file_name().to_string_lossy()));
        }
    }
    out
}

#[test]
fn killing_nest_build_at_any_moment_leaves_a_consistent_store() {
    if !privileged() {
        return;
    }
    let e = Env::new();
    e.build(r#"p.writeText "warm" "up""#)
        .expect("warm up busybox");
    let expr = format!(
        "let p = import {} {{}}; in builtins.genList (i: p.runCommand \"k${{toString i}}\" {{}} \"mkdir $out; for j in 1 2 3 4 5; do echo $j > $out/f$j; usleep 20000; done\") 12",
        pkgs().display()
    );
    // A fixed pseudo-random sequence of kill delays (0-600 ms), so a failure reproduces.
    let mut seed: u64 = 0x5eed;
    for trial in 0..20 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = (seed >> 33) % 600;
        let mut child = Command::new(env!("CARGO_BIN_EXE_nest"))
            .args(["build", "--no-out-link", "-j", "2", "-E", &expr])
            .env("NEST_STORE_DIR", e.store())
            .env("NEST_STATE_DIR", e.dir.path().join("var"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn nest build");
        std::thread::sleep(std::time::Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        // The sandboxes die through their parent death signal (or, started just
        // before the kill, notice their parent is gone): no process of this store is
        // left after a moment.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        while !processes_mentioning(&e.store()).is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(
            processes_mentioning(&e.store()),
            Vec::<String>::new(),
            "trial {trial} (kill after {delay} ms): processes left"
        );
        let v = e.nest(&["store", "verify", "--check-contents", "--json"]);
        let j: serde_json::Value = serde_json::from_slice(&v.stdout).expect("verify json");
        assert!(
            v.status.success(),
            "trial {trial} (kill after {delay} ms): {j}"
        );
        // Every registered output is complete.
        for ent in std::fs::read_dir(e.store()).expect("rd").flatten() {
            let n = ent.file_name().to_string_lossy().into_owned();
            if n.contains("-k")
                && !n.ends_with(".drv")
                && !n.ends_with(".lock")
                && !n.starts_with('.')
            {
                let o = e.nest(&["store", "path-info", ent.path().to_str().expect("utf-8")]);
                if o.status.success() {
                    assert!(
                        ent.path().join("f5").exists(),
                        "trial {trial}: registered partial output {n}"
                    );
                }
            }
        }
    }
    // And the build completes afterwards.
    let o = e.nest(&["build", "--no-out-link", "-j", "2", "-E", &expr]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 12);
}
