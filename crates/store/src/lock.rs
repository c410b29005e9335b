//! File locks (`flock`) on `<path>.lock` files: per store path while it is added, per
//! profile while it is switched, and the GC lock.

use crate::error::StoreError;
use nix::fcntl::{Flock, FlockArg};
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// A held lock; released when dropped.
pub struct PathLock {
    _lock: Flock<File>,
    path: PathBuf,
}

impl std::fmt::Debug for PathLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PathLock({})", self.path.display())
    }
}

impl PathLock {
    fn acquire(path: &Path, arg: FlockArg) -> Result<Option<PathLock>, StoreError> {
        loop {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path)
                .map_err(|source| StoreError::Io {
                    op: "opening lock file",
                    path: path.to_path_buf(),
                    source,
                })?;
            let lock = match Flock::lock(file, arg) {
                Ok(l) => l,
                Err((_, nix::errno::Errno::EWOULDBLOCK)) => return Ok(None),
                Err((_, errno)) => {
                    return Err(StoreError::Lock {
                        path: path.to_path_buf(),
                        errno,
                    })
                }
            };
            // `gc` deletes stale lock files while holding them; a lock on a deleted
            // file excludes nobody, so take the new file's lock instead.
            let md = lock.metadata().map_err(|source| StoreError::Io {
                op: "stat of lock file",
                path: path.to_path_buf(),
                source,
            })?;
            if md.nlink() == 0 {
                continue;
            }
            return Ok(Some(PathLock {
                _lock: lock,
                path: path.to_path_buf(),
            }));
        }
    }

    /// Waits for the exclusive lock on `path`.
    pub fn exclusive(path: &Path) -> Result<PathLock, StoreError> {
        Self::acquire(path, FlockArg::LockExclusive)?.ok_or_else(|| StoreError::Lock {
            path: path.to_path_buf(),
            errno: nix::errno::Errno::EWOULDBLOCK,
        })
    }

    /// Waits for a shared lock on `path`.
    pub fn shared(path: &Path) -> Result<PathLock, StoreError> {
        Self::acquire(path, FlockArg::LockShared)?.ok_or_else(|| StoreError::Lock {
            path: path.to_path_buf(),
            errno: nix::errno::Errno::EWOULDBLOCK,
        })
    }

    /// The exclusive lock if nobody holds `path`; `None` otherwise.
    pub fn try_exclusive(path: &Path) -> Result<Option<PathLock>, StoreError> {
        Self::acquire(path, FlockArg::LockExclusiveNonblock)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_excludes_until_dropped() {
        let t = tempfile::tempdir().expect("tempdir");
        let p = t.path().join("x.lock");
        let a = PathLock::exclusive(&p).expect("lock");
        assert!(PathLock::try_exclusive(&p).expect("try").is_none());
        drop(a);
        assert!(PathLock::try_exclusive(&p).expect("try").is_some());
    }

    #[test]
    fn a_lock_on_a_deleted_file_is_not_reused() {
        let t = tempfile::tempdir().expect("tempdir");
        let p = t.path().join("y.lock");
        let a = PathLock::exclusive(&p).expect("lock");
        std::fs::remove_file(&p).expect("rm");
        // A new file of the same name can be locked although `a` is still held.
        let b = PathLock::try_exclusive(&p).expect("try");
        assert!(b.is_some());
        drop(a);
    }
}
