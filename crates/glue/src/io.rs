//! `EvalIo` over the store: reading goes to the file system (as `StdIo`), store writes
//! go to a [`Store`] unless this is a dry run. Each write checks that the path the
//! evaluator computed is the path the store computes for the same contents, so a
//! mismatch is an error and never a wrongly named path. Filtered sources
//! (`filterSource`, `builtins.path { filter }`) arrive as the NAR the filter produced. Reads of not-yet-built outputs of derivations written
//! in this evaluation build them first when a build configuration is set (IFD).

use nest_eval::io::{EvalIo, FileType, IoError, StdIo};
use nest_nixcompat::{Derivation, StorePath};
use nest_store::add::References;
use nest_store::Store;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

pub struct StoreIo {
    store: Arc<Store>,
    std: StdIo,
    dry_run: bool,
    build: Option<nest_build::BuildConfig>,
    /// Output path → (its `.drv`, output name), for every derivation written so far.
    outputs: RefCell<HashMap<String, (StorePath, String)>>,
}

impl StoreIo {
    pub fn new(store: Arc<Store>, dry_run: bool) -> StoreIo {
        StoreIo {
            store,
            std: StdIo,
            dry_run,
            build: None,
            outputs: RefCell::new(HashMap::new()),
        }
    }

    /// Builds outputs on first read (import from derivation) with `cfg`.
    pub fn with_builds(mut self, cfg: Option<nest_build::BuildConfig>) -> StoreIo {
        self.build = cfg;
        self
    }

    /// Import from derivation: `path` inside an output that is not valid yet, of a
    /// derivation this evaluation wrote, is built before it is read.
    fn realise(&self, path: &str) -> Result<(), IoError> {
        let (Some(cfg), false) = (&self.build, self.dry_run) else {
            return Ok(());
        };
        if !self.store.store_dir().is_in_store(path) {
            return Ok(());
        }
        let Ok(sp) = self.store.parse_path(path) else {
            return Ok(());
        };
        let printed = self.store.print(&sp);
        let Some((drv, output)) = self.outputs.borrow().get(&printed).cloned() else {
            return Ok(());
        };
        if self.store.is_valid(&sp).map_err(|e| fail(&printed, e))? {
            return Ok(());
        }
        nest_build::Builder::new(&self.store, cfg.clone())
            .realise(&[(drv, [output].into())], &nest_build::Quiet)
            .map(drop)
            .map_err(|e| {
                IoError::Unsupported(format!(
                    "building '{printed}' (import from derivation): {e}"
                ))
            })
    }
}

fn fail(dest: &str, e: impl std::fmt::Display) -> IoError {
    IoError::Unsupported(format!("adding '{dest}' to the store: {e}"))
}

impl StoreIo {
    fn parse(&self, dest: &str) -> Result<StorePath, IoError> {
        self.store.parse_path(dest).map_err(|e| fail(dest, e))
    }

    fn check(&self, dest: &str, got: &StorePath) -> Result<(), IoError> {
        let got = self.store.print(got);
        if got != dest {
            return Err(fail(
                dest,
                format!("the store computed '{got}' for the same contents"),
            ));
        }
        Ok(())
    }
}

impl EvalIo for StoreIo {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, IoError> {
        self.realise(path)?;
        self.std.read_file(path)
    }
    fn read_dir(&self, path: &str) -> Result<Vec<(String, FileType)>, IoError> {
        self.realise(path)?;
        self.std.read_dir(path)
    }
    fn file_type(&self, path: &str) -> Option<FileType> {
        self.realise(path).ok()?;
        self.std.file_type(path)
    }
    fn file_type_follow(&self, path: &str) -> Option<FileType> {
        self.realise(path).ok()?;
        self.std.file_type_follow(path)
    }
    fn get_env(&self, name: &str) -> Option<String> {
        self.std.get_env(name)
    }
    fn current_time(&self) -> i64 {
        self.std.current_time()
    }
    fn trace(&self, line: &[u8]) {
        self.std.trace(line)
    }
    fn lstat(&self, path: &str) -> Result<(FileType, bool, u64), IoError> {
        self.realise(path)?;
        self.std.lstat(path)
    }
    fn read_link(&self, path: &str) -> Result<String, IoError> {
        self.realise(path)?;
        self.std.read_link(path)
    }

    fn store_add_path(&self, src: &str, dest: &str) -> Result<(), IoError> {
        if self.dry_run {
            return Ok(());
        }
        let sp = self.parse(dest)?;
        if self.store.is_valid(&sp).map_err(|e| fail(dest, e))? {
            return Ok(());
        }
        let name = sp.name().to_string();
        let src_path = Path::new(src);
        // The evaluator does not say how it hashed `src`: recursive (NAR) is the usual
        // case, flat (`builtins.path { recursive = false; }`) the other.
        let (nar, _) =
            nest_nixcompat::nar::nar_hash_fs(src_path, None).map_err(|e| fail(dest, e))?;
        let recursive = nest_nixcompat::paths::source_path(self.store.store_dir(), &name, &nar)
            .map_err(|e| fail(dest, e))?;
        if recursive == sp {
            let got = self
                .store
                .add_path(src_path, &name)
                .map_err(|e| fail(dest, e))?;
            return self.check(dest, &got);
        }
        if self.std.file_type_follow(src) == Some(FileType::Regular) {
            let got = self
                .store
                .add_path_flat(src_path, &name)
                .map_err(|e| fail(dest, e))?;
            return self.check(dest, &got);
        }
        Err(fail(
            dest,
            format!("'{src}' does not hash to it, recursively or flat (did it change during the evaluation?)"),
        ))
    }

    fn writes_store(&self) -> bool {
        !self.dry_run
    }

    fn store_add_nar(&self, dest: &str, nar: &[u8]) -> Result<(), IoError> {
        if self.dry_run {
            return Ok(());
        }
        let sp = self.parse(dest)?;
        let hash = nest_nixcompat::HashAlgo::Sha256.digest(nar);
        let computed = nest_nixcompat::paths::source_path(self.store.store_dir(), sp.name(), &hash)
            .map_err(|e| fail(dest, e))?;
        self.check(dest, &computed)?;
        let ca = format!("fixed:r:sha256:{}", hash.to_nixbase32());
        // The store re-hashes what was unpacked against `hash`, so a NAR that does not
        // restore to itself (e.g. unsorted entries) is refused rather than registered.
        self.store
            .add_with(
                &sp,
                References::Given(BTreeSet::new()),
                Some(ca),
                Some(hash),
                |tmp| {
                    nest_nixcompat::nar::restore_from(nar, tmp).map_err(|e| {
                        nest_store::StoreError::Io {
                            op: "unpacking a filtered source into",
                            path: tmp.to_path_buf(),
                            source: std::io::Error::other(e.to_string()),
                        }
                    })
                },
            )
            .map_err(|e| fail(dest, e))?;
        Ok(())
    }

    fn store_add_text(&self, dest: &str, text: &[u8], refs: &[String]) -> Result<(), IoError> {
        if self.dry_run {
            return Ok(());
        }
        let sp = self.parse(dest)?;
        let mut set = BTreeSet::new();
        for r in refs {
            set.insert(self.parse(r)?);
        }
        let got = self
            .store
            .add_text(sp.name(), text, &set)
            .map_err(|e| fail(dest, e))?;
        self.check(dest, &got)
    }

    fn store_add_derivation(&self, drv_path: &str, aterm: &str) -> Result<(), IoError> {
        if self.dry_run {
            return Ok(());
        }
        let sp = self.parse(drv_path)?;
        let name = sp
            .name()
            .strip_suffix(".drv")
            .unwrap_or(sp.name())
            .to_string();
        let drv = Derivation::parse(self.store.store_dir(), aterm.as_bytes(), &name)
            .map_err(|e| fail(drv_path, e))?;
        let got = self
            .store
            .add_text(sp.name(), aterm.as_bytes(), &drv.references())
            .map_err(|e| fail(drv_path, e))?;
        self.check(drv_path, &got)?;
        let mut outs = self.outputs.borrow_mut();
        for (name, o) in &drv.outputs {
            if let Some(p) = o.path() {
                outs.insert(self.store.print(p), (sp.clone(), name.clone()));
            }
        }
        Ok(())
    }
}
