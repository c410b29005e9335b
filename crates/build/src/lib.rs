//! Realising derivations: load the derivation graph from `.drv` files in the store,
//! build what is not valid yet in dependency order (up to `max_jobs` at once), each
//! builder in a sandbox ([`sandbox`]), outputs scanned for references and registered.
//! A failed, timed-out or interrupted build registers nothing.
//!
//! Concurrency: a build holds the lock of every output path; another process that
//! wants the same outputs waits and then finds them valid, so a derivation is built
//! once. The store's shared GC lock is held while a build checks validity and makes
//! its inputs and outputs temporary roots, and again while it registers; not while the
//! builder runs, so `gc` does not wait for builds.

#![forbid(unsafe_code)]

pub mod sandbox;

use nest_nixcompat::{Derivation, DerivationOutput, HashAlgo, StorePath};
use nest_store::add::{remove_tree, NewPath, References};
use nest_store::{Store, StoreError};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading derivation '{path}': {msg}")]
    BadDerivation { path: String, msg: String },
    #[error("derivation '{drv}' has output '{output}' without a known path (floating and deferred outputs are not supported)")]
    UnknownOutputPath { drv: String, output: String },
    #[error("derivation '{drv}' has no output '{output}'")]
    NoSuchOutput { drv: String, output: String },
    #[error("{what} for '{drv}': {source}")]
    Io {
        what: &'static str,
        drv: String,
        source: std::io::Error,
    },
    #[error("builder for '{drv}' failed with {status}; last {n} log lines:\n{tail}", n = tail.lines().count())]
    Failed {
        drv: String,
        status: String,
        tail: String,
    },
    #[error("builder for '{drv}' timed out after {secs} s; last log lines:\n{tail}")]
    TimedOut {
        drv: String,
        secs: u64,
        tail: String,
    },
    #[error("builder for '{drv}' did not produce output '{output}' ({path})")]
    MissingOutput {
        drv: String,
        output: String,
        path: String,
    },
    #[error(
        "fixed-output derivation '{drv}': output '{path}' has hash {got}, expected {expected}"
    )]
    HashMismatch {
        drv: String,
        path: String,
        expected: String,
        got: String,
    },
    #[error("{0} dependencies failed")]
    DependenciesFailed(usize),
}

/// How builders are isolated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sandbox {
    /// Namespaces and a root holding only the input closure, set up by a helper
    /// process: `exe build --sandbox-child SPEC`.
    Namespaces { exe: PathBuf },
    /// No isolation: the builder runs on the host and writes its outputs in place
    /// (for tests without root, like Nix's `sandbox = false`).
    None,
}

#[derive(Debug, Clone)]
pub struct BuildConfig {
    pub max_jobs: usize,
    pub sandbox: Sandbox,
    pub timeout: Duration,
    /// Log lines shown when a build fails.
    pub log_tail: usize,
    /// Host paths visible in the sandbox (inside path, host path), like Nix's
    /// `sandbox-paths`.
    pub sandbox_paths: Vec<(String, PathBuf)>,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            max_jobs: 1,
            sandbox: Sandbox::None,
            timeout: Duration::from_secs(3600),
            log_tail: 25,
            sandbox_paths: default_sandbox_paths(),
        }
    }
}

/// Nix's default: `/bin/sh` is a static busybox (here Debian's `busybox-static`),
/// when the host has one.
pub fn default_sandbox_paths() -> Vec<(String, PathBuf)> {
    let bb = PathBuf::from("/usr/bin/busybox");
    if bb.exists() {
        vec![("/bin/sh".to_string(), bb)]
    } else {
        Vec::new()
    }
}

/// Progress notifications (the CLI draws them).
pub trait Progress: Sync {
    fn started(&self, _drv: &str) {}
    fn finished(&self, _drv: &str, _ok: bool) {}
    /// Totals once the plan is known.
    fn planned(&self, _to_build: usize) {}
}

/// No progress display.
pub struct Quiet;
impl Progress for Quiet {}

/// One built (or already valid) derivation's requested outputs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Built {
    pub drv_path: String,
    pub outputs: BTreeMap<String, String>,
}

struct Node {
    drv: Derivation,
    deps: BTreeSet<StorePath>,
}

pub struct Builder<'a> {
    store: &'a Store,
    cfg: BuildConfig,
}

fn read_tail(path: &Path, lines: usize) -> String {
    let Ok(mut f) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(64 * 1024);
    let _ = f.seek(SeekFrom::Start(start));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

impl<'a> Builder<'a> {
    pub fn new(store: &'a Store, cfg: BuildConfig) -> Builder<'a> {
        Builder { store, cfg }
    }

    fn load(&self, drv_path: &StorePath) -> Result<Derivation, BuildError> {
        let printed = self.store.print(drv_path);
        let bad = |msg: String| BuildError::BadDerivation {
            path: printed.clone(),
            msg,
        };
        let text = std::fs::read(self.store.real_path(drv_path)).map_err(|e| bad(e.to_string()))?;
        let name = drv_path
            .name()
            .strip_suffix(".drv")
            .unwrap_or(drv_path.name());
        Derivation::parse(self.store.store_dir(), &text, name).map_err(|e| bad(e.to_string()))
    }

    fn output_paths(
        &self,
        drv_path: &StorePath,
        drv: &Derivation,
    ) -> Result<BTreeMap<String, StorePath>, BuildError> {
        let mut out = BTreeMap::new();
        for (name, o) in &drv.outputs {
            let p = o.path().ok_or_else(|| BuildError::UnknownOutputPath {
                drv: self.store.print(drv_path),
                output: name.clone(),
            })?;
            out.insert(name.clone(), p.clone());
        }
        Ok(out)
    }

    fn needs_build(&self, drv_path: &StorePath, drv: &Derivation) -> Result<bool, BuildError> {
        for p in self.output_paths(drv_path, drv)?.values() {
            if !self.store.is_valid(p)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Builds `wanted` (`.drv` path → outputs) and everything they need.
    pub fn realise(
        &self,
        wanted: &[(StorePath, BTreeSet<String>)],
        progress: &dyn Progress,
    ) -> Result<Vec<Built>, BuildError> {
        // The graph of derivations whose outputs are not all valid.
        let mut nodes: BTreeMap<StorePath, Node> = BTreeMap::new();
        let mut stack: Vec<StorePath> = wanted.iter().map(|(d, _)| d.clone()).collect();
        let mut seen = BTreeSet::new();
        let mut results = Vec::new();
        for (d, outs) in wanted {
            let drv = self.load(d)?;
            let paths = self.output_paths(d, &drv)?;
            let mut m = BTreeMap::new();
            for o in outs {
                let p = paths.get(o).ok_or_else(|| BuildError::NoSuchOutput {
                    drv: self.store.print(d),
                    output: o.clone(),
                })?;
                m.insert(o.clone(), self.store.print(p));
            }
            results.push(Built {
                drv_path: self.store.print(d),
                outputs: m,
            });
        }
        // Every output seen is made a temporary root under the shared GC lock: a `gc`
        // either ran before (and the validity checks below see what it left) or runs
        // after and keeps them. Outputs that are valid now are what the builds read
        // later, when no lock is held between one build and the next.
        let gc = self.store.gc_lock_shared()?;
        while let Some(d) = stack.pop() {
            if !seen.insert(d.clone()) {
                continue;
            }
            self.store.add_temp_root(&d)?;
            let drv = self.load(&d)?;
            for p in self.output_paths(&d, &drv)?.values() {
                self.store.add_temp_root(p)?;
            }
            if !self.needs_build(&d, &drv)? {
                continue;
            }
            let deps: BTreeSet<StorePath> = drv.input_drvs.keys().cloned().collect();
            stack.extend(deps.iter().cloned());
            nodes.insert(d, Node { drv, deps });
        }
        // Dependencies that are already valid are no edges.
        let pending: BTreeSet<StorePath> = nodes.keys().cloned().collect();
        for n in nodes.values_mut() {
            n.deps.retain(|d| pending.contains(d));
        }
        drop(gc);
        progress.planned(nodes.len());
        self.schedule(nodes, progress)?;
        Ok(results)
    }

    fn schedule(
        &self,
        mut nodes: BTreeMap<StorePath, Node>,
        progress: &dyn Progress,
    ) -> Result<(), BuildError> {
        let (tx, rx) = std::sync::mpsc::channel::<(StorePath, Result<(), BuildError>)>();
        let mut running = 0usize;
        let mut first_error: Option<BuildError> = None;
        let mut failures = 0usize;
        std::thread::scope(|scope| loop {
            if first_error.is_none() {
                let ready: Vec<StorePath> = nodes
                    .iter()
                    .filter(|(_, n)| n.deps.is_empty())
                    .map(|(p, _)| p.clone())
                    .take(self.cfg.max_jobs.max(1).saturating_sub(running))
                    .collect();
                for p in ready {
                    let Some(node) = nodes.remove(&p) else {
                        continue;
                    };
                    running += 1;
                    let tx = tx.clone();
                    let this = &*self;
                    scope.spawn(move || {
                        let printed = this.store.print(&p);
                        progress.started(&printed);
                        let r = this.build_one(&p, &node.drv);
                        progress.finished(&printed, r.is_ok());
                        let _ = tx.send((p, r));
                    });
                }
            }
            if running == 0 {
                break;
            }
            let Ok((done, r)) = rx.recv() else { break };
            running -= 1;
            match r {
                Ok(()) => {
                    for n in nodes.values_mut() {
                        n.deps.remove(&done);
                    }
                }
                Err(e) => {
                    failures += 1;
                    if first_error.is_none() {
                        first_error = Some(e);
                    }
                }
            }
        });
        match first_error {
            Some(e) if failures == 1 => Err(e),
            Some(e) => Err(BuildError::Failed {
                drv: format!("{failures} derivations"),
                status: "errors".into(),
                tail: e.to_string(),
            }),
            None if !nodes.is_empty() => Err(BuildError::DependenciesFailed(nodes.len())),
            None => Ok(()),
        }
    }

    fn io(
        &self,
        what: &'static str,
        drv: &StorePath,
    ) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
        let drv = self.store.print(drv);
        move |source| BuildError::Io { what, drv, source }
    }

    /// Builds one derivation whose inputs are all valid.
    fn build_one(&self, drv_path: &StorePath, drv: &Derivation) -> Result<(), BuildError> {
        let store = self.store;
        let printed = store.print(drv_path);
        let outputs = self.output_paths(drv_path, drv)?;
        let gc = store.gc_lock_shared()?;
        let mut _locks = Vec::new();
        for p in outputs.values() {
            _locks.push(store.lock_path(p)?);
            store.add_temp_root(p)?;
        }
        // Someone else may have built it while we waited for the locks.
        if !self.needs_build(drv_path, drv)? {
            return Ok(());
        }

        // The input closure: sources and the used outputs of input derivations.
        let mut input_roots: Vec<StorePath> = drv.input_srcs.iter().cloned().collect();
        for (d, outs) in &drv.input_drvs {
            let dd = self.load(d)?;
            let paths = self.output_paths(d, &dd)?;
            for o in outs {
                let p = paths.get(o).ok_or_else(|| BuildError::NoSuchOutput {
                    drv: store.print(d),
                    output: o.clone(),
                })?;
                input_roots.push(p.clone());
            }
        }
        let closure = store.closure(&input_roots)?;

        let log_dir = store.state_dir().join("log");
        let log_path = log_dir.join(format!("{}.log", drv_path.base_name()));
        let log = std::fs::File::create(&log_path)
            .map_err(self.io("creating the build log", drv_path))?;

        let sandboxed = matches!(self.cfg.sandbox, Sandbox::Namespaces { .. });
        let work = store.temp_location(&format!("{}.build", drv_path.name()));
        remove_tree(&work)?;
        std::fs::create_dir_all(work.join("build"))
            .map_err(self.io("creating the build directory", drv_path))?;
        let chroot_store = work.join("store");
        let build_top = if sandboxed {
            "/build".to_string()
        } else {
            work.join("build").to_string_lossy().into_owned()
        };

        let env = builder_env(store, drv, &build_top, &work.join("build"))
            .map_err(self.io("writing passAsFile attributes", drv_path))?;
        // While the builder runs, a `gc` may run too: the inputs and outputs are
        // temporary roots of this process and `gc` leaves the temporary directories of
        // live processes alone. Holding the lock for the whole build made `gc` wait for
        // every running build (and a stream of builds starve it).
        drop(gc);

        let r = (|| -> Result<Vec<NewPath>, BuildError> {
            // Unsandboxed builders write their outputs in place; leftovers from a
            // crashed attempt are garbage.
            for p in outputs.values() {
                remove_tree(&store.real_path(p))?;
            }
            let mut cmd = match &self.cfg.sandbox {
                Sandbox::Namespaces { exe } => {
                    std::fs::create_dir_all(&chroot_store)
                        .map_err(self.io("creating the sandbox store", drv_path))?;
                    std::fs::create_dir_all(work.join("root"))
                        .map_err(self.io("creating the sandbox root", drv_path))?;
                    let spec = sandbox::SandboxSpec {
                        root: work.join("root"),
                        store_dir: store.store_dir().as_str().to_string(),
                        chroot_store: chroot_store.clone(),
                        inputs: closure.iter().map(|p| store.real_path(p)).collect(),
                        build_dir: work.join("build"),
                        builder: drv.builder.clone(),
                        args: drv.args.clone(),
                        env: env.clone(),
                        network: drv.is_fixed_output(),
                        extra_paths: self.cfg.sandbox_paths.clone(),
                        parent: Some(std::process::id()),
                    };
                    let spec_file = work.join("spec.json");
                    let text = serde_json::to_vec(&spec).map_err(|e| BuildError::Io {
                        what: "writing the sandbox spec",
                        drv: printed.clone(),
                        source: e.into(),
                    })?;
                    std::fs::write(&spec_file, text)
                        .map_err(self.io("writing the sandbox spec", drv_path))?;
                    let mut c = std::process::Command::new(exe);
                    c.arg("build")
                        .arg("--sandbox-child")
                        .arg(&spec_file)
                        .env_clear();
                    c
                }
                Sandbox::None => {
                    use std::os::unix::process::CommandExt;
                    let mut c = std::process::Command::new(&drv.builder);
                    let argv0 = Path::new(&drv.builder)
                        .file_name()
                        .map(|s| s.to_os_string())
                        .unwrap_or_default();
                    // Its own process group, so a timeout kills what it started too.
                    c.process_group(0);
                    c.arg0(argv0)
                        .args(&drv.args)
                        .env_clear()
                        .envs(env.iter().map(|(k, v)| (k, v)))
                        .current_dir(work.join("build"));
                    c
                }
            };
            let log2 = log
                .try_clone()
                .map_err(self.io("opening the build log", drv_path))?;
            cmd.stdin(std::process::Stdio::null())
                .stdout(log)
                .stderr(log2);
            let mut child = cmd
                .spawn()
                .map_err(self.io("starting the builder", drv_path))?;
            let status = wait_with_timeout(&mut child, self.cfg.timeout, !sandboxed)
                .map_err(self.io("waiting for the builder", drv_path))?;
            let Some(status) = status else {
                return Err(BuildError::TimedOut {
                    drv: printed.clone(),
                    secs: self.cfg.timeout.as_secs(),
                    tail: read_tail(&log_path, self.cfg.log_tail),
                });
            };
            if !status.success() {
                return Err(BuildError::Failed {
                    drv: printed.clone(),
                    status: status.to_string(),
                    tail: read_tail(&log_path, self.cfg.log_tail),
                });
            }
            let mut candidates: BTreeSet<StorePath> = closure.iter().cloned().collect();
            candidates.extend(outputs.values().cloned());
            let mut new = Vec::new();
            for (name, p) in &outputs {
                let temp = if sandboxed {
                    chroot_store.join(p.base_name())
                } else {
                    store.real_path(p)
                };
                if temp.symlink_metadata().is_err() {
                    return Err(BuildError::MissingOutput {
                        drv: printed.clone(),
                        output: name.clone(),
                        path: store.print(p),
                    });
                }
                let mut ca = None;
                if let Some(DerivationOutput::Fixed { hash, .. }) = drv.outputs.get(name) {
                    let got =
                        recompute(&temp, hash).map_err(self.io("hashing the output", drv_path))?;
                    if got != hash.hash {
                        return Err(BuildError::HashMismatch {
                            drv: printed.clone(),
                            path: store.print(p),
                            expected: hash.hash.to_sri(),
                            got: got.to_sri(),
                        });
                    }
                    ca = Some(format!(
                        "fixed:{}{}",
                        hash.method.prefix(),
                        hash.hash
                            .to_string_as(nest_nixcompat::HashEncoding::Nixbase32, true)
                    ));
                }
                new.push(NewPath {
                    temp,
                    path: p.clone(),
                    references: References::Scan(candidates.clone()),
                    deriver: Some(drv_path.clone()),
                    ca,
                    expected_nar_hash: None,
                });
            }
            Ok(new)
        })();
        let r = r.and_then(|new| {
            let _gc = store.gc_lock_shared()?;
            store.finish_locked(new).map_err(BuildError::from)
        });
        if r.is_err() && !sandboxed {
            for p in outputs.values() {
                if !store.is_valid(p).unwrap_or(false) {
                    let _ = remove_tree(&store.real_path(p));
                }
            }
        }
        let _ = remove_tree(&work);
        r.map(|_| ())
    }
}

/// Waits for `child` until `timeout`; `None` when it was killed at the timeout (with its
/// process group when `group`: an unsandboxed builder's children; a sandbox dies with
/// its helper through the parent death signal). A helper thread waits for the exit
/// without reaping it (`WNOWAIT`), so the pid stays the child's until `Child::wait`
/// here and the kill can never reach another process; it also wakes the build at the
/// exit instead of at the next tick of a polling loop.
fn wait_with_timeout(
    child: &mut std::process::Child,
    timeout: Duration,
    group: bool,
) -> std::io::Result<Option<std::process::ExitStatus>> {
    use nix::sys::wait::{waitid, Id, WaitPidFlag};
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let waiter = std::thread::spawn(move || {
        while let Err(nix::errno::Errno::EINTR) =
            waitid(Id::Pid(pid), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT)
        {}
        let _ = tx.send(());
    });
    let timed_out = matches!(
        rx.recv_timeout(timeout),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout)
    );
    if timed_out {
        if group {
            let _ = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGKILL);
        }
        let _ = child.kill();
    }
    let _ = waiter.join();
    let status = child.wait()?;
    Ok(if timed_out { None } else { Some(status) })
}

fn recompute(
    path: &Path,
    h: &nest_nixcompat::FixedOutputHash,
) -> std::io::Result<nest_nixcompat::Hash> {
    match h.method {
        nest_nixcompat::FileIngestionMethod::Recursive => {
            let nar =
                nest_nixcompat::nar::dump_to_vec(&mut nest_nixcompat::nar::FsSource::new(), path)?;
            Ok(h.hash.algo().digest(nar))
        }
        _ => Ok(h.hash.algo().digest(std::fs::read(path)?)),
    }
}

/// The environment Nix gives a builder, in Nix's order of precedence.
fn builder_env(
    store: &Store,
    drv: &Derivation,
    build_top: &str,
    host_build_dir: &Path,
) -> std::io::Result<Vec<(String, String)>> {
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    env.insert("PATH".into(), "/path-not-set".into());
    env.insert("HOME".into(), "/homeless-shelter".into());
    env.insert("NIX_STORE".into(), store.store_dir().as_str().into());
    env.insert("NIX_BUILD_CORES".into(), "1".into());
    let pass_as_file: BTreeSet<String> = drv
        .env
        .get("passAsFile")
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    for (k, v) in &drv.env {
        if pass_as_file.contains(k) {
            let f = format!(
                ".attr-{}",
                HashAlgo::Sha256.digest(k.as_bytes()).to_nixbase32()
            );
            std::fs::write(host_build_dir.join(&f), v)?;
            env.insert(format!("{k}Path"), format!("{build_top}/{f}"));
        } else {
            env.insert(k.clone(), v.clone());
        }
    }
    for k in ["NIX_BUILD_TOP", "TMPDIR", "TEMPDIR", "TMP", "TEMP", "PWD"] {
        env.insert(k.into(), build_top.into());
    }
    env.insert("NIX_LOG_FD".into(), "2".into());
    env.insert("TERM".into(), "xterm-256color".into());
    Ok(env.into_iter().collect())
}
