//! Profiles and generations, like Nix's: `<name>` → `<name>-<N>-link` → a store path.
//! Switching writes a new generation link and then replaces `<name>` by rename, so a
//! reader always sees one complete generation. Every generation link is a GC root
//! (profiles live under `<state>/profiles`).

use crate::error::StoreError;
use crate::lock::PathLock;
use crate::Store;
use nest_nixcompat::StorePath;
use std::path::{Path, PathBuf};

/// One generation of a profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Generation {
    pub number: u64,
    /// What it points to.
    pub path: String,
    /// Seconds since the epoch when it was created.
    pub created: i64,
    pub current: bool,
}

/// A profile: the path of its top symlink.
#[derive(Debug, Clone)]
pub struct Profile {
    link: PathBuf,
}

fn perr(path: &Path, what: impl Into<String>) -> StoreError {
    StoreError::Profile {
        path: path.to_path_buf(),
        what: what.into(),
    }
}

fn ioe<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

impl Profile {
    pub fn new(link: impl Into<PathBuf>) -> Profile {
        Profile { link: link.into() }
    }

    /// `<state>/profiles/<rel>`.
    pub fn in_store(store: &Store, rel: &str) -> Profile {
        Profile::new(store.state_dir().join("profiles").join(rel))
    }

    pub fn path(&self) -> &Path {
        &self.link
    }

    fn name(&self) -> Result<String, StoreError> {
        self.link
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_owned)
            .ok_or_else(|| perr(&self.link, "has no file name"))
    }

    fn dir(&self) -> Result<&Path, StoreError> {
        self.link
            .parent()
            .ok_or_else(|| perr(&self.link, "has no parent directory"))
    }

    fn gen_link(&self, n: u64) -> Result<PathBuf, StoreError> {
        Ok(self.dir()?.join(format!("{}-{n}-link", self.name()?)))
    }

    fn lock(&self) -> Result<PathLock, StoreError> {
        let dir = self.dir()?;
        std::fs::create_dir_all(dir).map_err(ioe("creating profile directory", dir))?;
        PathLock::exclusive(&dir.join(format!("{}.lock", self.name()?)))
    }

    /// The current generation number, if the profile exists.
    pub fn current(&self) -> Result<Option<u64>, StoreError> {
        let t = match std::fs::read_link(&self.link) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(StoreError::Io {
                    op: "reading profile",
                    path: self.link.clone(),
                    source: e,
                })
            }
        };
        let name = self.name()?;
        let t = t
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        Ok(parse_gen(&name, &t))
    }

    /// Every generation, oldest first.
    pub fn generations(&self) -> Result<Vec<Generation>, StoreError> {
        let name = self.name()?;
        let dir = self.dir()?;
        let current = self.current()?;
        let mut out = Vec::new();
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => {
                return Err(StoreError::Io {
                    op: "reading profile directory",
                    path: dir.to_path_buf(),
                    source: e,
                })
            }
        };
        for ent in rd.flatten() {
            let fname = ent.file_name().to_string_lossy().into_owned();
            let Some(n) = parse_gen(&name, &fname) else {
                continue;
            };
            let p = ent.path();
            let target = std::fs::read_link(&p).map_err(ioe("reading generation", &p))?;
            let created = std::fs::symlink_metadata(&p).map(|m| {
                use std::os::unix::fs::MetadataExt;
                m.mtime()
            });
            out.push(Generation {
                number: n,
                path: target.to_string_lossy().into_owned(),
                created: created.unwrap_or(0),
                current: current == Some(n),
            });
        }
        out.sort_by_key(|g| g.number);
        Ok(out)
    }

    fn point_to(&self, n: u64) -> Result<(), StoreError> {
        let name = self.name()?;
        let tmp = self
            .dir()?
            .join(format!(".{name}.tmp-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(format!("{name}-{n}-link"), &tmp)
            .map_err(ioe("creating link", &tmp))?;
        std::fs::rename(&tmp, &self.link).map_err(ioe("switching profile", &self.link))
    }

    /// Makes `path` the new current generation and returns its number. When the
    /// current generation already points to `path`, nothing changes.
    pub fn switch(&self, store: &Store, path: &StorePath) -> Result<u64, StoreError> {
        if !store.is_valid(path)? {
            return Err(StoreError::NotValid(store.print(path)));
        }
        let _l = self.lock()?;
        let target = store.real_path(path);
        let gens = self.generations()?;
        if let Some(g) = gens.iter().find(|g| g.current) {
            if Path::new(&g.path) == target {
                return Ok(g.number);
            }
        }
        let n = gens.last().map_or(1, |g| g.number + 1);
        let link = self.gen_link(n)?;
        let tmp = self.dir()?.join(format!(
            ".{}-{n}-link.tmp-{}",
            self.name()?,
            std::process::id()
        ));
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(&target, &tmp).map_err(ioe("creating generation", &tmp))?;
        std::fs::rename(&tmp, &link).map_err(ioe("creating generation", &link))?;
        self.point_to(n)?;
        Ok(n)
    }

    /// Makes generation `n` current.
    pub fn switch_generation(&self, n: u64) -> Result<(), StoreError> {
        let _l = self.lock()?;
        if !self.generations()?.iter().any(|g| g.number == n) {
            return Err(perr(&self.link, format!("generation {n} does not exist")));
        }
        self.point_to(n)
    }

    /// The generation a rollback would go to: the newest one older than the current.
    pub fn previous(&self) -> Result<Generation, StoreError> {
        let cur = self
            .current()?
            .ok_or_else(|| perr(&self.link, "does not exist"))?;
        let prev = self
            .generations()?
            .into_iter()
            .filter(|g| g.number < cur)
            .max_by_key(|g| g.number);
        prev.ok_or_else(|| {
            perr(
                &self.link,
                format!("no generation older than the current one ({cur})"),
            )
        })
    }

    /// The current generation, if the profile exists.
    pub fn current_generation(&self) -> Result<Option<Generation>, StoreError> {
        Ok(self.generations()?.into_iter().find(|g| g.current))
    }

    /// Goes back to the generation before the current one; returns its number.
    pub fn rollback(&self) -> Result<u64, StoreError> {
        let _l = self.lock()?;
        let prev = self.previous()?.number;
        self.point_to(prev)?;
        Ok(prev)
    }

    /// Makes `path` current, going back to the newest generation that already points
    /// to it (a rollback of the whole host moves each container's profile back rather
    /// than adding generations), or adding one when none does.
    pub fn select(&self, store: &Store, path: &StorePath) -> Result<u64, StoreError> {
        let target = store.real_path(path);
        let existing = {
            let _l = self.lock()?;
            let gens = self.generations()?;
            let found = gens
                .iter()
                .rev()
                .find(|g| Path::new(&g.path) == target)
                .map(|g| g.number);
            if let Some(n) = found {
                self.point_to(n)?;
            }
            found
        };
        match existing {
            Some(n) => Ok(n),
            None => self.switch(store, path),
        }
    }

    /// Deletes every generation but the current one (`nix-env --delete-generations
    /// old`); returns the numbers deleted.
    pub fn delete_old(&self) -> Result<Vec<u64>, StoreError> {
        let old: Vec<u64> = self
            .generations()?
            .into_iter()
            .filter(|g| !g.current)
            .map(|g| g.number)
            .collect();
        self.delete_generations(&old)?;
        Ok(old)
    }

    /// Deletes the given generations; the current one cannot be deleted.
    pub fn delete_generations(&self, numbers: &[u64]) -> Result<(), StoreError> {
        let _l = self.lock()?;
        let cur = self.current()?;
        for &n in numbers {
            if Some(n) == cur {
                return Err(perr(
                    &self.link,
                    format!("cannot delete the current generation ({n})"),
                ));
            }
        }
        for &n in numbers {
            let l = self.gen_link(n)?;
            match std::fs::remove_file(&l) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(perr(&self.link, format!("generation {n} does not exist")))
                }
                Err(e) => {
                    return Err(StoreError::Io {
                        op: "deleting generation",
                        path: l,
                        source: e,
                    })
                }
            }
        }
        Ok(())
    }
}

fn parse_gen(name: &str, file: &str) -> Option<u64> {
    file.strip_prefix(name)?
        .strip_prefix('-')?
        .strip_suffix("-link")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreConfig;
    use std::collections::BTreeSet;

    fn store() -> (tempfile::TempDir, Store) {
        let t = tempfile::tempdir().expect("tempdir");
        let cfg = StoreConfig {
            store_dir: t.path().join("store"),
            state_dir: t.path().join("var"),
        };
        let s = Store::open(&cfg).expect("open");
        (t, s)
    }

    #[test]
    fn select_goes_back_to_an_existing_generation_instead_of_adding_one() {
        let (_t, s) = store();
        let a = s.add_text("a", b"a", &BTreeSet::new()).expect("a");
        let b = s.add_text("b", b"b", &BTreeSet::new()).expect("b");
        let c = s.add_text("c", b"c", &BTreeSet::new()).expect("c");
        let p = Profile::in_store(&s, "containers/x");
        assert_eq!(p.switch(&s, &a).expect("1"), 1);
        assert_eq!(p.switch(&s, &b).expect("2"), 2);
        assert_eq!(p.select(&s, &a).expect("select a"), 1);
        assert_eq!(p.current().expect("current"), Some(1));
        assert_eq!(p.generations().expect("gens").len(), 2);
        // A path no generation points to becomes a new one, numbered after the newest.
        assert_eq!(p.select(&s, &c).expect("select c"), 3);
        assert_eq!(
            std::fs::canonicalize(p.path()).expect("canon"),
            s.real_path(&c)
        );
    }

    #[test]
    fn previous_and_delete_old() {
        let (_t, s) = store();
        let p = Profile::in_store(&s, "host");
        assert!(p.previous().is_err(), "no profile yet");
        assert_eq!(p.current_generation().expect("none"), None);
        for (i, t) in ["a", "b", "c"].iter().enumerate() {
            let sp = s.add_text(t, t.as_bytes(), &BTreeSet::new()).expect("add");
            assert_eq!(p.switch(&s, &sp).expect("switch"), i as u64 + 1);
        }
        assert_eq!(p.previous().expect("prev").number, 2);
        p.switch_generation(1).expect("sg");
        assert!(p.previous().is_err(), "nothing older than 1");
        assert_eq!(
            p.current_generation().expect("cur").map(|g| g.number),
            Some(1)
        );
        assert_eq!(p.delete_old().expect("delete"), vec![2, 3]);
        let gens = p.generations().expect("gens");
        assert_eq!(gens.iter().map(|g| g.number).collect::<Vec<_>>(), vec![1]);
        // Numbering continues from the newest generation left on disk, as in Nix.
        let d = s.add_text("d", b"d", &BTreeSet::new()).expect("d");
        assert_eq!(p.switch(&s, &d).expect("switch"), 2);
    }
}
