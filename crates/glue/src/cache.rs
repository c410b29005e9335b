//! The evaluation cache (`<state>/eval-cache/<key>.json`): the result of an evaluation
//! kept with everything it depended on ([`crate::record`]), reused only when every
//! recorded observation still holds and every store path it wrote is still valid.
//! The key covers the request (expression or file, attribute path, search path,
//! dry run or write, working directory, store directory, system) and nest's own
//! identity (version and the executable's inode and times), so a rebuilt nest never
//! reuses an older one's results. Entries are written atomically (temporary file,
//! fsync, rename), so concurrent runs at worst both write a complete entry; an
//! unreadable entry is a miss and is written again. The newest [`DEFAULT_ENTRIES`]
//! entries (by last use) are kept.

use crate::record::{Obs, Recording};
use crate::{EvalRequest, Input};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Bumped whenever the entry format or what the key covers changes.
pub const CACHE_VERSION: u32 = 1;
/// Entries kept in the cache directory.
pub const DEFAULT_ENTRIES: usize = 32;
/// How recent a file's change may be for its stat to be distrusted (see `Recorder`).
pub const DEFAULT_RACY_WINDOW: Duration = Duration::from_secs(2);
/// Temporary files older than this are from runs that died while writing.
const STALE_TMP: Duration = Duration::from_secs(600);

/// Whether and where evaluations are cached.
#[derive(Debug, Clone)]
pub struct EvalCache {
    dir: Option<PathBuf>,
    max_entries: usize,
    racy_window: Duration,
    salt: String,
}

/// What the cache did for one evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Caching is off (`--no-eval-cache`).
    Disabled,
    /// The result was reused; nothing was evaluated.
    Hit,
    /// Evaluated: why the cache could not answer, and whether the result was stored
    /// (an error says why not).
    Miss {
        why: String,
        stored: Result<(), String>,
    },
    /// Evaluated, and the result cannot be reused: why.
    Uncacheable { why: String },
}

impl std::fmt::Display for CacheOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CacheOutcome::Disabled => write!(f, "evaluation cache: off"),
            CacheOutcome::Hit => write!(f, "evaluation cache: hit"),
            CacheOutcome::Miss { why, stored } => {
                write!(f, "evaluation cache: miss ({why}); ")?;
                match stored {
                    Ok(()) => write!(f, "result stored"),
                    Err(e) => write!(f, "result not stored: {e}"),
                }
            }
            CacheOutcome::Uncacheable { why } => {
                write!(f, "evaluation cache: not stored: {why}")
            }
        }
    }
}

/// One cache file.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Entry {
    version: u32,
    key: String,
    /// What the key was made of, for people reading the file.
    request: serde_json::Value,
    observations: Vec<Obs>,
    traces: Vec<String>,
    added: Vec<String>,
    result: serde_json::Value,
}

/// A usable entry's result and the trace lines to print again.
pub(crate) struct Found {
    pub result: serde_json::Value,
    pub traces: Vec<String>,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl EvalCache {
    /// A cache in `<state_dir>/eval-cache`.
    pub fn in_state_dir(state_dir: &Path) -> EvalCache {
        EvalCache {
            dir: Some(state_dir.join("eval-cache")),
            max_entries: DEFAULT_ENTRIES,
            racy_window: DEFAULT_RACY_WINDOW,
            salt: String::new(),
        }
    }

    /// No caching.
    pub fn disabled() -> EvalCache {
        EvalCache {
            dir: None,
            max_entries: DEFAULT_ENTRIES,
            racy_window: DEFAULT_RACY_WINDOW,
            salt: String::new(),
        }
    }

    pub fn max_entries(mut self, n: usize) -> EvalCache {
        self.max_entries = n.max(1);
        self
    }

    pub fn racy_window(mut self, d: Duration) -> EvalCache {
        self.racy_window = d;
        self
    }

    /// Extra text in the key: results cached under another salt are not reused.
    pub fn salt(mut self, s: impl Into<String>) -> EvalCache {
        self.salt = s.into();
        self
    }

    pub fn is_enabled(&self) -> bool {
        self.dir.is_some()
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    pub(crate) fn window(&self) -> Duration {
        self.racy_window
    }

    /// The key material of `req` (hashed for the file name).
    pub(crate) fn request(
        &self,
        store: &nest_store::Store,
        req: &EvalRequest,
        current_system: &str,
    ) -> serde_json::Value {
        let exe = std::env::current_exe().ok().and_then(|p| {
            let m = std::fs::metadata(&p).ok()?;
            Some(serde_json::json!({
                "path": p.to_string_lossy(),
                "dev": m.dev(), "ino": m.ino(), "size": m.size(),
                "mtime": [m.mtime(), m.mtime_nsec()],
                "ctime": [m.ctime(), m.ctime_nsec()],
            }))
        });
        let cwd = std::env::current_dir()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        // The working directory is part of the key only where the evaluation resolves
        // something against it: an expression's relative paths, relative search-path
        // entries. A file is keyed by its absolute path, so `nest switch -f host.nix`
        // from its directory and `-f /etc/nest/host.nix` from anywhere share an entry.
        let relative_search = req
            .search_path
            .iter()
            .any(|(_, p)| !p.starts_with('/') && !p.contains("://"));
        let input = match &req.input {
            Input::Expr(e) => serde_json::json!({ "expr": e }),
            Input::File(p) => serde_json::json!({ "file": crate::absolute_input(p, &cwd) }),
        };
        let cwd = match &req.input {
            Input::Expr(_) => Some(cwd),
            Input::File(_) if relative_search => Some(cwd),
            Input::File(_) => None,
        };
        serde_json::json!({
            "cacheVersion": CACHE_VERSION,
            "nestVersion": env!("CARGO_PKG_VERSION"),
            "exe": exe,
            "salt": self.salt,
            "input": input,
            "cwd": cwd,
            "attrPath": req.attr_path,
            "searchPath": req.search_path,
            "dryRun": req.dry_run,
            "importFromDerivation": req.build.is_some(),
            "storeDir": store.store_dir().as_str(),
            "system": current_system,
        })
    }

    pub(crate) fn key_of(request: &serde_json::Value) -> String {
        crate::record::sha256_hex(request.to_string().as_bytes())
    }

    fn file(&self, key: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(format!("{key}.json")))
    }

    /// The entry for `key` if it can be reused now; otherwise why not.
    pub(crate) fn lookup(&self, store: &nest_store::Store, key: &str) -> Result<Found, String> {
        let Some(file) = self.file(key) else {
            return Err("off".into());
        };
        let text = match std::fs::read(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err("no entry".into()),
            Err(e) => return Err(format!("reading '{}': {e}", file.display())),
        };
        let entry: Entry = serde_json::from_slice(&text)
            .map_err(|e| format!("unreadable entry '{}': {e}", file.display()))?;
        if entry.version != CACHE_VERSION || entry.key != key {
            return Err(format!("entry '{}' is of another version", file.display()));
        }
        for obs in &entry.observations {
            if !obs.holds() {
                return Err(format!("{} changed", obs.subject()));
            }
        }
        for p in &entry.added {
            let sp = store
                .parse_path(p)
                .map_err(|e| format!("entry names '{p}': {e}"))?;
            // Rooted before the check, so a concurrent gc cannot take it after it.
            store
                .add_temp_root(&sp)
                .map_err(|e| format!("protecting '{p}' from gc: {e}"))?;
            match store.is_valid(&sp) {
                Ok(true) => {}
                Ok(false) => return Err(format!("'{p}' is no longer in the store")),
                Err(e) => return Err(format!("querying '{p}': {e}")),
            }
        }
        // Last use decides which entries are dropped first.
        if let Ok(f) = std::fs::File::options().append(true).open(&file) {
            let _ = f.set_modified(std::time::SystemTime::now());
        }
        Ok(Found {
            result: entry.result,
            traces: entry.traces,
        })
    }

    /// Writes the entry for `key` atomically and drops the oldest entries beyond
    /// the limit.
    pub(crate) fn store(
        &self,
        key: &str,
        request: serde_json::Value,
        rec: &Recording,
        result: serde_json::Value,
    ) -> Result<(), String> {
        let (Some(dir), Some(file)) = (self.dir.as_ref(), self.file(key)) else {
            return Ok(());
        };
        let entry = Entry {
            version: CACHE_VERSION,
            key: key.to_string(),
            request,
            observations: rec.observations.clone(),
            traces: rec.traces.clone(),
            added: rec.added.iter().cloned().collect(),
            result,
        };
        let text = serde_json::to_vec(&entry).map_err(|e| format!("serialising: {e}"))?;
        std::fs::create_dir_all(dir).map_err(|e| format!("creating '{}': {e}", dir.display()))?;
        let tmp = dir.join(format!(
            ".tmp-{}-{}-{key}",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&text)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &file)?;
            std::fs::File::open(dir)?.sync_all()
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(format!("writing '{}': {e}", file.display()));
        }
        self.prune();
        Ok(())
    }

    /// Removes the entry for `key` (its evaluation turned out uncacheable).
    pub(crate) fn remove(&self, key: &str) {
        if let Some(f) = self.file(key) {
            let _ = std::fs::remove_file(f);
        }
    }

    /// Keeps the `max_entries` most recently used entries. Another run pruning at the
    /// same time may remove a file first; that is no error.
    fn prune(&self) {
        let Some(dir) = &self.dir else { return };
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let now = std::time::SystemTime::now();
        let mut entries: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
        for e in rd.filter_map(|e| e.ok()) {
            let Some(mtime) = e.metadata().ok().and_then(|m| m.modified().ok()) else {
                continue;
            };
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".tmp-") {
                // Left by a run that died while writing; a live writer renames its
                // file within moments.
                if now.duration_since(mtime).is_ok_and(|d| d > STALE_TMP) {
                    let _ = std::fs::remove_file(e.path());
                }
            } else if name.ends_with(".json") {
                entries.push((mtime, e.path()));
            }
        }
        if entries.len() <= self.max_entries {
            return;
        }
        entries.sort();
        let excess = entries.len() - self.max_entries;
        for (_, p) in entries.into_iter().take(excess) {
            let _ = std::fs::remove_file(p);
        }
    }
}
