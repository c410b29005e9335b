//! Faults during sandboxed builds, through the real binary: a full disk, a builder that
//! tries the network, two `nest build`s of one derivation at once, a builder past its
//! timeout. They need root (namespaces, a tmpfs); without root they skip, unless `CI`
//! is set: then they fail. Each test has its own temp store; the tmpfs a test mounts is
//! unmounted by a guard, and listeners are on loopback ports the test opened.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
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
    store: PathBuf,
    state: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, state) = (dir.path().join("store"), dir.path().join("var"));
        Env { dir, store, state }
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_nest"));
        c.args(args)
            .env("NEST_STORE_DIR", &self.store)
            .env("NEST_STATE_DIR", &self.state)
            .current_dir(self.dir.path());
        c
    }
    fn nest(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("running nest")
    }
    fn build_args(body: &str, timeout: u64) -> Vec<String> {
        let expr = format!("let p = import {} {{}}; in {body}", pkgs().display());
        [
            "build",
            "--no-out-link",
            "--timeout",
            &timeout.to_string(),
            "-E",
            &expr,
        ]
        .map(str::to_owned)
        .to_vec()
    }
    fn build(&self, body: &str) -> Output {
        let args = Env::build_args(body, 120);
        self.nest(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }
    fn verify(&self) -> serde_json::Value {
        let o = self.nest(&["store", "verify", "--check-contents", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("verify json");
        assert!(o.status.success(), "verify: {v}");
        v
    }
    /// Store entries whose name ends with `-<suffix>` or that are temporary.
    fn entries(&self, suffix: &str) -> Vec<String> {
        std::fs::read_dir(&self.store)
            .expect("read store")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(&format!("-{suffix}")) || n.starts_with(".tmp-"))
            .collect()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A tmpfs of `size` mounted on `at` (a directory the test made) until dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(at).expect("mkdir");
        nix::mount::mount(
            Some("tmpfs"),
            at,
            Some("tmpfs"),
            nix::mount::MsFlags::empty(),
            Some(format!("size={size},mode=0755").as_str()),
        )
        .expect("mounting a tmpfs");
        Tmpfs(at.to_path_buf())
    }
    fn free_bytes(&self) -> u64 {
        let s = nix::sys::statvfs::statvfs(&self.0).expect("statvfs");
        s.blocks_available() as u64 * s.fragment_size() as u64
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = nix::mount::umount2(&self.0, nix::mount::MntFlags::MNT_DETACH);
    }
}

#[test]
fn a_full_disk_during_a_build_fails_cleanly_and_frees_the_space() {
    if !privileged() {
        return;
    }
    let mut e = Env::new();
    let disk = Tmpfs::mount(&e.dir.path().join("disk"), "24m");
    e.store = disk.0.join("store");
    assert!(
        e.build(r#"p.writeText "warm" "up""#).status.success(),
        "warm up busybox"
    );
    let valid_before = e.verify()["checked"].as_u64().expect("checked");
    let free_before = disk.free_bytes();

    // The builder fails when its write fails.
    let o = e.build(
        r#"p.runCommand "hog" {} "mkdir $out; dd if=/dev/zero of=$out/big bs=1M count=100""#,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("No space left on device"),
        "the log tail shows why: {}",
        stderr(&o)
    );
    assert_eq!(
        e.verify()["checked"].as_u64(),
        Some(valid_before + 1),
        "only the .drv is new"
    );
    assert_eq!(
        e.entries("hog"),
        Vec::<String>::new(),
        "no output and no temporary left"
    );
    // The space is back (the new .drv and a lock file take a little).
    assert!(
        disk.free_bytes() + 64 * 1024 >= free_before,
        "{} of {free_before} bytes free",
        disk.free_bytes()
    );

    // A builder that ignores the error and succeeds with a truncated file: the store
    // stays consistent whatever nest's own writes then meet (each registered path
    // complete, nothing half-added left).
    let o = e.build(r#"p.runCommand "hog2" {} "mkdir $out; dd if=/dev/zero of=$out/big bs=1M count=100 || true""#);
    let v = e.verify();
    eprintln!(
        "a builder ignoring the full disk: nest {}",
        if o.status.success() {
            "registered its output"
        } else {
            "failed"
        }
    );
    if o.status.success() {
        assert_eq!(v["modified"].as_array().map(Vec::len), Some(0));
    } else {
        assert!(
            !e.entries("hog2").iter().any(|n| !n.ends_with(".drv")),
            "{:?}",
            e.entries("hog2")
        );
    }
    // After a gc the disk builds again.
    assert!(e.nest(&["store", "gc"]).status.success());
    let o = e.build(r#"p.writeText "after" "fine""#);
    assert!(o.status.success(), "{}", stderr(&o));
    drop(disk);
}

#[test]
fn a_builder_that_tries_the_network_fails() {
    if !privileged() {
        return;
    }
    let e = Env::new();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let o = e.build(&format!(
        r#"p.runCommand "online" {{}} ''
          if echo hello | nc -w 2 127.0.0.1 {port}; then echo reached > $out; else echo no-network-marker >&2; exit 9; fi
        ''"#
    ));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no-network-marker") && stderr(&o).contains("exit status: 9"),
        "{}",
        stderr(&o)
    );
    assert!(
        matches!(listener.accept(), Err(ref err) if err.kind() == std::io::ErrorKind::WouldBlock),
        "the builder reached the host"
    );
    assert!(
        e.entries("online").iter().all(|n| n.ends_with(".drv")),
        "{:?}",
        e.entries("online")
    );
}

/// Counts connections to a loopback listener (each read to its end) until dropped.
struct Counter {
    port: u16,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Counter {
    fn start() -> Counter {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.set_nonblocking(true).expect("nonblocking");
        let port = l.local_addr().expect("addr").port();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (s2, st2) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !st2.load(std::sync::atomic::Ordering::Relaxed) {
                match l.accept() {
                    Ok((mut c, _)) => {
                        let _ = c.set_nonblocking(false);
                        let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
                        let mut text = String::new();
                        let _ = c.read_to_string(&mut text);
                        s2.lock().expect("lock").push(text);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Counter {
            port,
            seen,
            stop,
            thread: Some(thread),
        }
    }
    fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn two_nest_builds_of_one_derivation_at_once_run_its_builder_once() {
    if !privileged() {
        return;
    }
    let e = Env::new();
    assert!(
        e.build(r#"p.writeText "warm" "up""#).status.success(),
        "warm up busybox"
    );
    // A fixed-output derivation keeps the host network, so each run of its builder
    // reports itself to a listener of this test: a count nest cannot fake.
    let counter = Counter::start();
    let sha = "0c3071418e6356e614898c84ed064ca95e88551bc0811b534bdf1952ecdae534"; // sha256 of "fixed\n"
    let body = format!(
        r#"p.runCommand "once" {{ outputHashMode = "flat"; outputHashAlgo = "sha256"; outputHash = "{sha}"; }} ''
          echo ran | nc -w 5 127.0.0.1 {port}
          sleep 3
          echo fixed > $out
        ''"#,
        port = counter.port
    );
    let args = Env::build_args(&body, 120);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let spawn = || {
        e.cmd(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn nest build")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (
        a.wait_with_output().expect("wait"),
        b.wait_with_output().expect("wait"),
    );
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{}", stderr(&b));
    assert_eq!(a.stdout, b.stdout, "both name the same output");
    // Both planned to build it (so they overlapped), one builder ran.
    for o in [&a, &b] {
        assert!(
            stderr(o).contains("1 derivations will be built"),
            "{}",
            stderr(o)
        );
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    while counter.seen().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(counter.seen(), vec!["ran\n".to_string()]);
    let out = String::from_utf8_lossy(&a.stdout).trim().to_string();
    assert_eq!(std::fs::read_to_string(&out).expect("read"), "fixed\n");
}

/// Pids of processes whose command line has `word` as an argument.
fn processes_with_arg(word: &str) -> Vec<i32> {
    let mut out = Vec::new();
    for ent in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = ent.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if let Ok(cmd) = std::fs::read(ent.path().join("cmdline")) {
            if cmd.split(|b| *b == 0).any(|a| a == word.as_bytes()) {
                out.push(pid);
            }
        }
    }
    out
}

#[test]
fn a_sandboxed_builder_past_its_timeout_is_killed_and_nothing_is_registered() {
    if !privileged() {
        return;
    }
    let e = Env::new();
    assert!(
        e.build(r#"p.writeText "warm" "up""#).status.success(),
        "warm up busybox"
    );
    let before = e.verify()["checked"].as_u64().expect("checked");
    // A sleep whose argument no other process has.
    let secs = format!("{}", 100_000 + (std::process::id() % 50_000));
    let args = Env::build_args(
        &format!(r#"p.runCommand "slow" {{}} "mkdir $out; echo started-marker; sleep {secs}""#),
        2,
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let start = Instant::now();
    let o = e.nest(&args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "the timeout did not stop it"
    );
    let err = stderr(&o);
    assert!(
        err.contains("timed out after 2 s") && err.contains("started-marker"),
        "{err}"
    );
    // The builder (in its own PID namespace) is gone with the sandbox.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !processes_with_arg(&secs).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        processes_with_arg(&secs),
        Vec::<i32>::new(),
        "the builder outlived its timeout"
    );
    assert_eq!(
        e.verify()["checked"].as_u64(),
        Some(before + 1),
        "only the .drv is new"
    );
    assert!(
        e.entries("slow").iter().all(|n| n.ends_with(".drv")),
        "{:?}",
        e.entries("slow")
    );
}

#[test]
fn gc_during_a_sandboxed_build_keeps_its_inputs_and_its_work() {
    if !privileged() {
        return;
    }
    let e = Env::new();
    // dep is built and left unrooted: only the next build's temporary roots keep it.
    let o = e.build(r#"p.writeText "dep" "dep contents""#);
    assert!(o.status.success(), "{}", stderr(&o));
    let args = Env::build_args(
        r#"p.runCommand "slowuser" { dep = p.writeText "dep" "dep contents"; } "mkdir $out; echo half > $out/early; sleep 4; cat $dep > $out/copy""#,
        120,
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = e
        .cmd(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn nest build");
    let log_dir = e.state.join("log");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_dir(&log_dir).is_ok_and(|rd| {
        rd.flatten().any(|f| {
            f.file_name()
                .to_string_lossy()
                .ends_with("-slowuser.drv.log")
        })
    }) {
        assert!(Instant::now() < deadline, "the build did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    let gc = e.nest(&["store", "gc"]);
    assert!(gc.status.success(), "{}", stderr(&gc));
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "gc waited for the build"
    );
    let deleted = String::from_utf8_lossy(&gc.stdout).into_owned();
    assert!(
        !deleted.lines().any(|l| l.ends_with("-dep")),
        "gc deleted the running build's input: {deleted}"
    );
    let built = child.wait_with_output().expect("wait");
    assert!(built.status.success(), "{}", stderr(&built));
    let out = PathBuf::from(String::from_utf8_lossy(&built.stdout).trim());
    assert_eq!(
        std::fs::read_to_string(out.join("early")).expect("early"),
        "half\n",
        "the build's work directory was touched"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("copy")).expect("copy"),
        "dep contents"
    );
}
