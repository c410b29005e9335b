//! Garbage collection: the roots (symlinks under `gcroots/` and `profiles/`, temporary
//! roots of live processes, and roots the caller adds, such as running containers'
//! systems), their closure, and deleting everything else in the store.

use crate::add::remove_tree;
use crate::error::StoreError;
use crate::lock::PathLock;
use crate::Store;
use nest_nixcompat::StorePath;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What `gc` should do besides the on-disk roots.
#[derive(Debug, Clone, Default)]
pub struct GcOptions {
    /// Only report what would be deleted.
    pub dry_run: bool,
    /// More roots (e.g. the systems of running containers).
    pub extra_roots: Vec<StorePath>,
}

/// What `gc` found and did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GcReport {
    pub roots: Vec<String>,
    /// Store entries deleted (or, in a dry run, that would be).
    pub deleted: Vec<String>,
    /// Bytes freed (apparent sizes of regular files and symlinks).
    pub bytes_freed: u64,
}

fn tree_size(p: &Path) -> u64 {
    let Ok(md) = std::fs::symlink_metadata(p) else {
        return 0;
    };
    if md.is_dir() {
        std::fs::read_dir(p)
            .map(|rd| rd.flatten().map(|e| tree_size(&e.path())).sum())
            .unwrap_or(0)
    } else {
        md.len()
    }
}

impl Store {
    /// A symlink's store path: its target if that is in the store, or where the chain
    /// of links ends (a `result` link pointing into the store, a profile).
    fn root_of_link(&self, link: &Path) -> Option<StorePath> {
        let t = std::fs::read_link(link).ok()?;
        let t = if t.is_absolute() {
            t
        } else {
            link.parent()?.join(t)
        };
        if let Some(s) = t.to_str() {
            if let Ok(p) = self.parse_path(s) {
                return Some(p);
            }
        }
        let c = std::fs::canonicalize(&t).ok()?;
        self.parse_path(c.to_str()?).ok()
    }

    fn link_roots(&self, dir: &Path, out: &mut BTreeSet<StorePath>, depth: usize) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for ent in rd.flatten() {
            let p = ent.path();
            let Ok(ft) = ent.file_type() else { continue };
            if ft.is_symlink() {
                if let Some(sp) = self.root_of_link(&p) {
                    out.insert(sp);
                }
            } else if ft.is_dir() && depth < 16 {
                self.link_roots(&p, out, depth + 1);
            }
        }
    }

    fn temp_roots(&self, out: &mut BTreeSet<StorePath>) {
        let dir = self.state_dir().join("temproots");
        let Ok(rd) = std::fs::read_dir(&dir) else {
            return;
        };
        for ent in rd.flatten() {
            let name = ent.file_name();
            let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_file(ent.path());
                continue;
            }
            let Ok(text) = std::fs::read_to_string(ent.path()) else {
                continue;
            };
            for line in text.lines() {
                if let Ok(p) = self.parse_path(line) {
                    out.insert(p);
                }
            }
        }
    }

    /// Every root: gcroots, profiles, temporary roots of live processes, `extra`.
    pub fn roots(&self, extra: &[StorePath]) -> BTreeSet<StorePath> {
        let mut roots: BTreeSet<StorePath> = extra.iter().cloned().collect();
        self.link_roots(&self.state_dir().join("gcroots"), &mut roots, 0);
        self.link_roots(&self.state_dir().join("profiles"), &mut roots, 0);
        self.temp_roots(&mut roots);
        roots
    }

    /// Adds a permanent root: `<state>/gcroots/<name>` → `path`.
    pub fn add_root(&self, name: &str, path: &StorePath) -> Result<PathBuf, StoreError> {
        let link = self.state_dir().join("gcroots").join(name);
        let tmp = self
            .state_dir()
            .join("gcroots")
            .join(format!(".{name}.tmp-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(self.real_path(path), &tmp).map_err(|source| {
            StoreError::Io {
                op: "creating root",
                path: tmp.clone(),
                source,
            }
        })?;
        std::fs::rename(&tmp, &link).map_err(|source| StoreError::Io {
            op: "creating root",
            path: link.clone(),
            source,
        })?;
        Ok(link)
    }

    /// Deletes every store entry outside the closure of the roots.
    pub fn gc(&self, opts: &GcOptions) -> Result<GcReport, StoreError> {
        let _gc = PathLock::exclusive(&self.state_dir().join("gc.lock"))?;
        let roots = self.roots(&opts.extra_roots);
        let valid_roots: Vec<StorePath> = roots
            .iter()
            .filter(|r| self.is_valid(r).unwrap_or(false))
            .cloned()
            .collect();
        let live: BTreeSet<StorePath> = self
            .closure(&valid_roots)?
            .into_iter()
            .chain(roots.iter().cloned())
            .collect();
        let live_names: BTreeSet<String> = live.iter().map(|p| p.base_name().to_string()).collect();
        let mut report = GcReport {
            roots: roots.iter().map(|r| self.print(r)).collect(),
            ..GcReport::default()
        };

        let mut dead_valid = Vec::new();
        let mut dead_entries = Vec::new();
        let mut stale_locks = Vec::new();
        let rd = std::fs::read_dir(self.root()).map_err(|source| StoreError::Io {
            op: "reading",
            path: self.root().to_path_buf(),
            source,
        })?;
        for ent in rd {
            let ent = ent.map_err(|source| StoreError::Io {
                op: "reading",
                path: self.root().to_path_buf(),
                source,
            })?;
            let name = ent.file_name().to_string_lossy().into_owned();
            if let Some(base) = name.strip_suffix(".lock") {
                if !live_names.contains(base) {
                    stale_locks.push(ent.path());
                }
                continue;
            }
            // Temporary directories (`.tmp-<pid>-…`) of a live process are builds
            // in progress (adds hold the shared GC lock, so none runs now); the
            // others are leftovers of crashed adds and builds.
            if let Some(rest) = name.strip_prefix(".tmp-") {
                let owner = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
                if owner.is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists()) {
                    continue;
                }
                dead_entries.push((None, ent.path()));
                continue;
            }
            let Ok(sp) = StorePath::from_base_name(&name) else {
                continue;
            };
            if live.contains(&sp) {
                continue;
            }
            if self.is_valid(&sp)? {
                dead_valid.push(sp.clone());
            }
            dead_entries.push((Some(sp), ent.path()));
        }
        for (sp, p) in &dead_entries {
            report.bytes_freed += tree_size(p);
            if let Some(sp) = sp {
                report.deleted.push(self.print(sp));
            }
        }
        report.deleted.sort();
        if opts.dry_run {
            return Ok(report);
        }
        // Unregister first: a crash after this leaves unregistered (invalid) entries
        // that the next gc removes, never registered paths without contents.
        self.db().unregister(self.store_dir(), &dead_valid)?;
        for (_, p) in &dead_entries {
            remove_tree(p)?;
        }
        for l in stale_locks {
            // Only delete a lock nobody holds; holders check the link count.
            if let Ok(Some(_held)) = PathLock::try_exclusive(&l) {
                let _ = std::fs::remove_file(&l);
            }
        }
        Ok(report)
    }
}
