//! The store on disk: where paths live (`/nest/store`), the registration database under
//! the state directory (`/nest/var/db`), atomic and locked adds, reference scanning, GC
//! roots and garbage collection, profiles and generations, verification.
//!
//! Files this crate writes, and what guards them:
//!
//! | path | what | guard |
//! | --- | --- | --- |
//! | `<store>/<hash>-<name>` | a store path, read-only, mtime 1 | `<store>/<hash>-<name>.lock` (flock) while added |
//! | `<store>/.tmp-<pid>-*` | a path being added or built, renamed into place when complete | same lock; `gc` skips those of live pids |
//! | `<state>/db/db.sqlite` | registration database (SQLite, WAL) | SQLite transactions |
//! | `<state>/gc.lock` | shared by adds, and by builds while they make temporary roots and register; exclusive for `gc` | flock |
//! | `<state>/temproots/<pid>` | paths a live process is using (in-flight builds, fresh adds) | the process' pid |
//! | `<state>/gcroots/**` | symlinks into the store: GC roots | — |
//! | `<state>/profiles/**` | profiles and generations (`name -> name-N-link -> path`) | `<profile>.lock` |
//! | `<state>/log/**` | build logs (written by `nest-build`) | — |
//!
//! Crash safety: a path is registered only after its contents are complete and in
//! place, so a killed process leaves at most an unregistered entry (garbage for `gc`,
//! replaced by the next add). Durability across power loss is Nix's default
//! (`fsync-store-paths = false`): SQLite runs in WAL mode with `synchronous = normal`,
//! and contents are not fsynced before registration, so after a power cut a recently
//! registered path can be incomplete; `verify --check-contents` finds it.
//!
//! Why SQLite (rusqlite, bundled): the registration data is relational (paths and their
//! references, queried both ways for closures and GC), Nix keeps the same schema so its
//! tooling intuition carries over, and SQLite gives crash-safe transactions with several
//! processes (two `nest build`s at once) without a server.

#![forbid(unsafe_code)]

pub mod add;
pub mod db;
pub mod error;
pub mod gc;
pub mod lock;
pub mod profile;
pub mod refscan;
pub mod verify;

pub use db::PathInfo;
pub use error::StoreError;
pub use nest_nixcompat::{StoreDir, StorePath};

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Default locations (overridden by `NEST_STORE_DIR` / `NEST_STATE_DIR` or flags).
pub const DEFAULT_STORE_DIR: &str = "/nest/store";
pub const DEFAULT_STATE_DIR: &str = "/nest/var";

/// Where a store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    pub store_dir: PathBuf,
    pub state_dir: PathBuf,
}

impl StoreConfig {
    /// The defaults, moved by `NEST_STORE_DIR` and `NEST_STATE_DIR`.
    pub fn from_env() -> StoreConfig {
        let store_dir = std::env::var_os("NEST_STORE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| DEFAULT_STORE_DIR.into());
        let state_dir = std::env::var_os("NEST_STATE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| DEFAULT_STATE_DIR.into());
        StoreConfig {
            store_dir,
            state_dir,
        }
    }
}

/// An open store: its directory, state directory and registration database.
pub struct Store {
    dir: StoreDir,
    root: PathBuf,
    state: PathBuf,
    db: Mutex<db::Db>,
    temp_roots: Mutex<Option<std::fs::File>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("root", &self.root)
            .field("state", &self.state)
            .finish()
    }
}

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

impl Store {
    /// Opens (creating directories and the database if needed) the store described by `cfg`.
    pub fn open(cfg: &StoreConfig) -> Result<Store, StoreError> {
        let root_s = cfg
            .store_dir
            .to_str()
            .ok_or_else(|| StoreError::BadStoreDir(cfg.store_dir.clone()))?;
        let dir =
            StoreDir::new(root_s.trim_end_matches('/')).map_err(|e| StoreError::StoreDir {
                dir: cfg.store_dir.clone(),
                source: e,
            })?;
        let root = PathBuf::from(dir.as_str());
        std::fs::create_dir_all(&root).map_err(io_err("creating store directory", &root))?;
        for sub in ["db", "gcroots", "profiles", "temproots", "log"] {
            let p = cfg.state_dir.join(sub);
            std::fs::create_dir_all(&p).map_err(io_err("creating state directory", &p))?;
        }
        let db = db::Db::open(&cfg.state_dir.join("db").join("db.sqlite"))?;
        Ok(Store {
            dir,
            root,
            state: cfg.state_dir.clone(),
            db: Mutex::new(db),
            temp_roots: Mutex::new(None),
        })
    }

    pub fn store_dir(&self) -> &StoreDir {
        &self.dir
    }

    /// The store directory on disk.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn state_dir(&self) -> &Path {
        &self.state
    }

    /// Where a store path lives on disk.
    pub fn real_path(&self, p: &StorePath) -> PathBuf {
        self.root.join(p.base_name())
    }

    /// Parses a printed store path (`<store>/<hash>-<name>`, optionally with a subpath).
    pub fn parse_path(&self, s: &str) -> Result<StorePath, StoreError> {
        let (p, _) = self.dir.split(s).map_err(|e| StoreError::NotInStore {
            path: s.to_string(),
            source: e,
        })?;
        Ok(p)
    }

    pub fn print(&self, p: &StorePath) -> String {
        self.dir.print(p)
    }

    fn db(&self) -> std::sync::MutexGuard<'_, db::Db> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll
        // back on drop), so a poisoned mutex is still usable.
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_valid(&self, p: &StorePath) -> Result<bool, StoreError> {
        self.db().is_valid(&self.dir, p)
    }

    pub fn query(&self, p: &StorePath) -> Result<Option<PathInfo>, StoreError> {
        self.db().query(&self.dir, p)
    }

    pub fn all_valid(&self) -> Result<Vec<StorePath>, StoreError> {
        self.db().all_paths(&self.dir)
    }

    /// The closure of `paths` (every path reachable through references), sorted.
    pub fn closure(&self, paths: &[StorePath]) -> Result<Vec<StorePath>, StoreError> {
        self.db().closure(&self.dir, paths)
    }

    /// Registration data of the closure of `paths`, sorted by path.
    pub fn closure_infos(&self, paths: &[StorePath]) -> Result<Vec<PathInfo>, StoreError> {
        self.db().closure_infos(&self.dir, paths)
    }

    /// Records `p` as in use by this process until it exits, so a concurrent `gc`
    /// keeps it (Nix's temporary roots).
    pub fn add_temp_root(&self, p: &StorePath) -> Result<(), StoreError> {
        use std::io::Write;
        let mut g = self.temp_roots.lock().unwrap_or_else(|p| p.into_inner());
        if g.is_none() {
            let f = self
                .state
                .join("temproots")
                .join(std::process::id().to_string());
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&f)
                .map_err(io_err("opening temp roots", &f))?;
            *g = Some(file);
        }
        if let Some(file) = g.as_mut() {
            let f = self.state.join("temproots");
            writeln!(file, "{}", self.dir.print(p)).map_err(io_err("writing temp roots", &f))?;
        }
        Ok(())
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let g = self.temp_roots.get_mut().unwrap_or_else(|p| p.into_inner());
        if g.take().is_some() {
            let _ = std::fs::remove_file(
                self.state
                    .join("temproots")
                    .join(std::process::id().to_string()),
            );
        }
    }
}
