//! What an evaluation depended on: [`RecordingIo`] wraps the `EvalIo` of one evaluation
//! and notes every observation it makes of the outside world (file contents, directory
//! listings, the existence and type of paths, symbolic links, environment variables),
//! the store paths it wrote and its trace output, so that the evaluation cache can
//! check later whether the same evaluation would see the same world. An observation
//! it cannot re-check (the clock) marks the evaluation uncacheable.

use nest_eval::io::{EvalIo, FileType, IoError, StdIo};
use nest_nixcompat::nar::NarNode;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::os::unix::fs::MetadataExt;
use std::rc::Rc;
use std::time::SystemTime;

/// The identity of a file's inode and contents as `stat` sees them. Equal stats of a
/// file whose times were old enough when recorded mean unchanged contents (see
/// [`Recorder::trusted`]); different stats mean nothing, the contents decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime: i64,
    pub mtime_ns: i64,
    pub ctime: i64,
    pub ctime_ns: i64,
}

impl Stat {
    /// `stat` (following symbolic links, as reading does).
    pub fn of(path: &str) -> Option<Stat> {
        let m = std::fs::metadata(path).ok()?;
        Some(Stat {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: m.mtime(),
            mtime_ns: m.mtime_nsec(),
            ctime: m.ctime(),
            ctime_ns: m.ctime_nsec(),
        })
    }

    /// The later of the modification and change times, in nanoseconds since the epoch.
    fn newest_ns(&self) -> i128 {
        let t = |s: i64, ns: i64| i128::from(s) * 1_000_000_000 + i128::from(ns);
        t(self.mtime, self.mtime_ns).max(t(self.ctime, self.ctime_ns))
    }
}

/// One observation of the outside world and what it gave. Errors are kept as their
/// message: a file that could not be read must still not be readable, the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Obs {
    /// `read_file`: the SHA-256 of the contents (hex), and the file's stat when it can
    /// be trusted to stand for those contents.
    File {
        path: String,
        stat: Option<Stat>,
        contents: Result<String, String>,
    },
    /// `read_dir`: the SHA-256 of the sorted `name\0type\0` entries.
    Dir {
        path: String,
        listing: Result<String, String>,
    },
    /// `file_type` (`follow: false`) or `file_type_follow`: `None` if absent.
    Type {
        path: String,
        follow: bool,
        file_type: Option<String>,
    },
    /// `lstat` for NAR serialisation: type, executable bit, size.
    Lstat {
        path: String,
        stat: Result<(String, bool, u64), String>,
    },
    Link {
        path: String,
        target: Result<String, String>,
    },
    Env {
        name: String,
        value: Option<String>,
    },
}

/// What identifies an observation, so each is recorded once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ObsKey {
    File(String),
    Dir(String),
    Type(String, bool),
    Lstat(String),
    Link(String),
    Env(String),
}

impl Obs {
    fn key(&self) -> ObsKey {
        match self {
            Obs::File { path, .. } => ObsKey::File(path.clone()),
            Obs::Dir { path, .. } => ObsKey::Dir(path.clone()),
            Obs::Type { path, follow, .. } => ObsKey::Type(path.clone(), *follow),
            Obs::Lstat { path, .. } => ObsKey::Lstat(path.clone()),
            Obs::Link { path, .. } => ObsKey::Link(path.clone()),
            Obs::Env { name, .. } => ObsKey::Env(name.clone()),
        }
    }

    /// What it names, for messages: a path or `$NAME`.
    pub fn subject(&self) -> String {
        match self {
            Obs::File { path, .. }
            | Obs::Dir { path, .. }
            | Obs::Type { path, .. }
            | Obs::Lstat { path, .. }
            | Obs::Link { path, .. } => format!("'{path}'"),
            Obs::Env { name, .. } => format!("${name}"),
        }
    }

    /// Whether the world still gives what this observation recorded. Files whose
    /// recorded stat is unchanged are not read again.
    pub fn holds(&self) -> bool {
        let io = StdIo;
        match self {
            Obs::File {
                path,
                stat,
                contents,
            } => {
                if let (Some(s), Ok(_)) = (stat, contents) {
                    if Stat::of(path).as_ref() == Some(s) {
                        return true;
                    }
                }
                observe_contents(io.read_file(path)) == *contents
            }
            Obs::Dir { path, listing } => observe_listing(io.read_dir(path)) == *listing,
            Obs::Type {
                path,
                follow,
                file_type,
            } => {
                let t = if *follow {
                    io.file_type_follow(path)
                } else {
                    io.file_type(path)
                };
                t.map(|t| t.as_nix().to_string()) == *file_type
            }
            Obs::Lstat { path, stat } => observe_lstat(io.lstat(path)) == *stat,
            Obs::Link { path, target } => io.read_link(path).map_err(|e| e.to_string()) == *target,
            Obs::Env { name, value } => io.get_env(name) == *value,
        }
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let h = sha2::Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in h {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn observe_contents(r: Result<Vec<u8>, IoError>) -> Result<String, String> {
    r.map(|b| sha256_hex(&b)).map_err(|e| e.to_string())
}

fn observe_listing(r: Result<Vec<(String, FileType)>, IoError>) -> Result<String, String> {
    let mut entries = r.map_err(|e| e.to_string())?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut text = Vec::new();
    for (name, t) in entries {
        text.extend_from_slice(name.as_bytes());
        text.push(0);
        text.extend_from_slice(t.as_nix().as_bytes());
        text.push(0);
    }
    Ok(sha256_hex(&text))
}

fn observe_lstat(r: Result<(FileType, bool, u64), IoError>) -> Result<(String, bool, u64), String> {
    r.map(|(t, x, n)| (t.as_nix().to_string(), x, n))
        .map_err(|e| e.to_string())
}

/// Everything one evaluation depended on and produced besides its value.
#[derive(Debug, Default, Clone)]
pub struct Recording {
    pub observations: Vec<Obs>,
    /// Lines given to `trace` (`builtins.trace`, derivation warnings), in order.
    pub traces: Vec<String>,
    /// Store paths the evaluation wrote (or found already valid) when writing.
    pub added: BTreeSet<String>,
    /// Why the result cannot be reused, if it cannot.
    pub uncacheable: Option<String>,
}

/// The recording in progress, shared between the [`RecordingIo`] the evaluator owns
/// and the code that runs the evaluation.
pub struct Recorder {
    rec: Recording,
    seen: HashMap<ObsKey, usize>,
    /// Files changed less than this long before the evaluation began are re-hashed at
    /// every check: a change within the same timestamp tick as a later change would
    /// leave the stat as it was ("racy git").
    trust_before_ns: i128,
}

impl Recorder {
    pub fn new(racy_window: std::time::Duration) -> Rc<RefCell<Recorder>> {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as i128)
            .unwrap_or(0);
        Rc::new(RefCell::new(Recorder {
            rec: Recording::default(),
            seen: HashMap::new(),
            trust_before_ns: now - racy_window.as_nanos() as i128,
        }))
    }

    pub fn finish(&mut self) -> Recording {
        std::mem::take(&mut self.rec)
    }

    fn trusted(&self, s: Option<Stat>) -> Option<Stat> {
        s.filter(|s| s.newest_ns() < self.trust_before_ns)
    }

    fn note(&mut self, obs: Obs) {
        let key = obs.key();
        match self.seen.get(&key) {
            None => {
                self.seen.insert(key, self.rec.observations.len());
                self.rec.observations.push(obs);
            }
            Some(&i) => {
                if !same_result(&self.rec.observations[i], &obs) {
                    self.uncacheable(format!("{} changed during the evaluation", obs.subject()));
                }
            }
        }
    }

    fn uncacheable(&mut self, why: String) {
        if self.rec.uncacheable.is_none() {
            self.rec.uncacheable = Some(why);
        }
    }
}

/// Why reading `path` cannot be checked again later, if it cannot: files of the
/// kernel's pseudo file systems change without their stat changing, and reading a
/// device or a pipe a second time (to check it) could block or consume its data.
fn volatile(path: &str) -> Option<String> {
    let pseudo = ["/proc/", "/sys/", "/dev/"];
    if pseudo.iter().any(|p| path.starts_with(p)) {
        return Some(format!(
            "the evaluation read '{path}', whose contents change by themselves"
        ));
    }
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => Some(format!(
            "the evaluation read '{path}', which is not a regular file"
        )),
        _ => None,
    }
}

/// Two observations of the same thing agree (a file's stat may differ between them).
fn same_result(a: &Obs, b: &Obs) -> bool {
    match (a, b) {
        (Obs::File { contents: x, .. }, Obs::File { contents: y, .. }) => x == y,
        _ => a == b,
    }
}

/// The `EvalIo` that records; everything else is done by the `EvalIo` it wraps.
pub struct RecordingIo {
    inner: Box<dyn EvalIo>,
    rec: Rc<RefCell<Recorder>>,
}

impl RecordingIo {
    pub fn new(inner: Box<dyn EvalIo>, rec: Rc<RefCell<Recorder>>) -> RecordingIo {
        RecordingIo { inner, rec }
    }

    fn note(&self, obs: Obs) {
        self.rec.borrow_mut().note(obs);
    }

    fn added(&self, dest: &str, r: &Result<(), IoError>) {
        if r.is_ok() && self.inner.writes_store() {
            self.rec.borrow_mut().rec.added.insert(dest.to_string());
        }
    }
}

impl EvalIo for RecordingIo {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, IoError> {
        // The stat is taken first: a change after it changes the stat, so the check
        // then reads the file again.
        let before = Stat::of(path);
        if let Some(why) = volatile(path) {
            self.rec.borrow_mut().uncacheable(why);
        }
        let r = self.inner.read_file(path);
        // An empty stat size is what pseudo-files (`/proc`) show whatever they hold.
        let stat = self.rec.borrow().trusted(before.filter(|s| s.size > 0));
        let contents = match &r {
            Ok(b) => Ok(sha256_hex(b)),
            Err(e) => Err(e.to_string()),
        };
        self.note(Obs::File {
            path: path.to_string(),
            stat,
            contents,
        });
        r
    }

    fn read_dir(&self, path: &str) -> Result<Vec<(String, FileType)>, IoError> {
        let r = self.inner.read_dir(path);
        let listing = match &r {
            Ok(entries) => observe_listing(Ok(entries.clone())),
            Err(e) => Err(e.to_string()),
        };
        self.note(Obs::Dir {
            path: path.to_string(),
            listing,
        });
        r
    }

    fn file_type(&self, path: &str) -> Option<FileType> {
        let t = self.inner.file_type(path);
        self.note(Obs::Type {
            path: path.to_string(),
            follow: false,
            file_type: t.map(|t| t.as_nix().to_string()),
        });
        t
    }

    fn file_type_follow(&self, path: &str) -> Option<FileType> {
        let t = self.inner.file_type_follow(path);
        self.note(Obs::Type {
            path: path.to_string(),
            follow: true,
            file_type: t.map(|t| t.as_nix().to_string()),
        });
        t
    }

    fn get_env(&self, name: &str) -> Option<String> {
        let v = self.inner.get_env(name);
        self.note(Obs::Env {
            name: name.to_string(),
            value: v.clone(),
        });
        v
    }

    fn current_time(&self) -> i64 {
        self.rec
            .borrow_mut()
            .uncacheable("the evaluation read the clock (builtins.currentTime)".into());
        self.inner.current_time()
    }

    fn trace(&self, line: &[u8]) {
        // Replayed as text (a byte that is not UTF-8 comes back as U+FFFD).
        self.rec
            .borrow_mut()
            .rec
            .traces
            .push(String::from_utf8_lossy(line).into_owned());
        self.inner.trace(line)
    }

    fn lstat(&self, path: &str) -> Result<(FileType, bool, u64), IoError> {
        let r = self.inner.lstat(path);
        let stat = match &r {
            Ok((t, x, n)) => Ok((t.as_nix().to_string(), *x, *n)),
            Err(e) => Err(e.to_string()),
        };
        self.note(Obs::Lstat {
            path: path.to_string(),
            stat,
        });
        r
    }

    fn read_link(&self, path: &str) -> Result<String, IoError> {
        let r = self.inner.read_link(path);
        let target = match &r {
            Ok(t) => Ok(t.clone()),
            Err(e) => Err(e.to_string()),
        };
        self.note(Obs::Link {
            path: path.to_string(),
            target,
        });
        r
    }

    fn store_add_path(&self, src: &str, dest: &str) -> Result<(), IoError> {
        let r = self.inner.store_add_path(src, dest);
        self.added(dest, &r);
        r
    }

    fn writes_store(&self) -> bool {
        self.inner.writes_store()
    }

    fn store_add_nar(&self, dest: &str, nar: &[u8]) -> Result<(), IoError> {
        let r = self.inner.store_add_nar(dest, nar);
        self.added(dest, &r);
        r
    }

    fn add_tree(&self, root: &str, tree: Rc<NarNode>) -> bool {
        // The tree was unpacked from a file read through this recorder, so what is read
        // inside it follows from an observation already made.
        self.inner.add_tree(root, tree)
    }

    fn store_add_text(&self, dest: &str, text: &[u8], refs: &[String]) -> Result<(), IoError> {
        let r = self.inner.store_add_text(dest, text, refs);
        self.added(dest, &r);
        r
    }

    fn store_add_derivation(&self, drv_path: &str, aterm: &str) -> Result<(), IoError> {
        let r = self.inner.store_add_derivation(drv_path, aterm);
        self.added(drv_path, &r);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn record_read(path: &str, window: Duration) -> Obs {
        let rec = Recorder::new(window);
        let io = RecordingIo::new(Box::new(StdIo), rec.clone());
        io.read_file(path).expect("read");
        let mut r = rec.borrow_mut().finish();
        assert_eq!(r.observations.len(), 1);
        r.observations.remove(0)
    }

    fn set_mtime(path: &Path, t: SystemTime) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .expect("open")
            .set_modified(t)
            .expect("set mtime");
    }

    use std::path::Path;

    #[test]
    fn a_trusted_stat_stands_for_the_contents_and_a_changed_one_does_not() {
        let d = tempfile::tempdir().expect("tempdir");
        let f = d.path().join("f.nix");
        std::fs::write(&f, "aaa").expect("write");
        let p = f.to_str().expect("utf-8");
        // No racy window: the file's times are already in the past.
        std::thread::sleep(Duration::from_millis(20));
        let obs = record_read(p, Duration::ZERO);
        let Obs::File { stat, .. } = &obs else {
            panic!("not a file observation: {obs:?}")
        };
        assert!(stat.is_some(), "a stat older than the recording is kept");
        assert!(obs.holds());
        // Same size, same mtime, other contents: the change time differs, so the
        // contents are compared, and they differ.
        let mtime = std::fs::metadata(&f)
            .and_then(|m| m.modified())
            .expect("mtime");
        std::fs::write(&f, "bbb").expect("write");
        set_mtime(&f, mtime);
        assert!(!obs.holds());
        // Back to the old contents: the stat differs, the contents decide.
        std::fs::write(&f, "aaa").expect("write");
        assert!(obs.holds());
    }

    #[test]
    fn a_file_changed_within_the_racy_window_is_always_hashed() {
        let d = tempfile::tempdir().expect("tempdir");
        let f = d.path().join("f.nix");
        std::fs::write(&f, "aaa").expect("write");
        let obs = record_read(f.to_str().expect("utf-8"), Duration::from_secs(3600));
        let Obs::File { stat, contents, .. } = &obs else {
            panic!("not a file observation: {obs:?}")
        };
        assert_eq!(*stat, None);
        assert_eq!(contents.as_deref().ok(), Some(sha256_hex(b"aaa").as_str()));
    }

    #[test]
    fn every_kind_of_observation_is_checked_again() {
        let d = tempfile::tempdir().expect("tempdir");
        let base = d.path().to_str().expect("utf-8").to_string();
        std::fs::write(d.path().join("a"), "a").expect("write");
        std::os::unix::fs::symlink("a", d.path().join("l")).expect("symlink");
        let rec = Recorder::new(Duration::ZERO);
        let io = RecordingIo::new(Box::new(StdIo), rec.clone());
        io.read_dir(&base).expect("read_dir");
        assert_eq!(io.file_type(&format!("{base}/missing")), None);
        assert_eq!(
            io.file_type_follow(&format!("{base}/l")),
            Some(FileType::Regular)
        );
        io.lstat(&format!("{base}/a")).expect("lstat");
        io.read_link(&format!("{base}/l")).expect("readlink");
        assert!(io.read_file(&format!("{base}/gone")).is_err());
        let r = rec.borrow_mut().finish();
        assert_eq!(r.observations.len(), 6);
        assert!(r.uncacheable.is_none());
        assert!(r.observations.iter().all(Obs::holds));
        std::fs::write(d.path().join("missing"), "").expect("write");
        std::fs::write(d.path().join("gone"), "").expect("write");
        std::fs::write(d.path().join("a"), "longer").expect("write");
        std::fs::remove_file(d.path().join("l")).expect("rm");
        std::os::unix::fs::symlink("nowhere", d.path().join("l")).expect("symlink");
        let still: Vec<&Obs> = r.observations.iter().filter(|o| o.holds()).collect();
        assert!(still.is_empty(), "unchanged after every change: {still:?}");
    }

    #[test]
    fn pseudo_files_and_devices_make_a_recording_uncacheable() {
        for p in ["/proc/uptime", "/dev/null"] {
            let rec = Recorder::new(Duration::ZERO);
            let io = RecordingIo::new(Box::new(StdIo), rec.clone());
            io.read_file(p).expect("read");
            let r = rec.borrow_mut().finish();
            assert!(r.uncacheable.is_some(), "{p}");
        }
    }

    #[test]
    fn an_empty_file_is_always_hashed() {
        let d = tempfile::tempdir().expect("tempdir");
        let f = d.path().join("empty");
        std::fs::write(&f, "").expect("write");
        std::thread::sleep(Duration::from_millis(20));
        let obs = record_read(f.to_str().expect("utf-8"), Duration::ZERO);
        let Obs::File { stat, .. } = &obs else {
            panic!("not a file observation: {obs:?}")
        };
        assert_eq!(*stat, None);
    }

    #[test]
    fn the_clock_makes_a_recording_uncacheable() {
        let rec = Recorder::new(Duration::ZERO);
        let io = RecordingIo::new(Box::new(StdIo), rec.clone());
        io.current_time();
        let r = rec.borrow_mut().finish();
        assert!(r.uncacheable.is_some());
    }

    #[test]
    fn a_file_read_twice_with_different_contents_is_uncacheable() {
        let d = tempfile::tempdir().expect("tempdir");
        let f = d.path().join("f");
        let p = f.to_str().expect("utf-8");
        let rec = Recorder::new(Duration::ZERO);
        let io = RecordingIo::new(Box::new(StdIo), rec.clone());
        std::fs::write(&f, "1").expect("write");
        io.read_file(p).expect("read");
        io.read_file(p).expect("read");
        assert!(rec.borrow().rec.uncacheable.is_none());
        std::fs::write(&f, "2").expect("write");
        io.read_file(p).expect("read");
        let r = rec.borrow_mut().finish();
        assert_eq!(r.observations.len(), 1);
        assert!(r.uncacheable.is_some());
    }
}
