//! A running container's state file (`state.json` in its state directory) and lock
//! (`lock`, held by the runtime for the container's lifetime). The state file is
//! written atomically (temp file + rename) and carries a version.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const STATE_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{op} {path}")]
    Io {
        op: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("container {name} is already running (lock {path} is held)")]
    Locked { name: String, path: PathBuf },
    #[error("container {0} is not running (no state in {1})")]
    NotRunning(String, PathBuf),
    #[error("container {0} is not running (its PID 1, {1}, has exited)")]
    Stale(String, i32),
    #[error("reading {path}: {msg}")]
    Parse { path: PathBuf, msg: String },
    #[error("{path} has state version {found}, this nest reads version {STATE_VERSION}")]
    Version { path: PathBuf, found: u32 },
}

/// What `nest container exec` and the supervisor need to find and enter a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub version: u32,
    pub name: String,
    /// PID 1 of the container, as the host sees it.
    pub pid: i32,
    /// Its start time (`/proc/PID/stat` field 22): the pid alone may be reused.
    pub start_time: u64,
    pub cgroups: Vec<PathBuf>,
    pub host_veth: Option<String>,
    pub environment: BTreeMap<String, String>,
    /// The bounding set processes entering later get.
    pub capabilities: u64,
    pub no_new_privileges: bool,
    pub seccomp: bool,
}

impl State {
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join("state.json")
    }

    pub fn write(&self, state_dir: &Path) -> Result<(), StateError> {
        self.prepare(state_dir)?.publish()
    }

    /// Writes the state to a temporary file in `state_dir` without making it visible:
    /// [`Prepared::publish`] does that with one rename. The runtime prepares while the
    /// container's first process sets itself up and publishes once it runs.
    pub fn prepare(&self, state_dir: &Path) -> Result<Prepared, StateError> {
        let path = State::path(state_dir);
        let tmp = state_dir.join(".state.json.tmp");
        let text = serde_json::to_string_pretty(self).map_err(|e| StateError::Parse {
            path: path.clone(),
            msg: e.to_string(),
        })?;
        std::fs::write(&tmp, text).map_err(|source| StateError::Io {
            op: "writing",
            path: tmp.clone(),
            source,
        })?;
        Ok(Prepared { tmp, path })
    }

    /// Reads the state of a container and checks that its PID 1 is still the process
    /// that was started (same pid and start time).
    pub fn load_running(name: &str, state_dir: &Path) -> Result<State, StateError> {
        let path = State::path(state_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StateError::NotRunning(
                    name.to_string(),
                    state_dir.to_path_buf(),
                ))
            }
            Err(source) => {
                return Err(StateError::Io {
                    op: "reading",
                    path,
                    source,
                })
            }
        };
        let state: State = serde_json::from_str(&text).map_err(|e| StateError::Parse {
            path: path.clone(),
            msg: e.to_string(),
        })?;
        if state.version != STATE_VERSION {
            return Err(StateError::Version {
                path,
                found: state.version,
            });
        }
        if nest_sys::process::start_time(state.pid) != Some(state.start_time) {
            return Err(StateError::Stale(name.to_string(), state.pid));
        }
        Ok(state)
    }

    pub fn remove(state_dir: &Path) {
        let _ = std::fs::remove_file(State::path(state_dir));
    }
}

/// A state file written but not yet visible (see [`State::prepare`]); dropped without
/// [`Prepared::publish`], its temporary file is removed.
#[derive(Debug)]
pub struct Prepared {
    tmp: PathBuf,
    path: PathBuf,
}

impl Prepared {
    /// Makes the state visible, atomically.
    pub fn publish(mut self) -> Result<(), StateError> {
        // Taken, so that the drop below has nothing left to remove.
        let tmp = std::mem::take(&mut self.tmp);
        std::fs::rename(&tmp, &self.path).map_err(|source| StateError::Io {
            op: "renaming to",
            path: self.path.clone(),
            source,
        })
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The container's lock: held while the runtime runs it.
pub struct Lock {
    _file: nix::fcntl::Flock<std::fs::File>,
}

impl Lock {
    pub fn acquire(name: &str, state_dir: &Path) -> Result<Lock, StateError> {
        let path = state_dir.join("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| StateError::Io {
                op: "opening",
                path: path.clone(),
                source,
            })?;
        match nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock) {
            Ok(f) => Ok(Lock { _file: f }),
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => Err(StateError::Locked {
                name: name.to_string(),
                path,
            }),
            Err((_, e)) => Err(StateError::Io {
                op: "locking",
                path,
                source: std::io::Error::from_raw_os_error(e as i32),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        State {
            version: STATE_VERSION,
            name: "c1".into(),
            pid: 1,
            start_time: 2,
            cgroups: vec![],
            host_veth: None,
            environment: BTreeMap::new(),
            capabilities: 0,
            no_new_privileges: false,
            seccomp: false,
        }
    }

    #[test]
    fn prepared_state_is_invisible_until_published_and_removed_if_dropped() {
        struct RemoveDir(PathBuf);
        impl Drop for RemoveDir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
        impl RemoveDir {
            fn path(&self) -> &Path {
                &self.0
            }
        }
        let dir =
            RemoveDir(std::env::temp_dir().join(format!("nest-state-test-{}", std::process::id())));
        std::fs::create_dir_all(dir.path()).expect("temp dir");
        let p = state().prepare(dir.path()).expect("prepare");
        assert!(
            !State::path(dir.path()).exists(),
            "not visible before publish"
        );
        p.publish().expect("publish");
        let text = std::fs::read_to_string(State::path(dir.path())).expect("published");
        let back: State = serde_json::from_str(&text).expect("json");
        assert_eq!(back, state());
        assert!(!dir.path().join(".state.json.tmp").exists());

        State::remove(dir.path());
        drop(state().prepare(dir.path()).expect("prepare"));
        assert!(
            !dir.path().join(".state.json.tmp").exists(),
            "dropped: removed"
        );
        assert!(!State::path(dir.path()).exists());
    }
}
