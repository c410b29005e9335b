//! Atomic, versioned JSON files (temp file in the same directory, fsync, rename, fsync
//! of the directory) and `flock` locks. A reader never sees a half-written file and a
//! crash leaves either the old or the new content.

use crate::error::{Error, Result};
use nix::fcntl::{Flock, FlockArg};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` with `data` atomically and durably.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(Error::io("creating", dir))?;
    let file_name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per process and call: two writers never share a temp file.
    let tmp = dir.join(format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(Error::io("creating", &tmp))?;
        f.write_all(data).map_err(Error::io("writing", &tmp))?;
        f.sync_all().map_err(Error::io("syncing", &tmp))?;
        std::fs::rename(&tmp, path).map_err(Error::io("renaming to", path))?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Serialises `value` as pretty JSON and writes it atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        msg: e.to_string(),
    })?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Reads a JSON file that carries a top-level `"version"`; `Ok(None)` when it does not
/// exist. The version is checked before the rest so an old nest names the problem.
pub fn read_json<T: DeserializeOwned>(path: &Path, expected: u32) -> Result<Option<T>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Io {
                op: "reading",
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let parse = |msg: String| Error::Parse {
        path: path.to_path_buf(),
        msg,
    };
    let raw: serde_json::Value = serde_json::from_str(&text).map_err(|e| parse(e.to_string()))?;
    let found = raw
        .get("version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| parse("no \"version\" field".into()))?;
    if found != u64::from(expected) {
        return Err(Error::Version {
            path: path.to_path_buf(),
            found: u32::try_from(found).unwrap_or(u32::MAX),
            expected,
        });
    }
    serde_json::from_value(raw)
        .map(Some)
        .map_err(|e| parse(e.to_string()))
}

/// An exclusive `flock` on a lock file, released on drop (and by the kernel when the
/// holder dies, so a killed command never leaves a container locked).
#[derive(Debug)]
pub struct FileLock {
    _file: Flock<File>,
    path: PathBuf,
}

impl FileLock {
    /// Waits for the lock.
    pub fn exclusive(path: &Path) -> Result<FileLock> {
        loop {
            // A blocking flock returns the lock or an error; `None` cannot happen, but
            // retrying is the harmless answer if it ever did.
            if let Some(l) = Self::take(path, FlockArg::LockExclusive)? {
                return Ok(l);
            }
        }
    }

    /// Takes the lock if it is free; `Ok(None)` when someone else holds it.
    pub fn try_exclusive(path: &Path) -> Result<Option<FileLock>> {
        Self::take(path, FlockArg::LockExclusiveNonblock)
    }

    fn take(path: &Path, how: FlockArg) -> Result<Option<FileLock>> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(Error::io("creating", dir))?;
        }
        loop {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path)
                .map_err(Error::io("opening lock", path))?;
            match Flock::lock(file, how) {
                Ok(f) => {
                    return Ok(Some(FileLock {
                        _file: f,
                        path: path.to_path_buf(),
                    }))
                }
                Err((_, nix::errno::Errno::EWOULDBLOCK)) => return Ok(None),
                Err((_, nix::errno::Errno::EINTR)) => continue,
                Err((_, e)) => {
                    return Err(Error::Io {
                        op: "locking",
                        path: path.to_path_buf(),
                        source: std::io::Error::from_raw_os_error(e as i32),
                    })
                }
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Doc {
        version: u32,
        n: u64,
    }

    #[test]
    fn round_trip_and_version_check() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/doc.json");
        assert!(read_json::<Doc>(&p, 1).unwrap().is_none());
        write_json(&p, &Doc { version: 1, n: 7 }).unwrap();
        assert_eq!(
            read_json::<Doc>(&p, 1).unwrap(),
            Some(Doc { version: 1, n: 7 })
        );
        let e = read_json::<Doc>(&p, 2).unwrap_err().to_string();
        assert!(
            e.contains("has format version 1, this nest reads version 2"),
            "{e}"
        );
        std::fs::write(&p, "{\"n\":1}").unwrap();
        assert!(read_json::<Doc>(&p, 1)
            .unwrap_err()
            .to_string()
            .contains("no \"version\""));
        std::fs::write(&p, "{trunc").unwrap();
        assert!(read_json::<Doc>(&p, 1).is_err());
        // No temp files are left behind.
        let left: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 1, "{left:?}");
    }

    #[test]
    fn try_lock_sees_a_held_lock() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.lock");
        let held = FileLock::exclusive(&p).unwrap();
        assert!(FileLock::try_exclusive(&p).unwrap().is_none());
        drop(held);
        assert!(FileLock::try_exclusive(&p).unwrap().is_some());
    }

    /// Many threads doing read-modify-write under the lock: no update is lost and the
    /// file always parses.
    #[test]
    fn concurrent_writers_under_the_lock_lose_nothing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("counter.json");
        let lock = d.path().join("counter.lock");
        write_json(&p, &Doc { version: 1, n: 0 }).unwrap();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (p, lock) = (p.clone(), lock.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let _l = FileLock::exclusive(&lock).unwrap();
                        let mut doc: Doc = read_json(&p, 1).unwrap().unwrap();
                        doc.n += 1;
                        write_json(&p, &doc).unwrap();
                    }
                })
            })
            .collect();
        // A reader without the lock never sees a torn file.
        for _ in 0..200 {
            let doc: Option<Doc> = read_json(&p, 1).unwrap();
            assert!(doc.is_some());
        }
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(read_json::<Doc>(&p, 1).unwrap().unwrap().n, 400);
    }
}
