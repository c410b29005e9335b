//! Every path the supervisor reads or writes, resolved once from the environment so
//! tests (and unusual hosts) move all of them to a temporary directory.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Resolved paths. Environment variables (defaults in brackets):
/// `NEST_STATE_DIR` [/nest/var], `NEST_CONTAINERS_DIR` [$NEST_STATE_DIR/containers],
/// `NEST_RUN_DIR` [/run/nest], `NEST_ROOTS_DIR` [/var/lib/nest/containers],
/// `NEST_STORE_DIR` [/nest/store], `NEST_EXE` [this executable].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub state: PathBuf,
    pub containers: PathBuf,
    pub run: PathBuf,
    pub roots: PathBuf,
    pub store: PathBuf,
    /// The `nest` executable the monitor runs as (and that becomes PID 1 inside).
    pub nest_exe: PathBuf,
}

fn var(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl Paths {
    pub fn from_env() -> Paths {
        let state = var("NEST_STATE_DIR").unwrap_or_else(|| PathBuf::from("/nest/var"));
        Paths {
            containers: var("NEST_CONTAINERS_DIR").unwrap_or_else(|| state.join("containers")),
            run: var("NEST_RUN_DIR").unwrap_or_else(|| PathBuf::from("/run/nest")),
            roots: var("NEST_ROOTS_DIR")
                .unwrap_or_else(|| PathBuf::from("/var/lib/nest/containers")),
            store: var("NEST_STORE_DIR").unwrap_or_else(|| PathBuf::from("/nest/store")),
            nest_exe: var("NEST_EXE")
                .or_else(|| std::env::current_exe().ok())
                .unwrap_or_else(|| PathBuf::from("nest")),
            state,
        }
    }

    /// All of them below one directory (tests).
    pub fn under(base: &Path, nest_exe: &Path) -> Paths {
        Paths {
            state: base.join("var"),
            containers: base.join("var/containers"),
            run: base.join("run"),
            roots: base.join("roots"),
            store: base.join("store"),
            nest_exe: nest_exe.to_path_buf(),
        }
    }

    /// The environment that makes a child `nest` resolve the same paths.
    pub fn to_env(&self) -> Vec<(&'static str, OsString)> {
        vec![
            ("NEST_STATE_DIR", self.state.clone().into_os_string()),
            (
                "NEST_CONTAINERS_DIR",
                self.containers.clone().into_os_string(),
            ),
            ("NEST_RUN_DIR", self.run.clone().into_os_string()),
            ("NEST_ROOTS_DIR", self.roots.clone().into_os_string()),
            ("NEST_STORE_DIR", self.store.clone().into_os_string()),
            ("NEST_EXE", self.nest_exe.clone().into_os_string()),
        ]
    }

    pub fn config_file(&self, name: &str) -> PathBuf {
        self.containers.join(format!("{name}.json"))
    }

    /// The container's runtime state directory (shared with the runtime and init).
    /// The configuration module of an imperative container created from
    /// `--config-file`/`--config` (what `update NAME` without flags re-evaluates).
    pub fn module_file(&self, name: &str) -> PathBuf {
        self.containers.join(format!("{name}.nix"))
    }

    pub fn state_dir(&self, name: &str) -> PathBuf {
        self.run.join("containers").join(name)
    }

    pub fn root_dir(&self, name: &str) -> PathBuf {
        self.roots.join(name)
    }

    pub fn profile_dir(&self, name: &str) -> PathBuf {
        self.state.join("profiles/containers").join(name)
    }

    pub fn locks_dir(&self) -> PathBuf {
        self.run.join("locks")
    }

    pub fn lock_file(&self, name: &str) -> PathBuf {
        self.locks_dir().join(format!("{name}.lock"))
    }

    /// Serialises `create`/`destroy` (name uniqueness, address allocation).
    pub fn global_lock(&self) -> PathBuf {
        self.locks_dir().join(".global.lock")
    }

    pub fn daemon_socket(&self) -> PathBuf {
        self.run.join("daemon.sock")
    }

    pub fn daemon_lock(&self) -> PathBuf {
        self.run.join("daemon.lock")
    }

    pub fn daemon_info(&self) -> PathBuf {
        self.run.join("daemon.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_under_a_base() {
        let p = Paths::under(Path::new("/t"), Path::new("/bin/nest"));
        assert_eq!(
            p.config_file("a"),
            PathBuf::from("/t/var/containers/a.json")
        );
        assert_eq!(p.state_dir("a"), PathBuf::from("/t/run/containers/a"));
        assert_eq!(p.lock_file("a"), PathBuf::from("/t/run/locks/a.lock"));
        assert_eq!(
            p.profile_dir("a"),
            PathBuf::from("/t/var/profiles/containers/a")
        );
        let env = p.to_env();
        assert!(env
            .iter()
            .any(|(k, v)| *k == "NEST_RUN_DIR" && v == "/t/run"));
    }
}
