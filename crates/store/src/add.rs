//! Adding paths atomically: fill a temporary directory inside the store, make it
//! canonical (read-only, mtime 1), hash and scan it, rename it into place, then register
//! it in one transaction, all under the path's lock. A crash before the registration
//! leaves an unregistered path, which is invalid: the next add replaces it and `gc`
//! deletes it.

use crate::db::PathInfo;
use crate::error::StoreError;
use crate::lock::PathLock;
use crate::refscan::RefScanner;
use crate::Store;
use nest_nixcompat::hash::Hasher;
use nest_nixcompat::{nar, paths, FileIngestionMethod, FixedOutputHash, Hash, HashAlgo, StorePath};
use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// How the references of a new path are found.
#[derive(Debug, Clone)]
pub enum References {
    /// Known in advance (`toFile`, `.drv` files, sources).
    Given(BTreeSet<StorePath>),
    /// Scanned for among these candidates (build outputs: the input closure and the outputs).
    Scan(BTreeSet<StorePath>),
}

/// One path to move into the store and register.
#[derive(Debug, Clone)]
pub struct NewPath {
    /// Where its contents are now (a temporary directory in the store, or its final place).
    pub temp: PathBuf,
    pub path: StorePath,
    pub references: References,
    pub deriver: Option<StorePath>,
    pub ca: Option<String>,
    /// When set, the NAR hash the contents must have.
    pub expected_nar_hash: Option<Hash>,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

struct Tee<'a> {
    hasher: &'a mut Hasher,
    scanner: &'a mut RefScanner,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.write_all(buf)?;
        self.scanner.write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The file system as a NAR source, reading file contents in blocks that grow up to
/// 1 MiB while a file fills them: with `std::io::copy`'s 8 KiB, hashing a large path
/// spent a good part of its time in `read` calls.
struct BlockSource {
    fs: nar::FsSource<'static>,
    buf: Vec<u8>,
}

impl BlockSource {
    fn new() -> BlockSource {
        BlockSource {
            fs: nar::FsSource::new(),
            buf: vec![0; 64 << 10],
        }
    }
}

impl nar::NarSource for BlockSource {
    type Error = std::io::Error;

    fn metadata(&mut self, path: &Path) -> std::io::Result<nar::NarMetadata> {
        self.fs.metadata(path)
    }

    fn read_dir(&mut self, path: &Path) -> std::io::Result<Vec<std::ffi::OsString>> {
        self.fs.read_dir(path)
    }

    fn copy_contents(&mut self, path: &Path, out: &mut dyn Write) -> std::io::Result<()> {
        use std::io::Read;
        let annotate = |e: std::io::Error| {
            std::io::Error::new(e.kind(), format!("reading file '{}': {e}", path.display()))
        };
        let mut f = std::fs::File::open(path).map_err(annotate)?;
        loop {
            match f.read(&mut self.buf) {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    out.write_all(&self.buf[..n])?;
                    if n == self.buf.len() && n < (1 << 20) {
                        self.buf.resize(n * 4, 0);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(annotate(e)),
            }
        }
    }
}

/// NAR hash, NAR size and the candidates referenced by the tree at `path`.
pub fn hash_and_scan(
    path: &Path,
    candidates: &BTreeSet<StorePath>,
) -> Result<(Hash, u64, BTreeSet<StorePath>), StoreError> {
    let mut hasher = Hasher::new(HashAlgo::Sha256);
    let mut scanner = RefScanner::new(candidates);
    {
        let mut tee = Tee {
            hasher: &mut hasher,
            scanner: &mut scanner,
        };
        nar::dump(&mut BlockSource::new(), path, &mut tee).map_err(io("serialising", path))?;
    }
    let size = hasher.len();
    Ok((hasher.finish(), size, scanner.finish()))
}

/// Makes a tree canonical like Nix: no write bits, no setuid/setgid, executables 0555,
/// other files 0444, directories 0555, every mtime 1 (the epoch + 1 s).
pub fn canonicalise(path: &Path) -> Result<(), StoreError> {
    let md = std::fs::symlink_metadata(path).map_err(io("getting status of", path))?;
    let ft = md.file_type();
    if ft.is_dir() {
        for ent in std::fs::read_dir(path).map_err(io("reading directory", path))? {
            let ent = ent.map_err(io("reading directory", path))?;
            canonicalise(&ent.path())?;
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o555))
            .map_err(io("chmod", path))?;
    } else if ft.is_file() {
        let mode = if md.permissions().mode() & 0o100 != 0 {
            0o555
        } else {
            0o444
        };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(io("chmod", path))?;
    } else if !ft.is_symlink() {
        return Err(StoreError::Io {
            op: "adding",
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "unsupported file type (not a file, directory or symlink)",
            ),
        });
    }
    let one = nix::sys::time::TimeVal::new(1, 0);
    nix::sys::stat::lutimes(path, &one, &one).map_err(|e| StoreError::Io {
        op: "setting mtime of",
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    Ok(())
}

/// Deletes a tree that may be read-only.
pub fn remove_tree(path: &Path) -> Result<(), StoreError> {
    let md = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(StoreError::Io {
                op: "getting status of",
                path: path.to_path_buf(),
                source: e,
            })
        }
    };
    if md.is_dir() {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(io("chmod", path))?;
        for ent in std::fs::read_dir(path).map_err(io("reading directory", path))? {
            let ent = ent.map_err(io("reading directory", path))?;
            remove_tree(&ent.path())?;
        }
        std::fs::remove_dir(path).map_err(io("removing", path))
    } else {
        std::fs::remove_file(path).map_err(io("removing", path))
    }
}

/// Copies a file, directory or symlink (symlinks are not followed), keeping the
/// executable bit.
pub fn copy_tree(src: &Path, dst: &Path) -> Result<(), StoreError> {
    let md = std::fs::symlink_metadata(src).map_err(io("getting status of", src))?;
    let ft = md.file_type();
    if ft.is_symlink() {
        let t = std::fs::read_link(src).map_err(io("reading symlink", src))?;
        std::os::unix::fs::symlink(&t, dst).map_err(io("creating symlink", dst))
    } else if ft.is_dir() {
        std::fs::create_dir(dst).map_err(io("creating directory", dst))?;
        for ent in std::fs::read_dir(src).map_err(io("reading directory", src))? {
            let ent = ent.map_err(io("reading directory", src))?;
            copy_tree(&ent.path(), &dst.join(ent.file_name()))?;
        }
        Ok(())
    } else if ft.is_file() {
        std::fs::copy(src, dst).map_err(io("copying", src))?;
        let mode = if md.permissions().mode() & 0o100 != 0 {
            0o755
        } else {
            0o644
        };
        std::fs::set_permissions(dst, std::fs::Permissions::from_mode(mode))
            .map_err(io("chmod", dst))
    } else {
        Err(StoreError::Io {
            op: "copying",
            path: src.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "unsupported file type"),
        })
    }
}

impl Store {
    /// The lock file guarding `p` while it is added or built.
    pub fn lock_path(&self, p: &StorePath) -> Result<PathLock, StoreError> {
        PathLock::exclusive(&self.root().join(format!("{}.lock", p.base_name())))
    }

    /// Held (shared) by every add; `gc` takes it exclusively.
    pub fn gc_lock_shared(&self) -> Result<PathLock, StoreError> {
        PathLock::shared(&self.state_dir().join("gc.lock"))
    }

    /// A fresh temporary location inside the store (same file system, so the final
    /// rename is atomic). Names start with a dot so they never parse as store paths.
    pub fn temp_location(&self, hint: &str) -> PathBuf {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        self.root()
            .join(format!(".tmp-{}-{n}-{hint}", std::process::id()))
    }

    /// Adds `path` with contents written by `fill` into the directory entry it is given.
    /// Idempotent: an already valid path is returned without calling `fill`.
    pub fn add_with(
        &self,
        path: &StorePath,
        references: References,
        ca: Option<String>,
        expected_nar_hash: Option<Hash>,
        fill: impl FnOnce(&Path) -> Result<(), StoreError>,
    ) -> Result<StorePath, StoreError> {
        let _gc = self.gc_lock_shared()?;
        let _lock = self.lock_path(path)?;
        self.add_temp_root(path)?;
        if self.is_valid(path)? {
            return Ok(path.clone());
        }
        let temp = self.temp_location(path.base_name());
        remove_tree(&temp)?;
        let r = fill(&temp).and_then(|()| {
            self.finish_locked(vec![NewPath {
                temp: temp.clone(),
                path: path.clone(),
                references,
                deriver: None,
                ca,
                expected_nar_hash,
            }])
        });
        if r.is_err() {
            let _ = remove_tree(&temp);
        }
        r.map(|_| path.clone())
    }

    /// Canonicalises, hashes and scans each new path, renames it into place and
    /// registers them all in one transaction. The caller holds every path's lock (see
    /// [`Store::lock_path`]) and the shared GC lock.
    pub fn finish_locked(&self, new: Vec<NewPath>) -> Result<Vec<PathInfo>, StoreError> {
        let mut infos = Vec::new();
        for n in &new {
            canonicalise(&n.temp)?;
            let candidates = match &n.references {
                References::Given(_) => BTreeSet::new(),
                References::Scan(c) => c.clone(),
            };
            let (nar_hash, nar_size, found) = hash_and_scan(&n.temp, &candidates)?;
            if let Some(exp) = &n.expected_nar_hash {
                if *exp != nar_hash {
                    return Err(StoreError::Changed {
                        path: self.print(&n.path),
                        expected: exp.to_string_as(nest_nixcompat::HashEncoding::Nixbase32, true),
                        got: nar_hash.to_string_as(nest_nixcompat::HashEncoding::Nixbase32, true),
                    });
                }
            }
            let references = match &n.references {
                References::Given(g) => g.clone(),
                References::Scan(_) => found,
            };
            infos.push(PathInfo {
                path: n.path.clone(),
                nar_hash,
                nar_size,
                deriver: n.deriver.clone(),
                references,
                registration_time: 0,
                ca: n.ca.clone(),
            });
        }
        for n in &new {
            let dest = self.real_path(&n.path);
            if n.temp != dest {
                // A leftover unregistered copy (an earlier crash) is garbage.
                remove_tree(&dest)?;
                std::fs::rename(&n.temp, &dest).map_err(io("moving into place", &n.temp))?;
            }
        }
        self.db().register(self.store_dir(), &infos)?;
        Ok(infos)
    }

    /// `nix-store --add` / `builtins.path`: the tree at `src`, NAR-hashed, as `name`.
    pub fn add_path(&self, src: &Path, name: &str) -> Result<StorePath, StoreError> {
        let (hash, _) = nar::nar_hash_fs(src, None).map_err(io("hashing", src))?;
        let path = paths::source_path(self.store_dir(), name, &hash).map_err(|e| {
            StoreError::PathCompute {
                name: name.into(),
                msg: e.to_string(),
            }
        })?;
        let ca = format!("fixed:r:sha256:{}", hash.to_nixbase32());
        self.add_with(
            &path,
            References::Given(BTreeSet::new()),
            Some(ca),
            Some(hash),
            |tmp| copy_tree(src, tmp),
        )
    }

    /// `builtins.path { recursive = false; }`: a single file, flat-hashed.
    pub fn add_path_flat(&self, src: &Path, name: &str) -> Result<StorePath, StoreError> {
        let bytes = std::fs::read(src).map_err(io("reading", src))?;
        let hash = HashAlgo::Sha256.digest(&bytes);
        let foh = FixedOutputHash {
            method: FileIngestionMethod::Flat,
            hash,
        };
        let path =
            paths::make_fixed_output_path(self.store_dir(), &foh, name, &BTreeSet::new(), false)
                .map_err(|e| StoreError::PathCompute {
                    name: name.into(),
                    msg: e.to_string(),
                })?;
        let ca = format!("fixed:sha256:{}", hash.to_nixbase32());
        let exec = std::fs::metadata(src)
            .map_err(io("getting status of", src))?
            .permissions()
            .mode()
            & 0o100
            != 0;
        self.add_with(
            &path,
            References::Given(BTreeSet::new()),
            Some(ca),
            None,
            |tmp| {
                std::fs::write(tmp, &bytes).map_err(io("writing", tmp))?;
                let mode = if exec { 0o755 } else { 0o644 };
                std::fs::set_permissions(tmp, std::fs::Permissions::from_mode(mode))
                    .map_err(io("chmod", tmp))
            },
        )
    }

    /// `builtins.toFile` and `.drv` files: a text file with known references.
    pub fn add_text(
        &self,
        name: &str,
        text: &[u8],
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath, StoreError> {
        let path = paths::text_path(self.store_dir(), name, text, references).map_err(|e| {
            StoreError::PathCompute {
                name: name.into(),
                msg: e.to_string(),
            }
        })?;
        let ca = format!(
            "text:sha256:{}",
            HashAlgo::Sha256.digest(text).to_nixbase32()
        );
        self.add_with(
            &path,
            References::Given(references.clone()),
            Some(ca),
            None,
            |tmp| std::fs::write(tmp, text).map_err(io("writing", tmp)),
        )
    }
}
