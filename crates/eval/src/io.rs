//! The evaluator's only door to the outside world: the `EvalIo` trait, and `StdIo`, its
//! implementation over `std::fs`/`std::env` for the CLI. Store operations default to a
//! dry run that only computes store paths.

use nest_nixcompat::nar::NarNode;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::rc::Rc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    Unknown,
}

impl FileType {
    /// The spelling `builtins.readDir` uses.
    pub fn as_nix(self) -> &'static str {
        match self {
            FileType::Regular => "regular",
            FileType::Directory => "directory",
            FileType::Symlink => "symlink",
            FileType::Unknown => "unknown",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("getting status of '{path}': {msg}")]
    Stat { path: String, msg: String },
    #[error("opening file '{path}': {msg}")]
    Open { path: String, msg: String },
    #[error("opening directory '{path}': {msg}")]
    ReadDir { path: String, msg: String },
    #[error("{0}")]
    Unsupported(String),
}

/// Everything the evaluator needs from the system. Implementations decide whether store
/// writes really happen; the evaluator only needs the resulting paths.
pub trait EvalIo {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, IoError>;
    /// A Nix file to parse (`import`, the file `nest eval` is given): `path`, or
    /// `path/default.nix` when `path` is a directory, with the path read and its bytes.
    /// `Ok(None)` when nothing is at `path` (the caller reports the failed stat).
    fn read_source(&self, path: &str) -> Result<Option<(String, Vec<u8>)>, IoError> {
        read_source_by_type(self, path)
    }
    /// A directory's entries. A name, like an environment value (`get_env`), is the
    /// OS's bytes as `text::lossless` text: the builtins decode it exactly.
    fn read_dir(&self, path: &str) -> Result<Vec<(String, FileType)>, IoError>;
    /// Type of the file at `path` without following a final symlink; `None` if absent.
    fn file_type(&self, path: &str) -> Option<FileType>;
    /// Type after following symlinks; `None` if absent.
    fn file_type_follow(&self, path: &str) -> Option<FileType>;
    fn get_env(&self, name: &str) -> Option<String>;
    /// Seconds since the epoch (`builtins.currentTime`).
    fn current_time(&self) -> i64;
    /// Output of `builtins.trace` (a line without its newline; bytes, as a Nix string
    /// traced is written as it is).
    fn trace(&self, line: &[u8]) {
        let _ = line;
    }
    /// `lstat` for NAR serialisation: type, executable bit, size.
    fn lstat(&self, path: &str) -> Result<(FileType, bool, u64), IoError>;
    /// Target of a symbolic link.
    fn read_link(&self, path: &str) -> Result<String, IoError>;
    /// Called after the evaluator computed `dest` as the store path of `src`
    /// (`"${./p}"`, `builtins.path`, `filterSource`). The default is a dry run.
    fn store_add_path(&self, src: &str, dest: &str) -> Result<(), IoError> {
        let _ = (src, dest);
        Ok(())
    }
    /// Whether store writes really happen. When false (the default), the evaluator
    /// only hashes filtered sources instead of also keeping their NAR for
    /// [`EvalIo::store_add_nar`].
    fn writes_store(&self) -> bool {
        false
    }
    /// `filterSource` / `builtins.path { filter }`: `dest` is the store path of the
    /// filtered tree whose NAR (`nix-archive-1` serialisation) is `nar`; the source
    /// cannot be copied as a whole because the filter left parts of it out. Only
    /// called when [`EvalIo::writes_store`] is true. Default: dry run.
    fn store_add_nar(&self, dest: &str, nar: &[u8]) -> Result<(), IoError> {
        let _ = (dest, nar);
        Ok(())
    }
    /// Asks the implementation to serve `tree` (made in memory, e.g. an unpacked
    /// `fetchTarball`) at the store path `root` from now on, whether or not the store
    /// is written. Only [`TreeOverlay`] does; the default answers `false`, and the
    /// evaluator then wraps its IO in one.
    fn add_tree(&self, root: &str, tree: Rc<NarNode>) -> bool {
        let _ = (root, tree);
        false
    }
    /// `builtins.toFile`: `dest` was computed from `text` and `refs`. Default: dry run.
    fn store_add_text(&self, dest: &str, text: &[u8], refs: &[String]) -> Result<(), IoError> {
        let _ = (dest, text, refs);
        Ok(())
    }
    /// `derivationStrict`: the `.drv` file contents (ATerm). Default: dry run.
    fn store_add_derivation(&self, drv_path: &str, aterm: &str) -> Result<(), IoError> {
        let _ = (drv_path, aterm);
        Ok(())
    }
}

/// `EvalIo` over the real file system and process environment.
#[derive(Default)]
pub struct StdIo;

fn ft(m: &std::fs::FileType) -> FileType {
    if m.is_symlink() {
        FileType::Symlink
    } else if m.is_dir() {
        FileType::Directory
    } else if m.is_file() {
        FileType::Regular
    } else {
        FileType::Unknown
    }
}

impl EvalIo for StdIo {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, IoError> {
        std::fs::read(path).map_err(|e| IoError::Open {
            path: path.into(),
            msg: os_msg(&e),
        })
    }
    /// A regular file in four system calls (open, fstat, read, close) instead of six (a
    /// stat to find directories, then `std::fs::read`'s open, fstat, two reads and
    /// close): an evaluation imports hundreds of files. Anything else (a directory, a
    /// pipe, a failed open) goes the general way, with its errors.
    fn read_source(&self, path: &str) -> Result<Option<(String, Vec<u8>)>, IoError> {
        if let Ok(mut f) = std::fs::File::open(path) {
            if let Ok(m) = f.metadata() {
                if m.is_file() {
                    if let Ok(size) = usize::try_from(m.len()) {
                        return read_sized(&mut f, size)
                            .map(|bytes| Some((path.to_string(), bytes)))
                            .map_err(|e| IoError::Open {
                                path: path.into(),
                                msg: os_msg(&e),
                            });
                    }
                }
            }
        }
        read_source_by_type(self, path)
    }
    fn read_dir(&self, path: &str) -> Result<Vec<(String, FileType)>, IoError> {
        let rd = std::fs::read_dir(path).map_err(|e| IoError::ReadDir {
            path: path.into(),
            msg: os_msg(&e),
        })?;
        let mut out = Vec::new();
        for ent in rd {
            let ent = ent.map_err(|e| IoError::ReadDir {
                path: path.into(),
                msg: os_msg(&e),
            })?;
            let t = ent.file_type().map(|t| ft(&t)).unwrap_or(FileType::Unknown);
            let name = ent.file_name();
            out.push((crate::text::lossless(name.as_bytes()).into_owned(), t));
        }
        Ok(out)
    }
    fn file_type(&self, path: &str) -> Option<FileType> {
        std::fs::symlink_metadata(Path::new(path))
            .ok()
            .map(|m| ft(&m.file_type()))
    }
    fn file_type_follow(&self, path: &str) -> Option<FileType> {
        std::fs::metadata(Path::new(path))
            .ok()
            .map(|m| ft(&m.file_type()))
    }
    fn get_env(&self, name: &str) -> Option<String> {
        std::env::var_os(name).map(|v| crate::text::lossless(v.as_bytes()).into_owned())
    }
    fn lstat(&self, path: &str) -> Result<(FileType, bool, u64), IoError> {
        use std::os::unix::fs::PermissionsExt;
        let m = std::fs::symlink_metadata(path).map_err(|e| IoError::Stat {
            path: path.into(),
            msg: os_msg(&e),
        })?;
        Ok((
            ft(&m.file_type()),
            m.permissions().mode() & 0o100 != 0,
            m.len(),
        ))
    }
    fn read_link(&self, path: &str) -> Result<String, IoError> {
        std::fs::read_link(path)
            .map(|p| p.to_string_lossy().into_owned())
            .map_err(|e| IoError::Stat {
                path: path.into(),
                msg: os_msg(&e),
            })
    }
    fn trace(&self, line: &[u8]) {
        use std::io::Write;
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(line);
        let _ = err.write_all(b"\n");
    }
    fn current_time(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// [`EvalIo::read_source`] as a stat of `path` and then a read of the file it names.
fn read_source_by_type<I: EvalIo + ?Sized>(
    io: &I,
    path: &str,
) -> Result<Option<(String, Vec<u8>)>, IoError> {
    let p = match io.file_type_follow(path) {
        None => return Ok(None),
        Some(FileType::Directory) => format!("{}/default.nix", path.trim_end_matches('/')),
        Some(_) => path.to_string(),
    };
    let bytes = io.read_file(&p)?;
    Ok(Some((p, bytes)))
}

/// A regular file's bytes as of the size `fstat` gave: one `read` of size + 1 bytes
/// usually returns exactly that size, the end of the file, without the second `read`
/// that `std::fs::read` makes to see the end. A file that grew or a short read goes on
/// to the real end.
fn read_sized(f: &mut std::fs::File, size: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = vec![0u8; size + 1];
    let n = loop {
        match f.read(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => break r?,
        }
    };
    buf.truncate(n);
    if n != size {
        f.read_to_end(&mut buf)?;
    }
    Ok(buf)
}

/// The OS error text without Rust's " (os error N)" suffix, as Nix prints it.
fn os_msg(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// An in-memory `EvalIo` for tests and fuzzing: a fixed set of files, no environment,
/// time zero. Directories are implied by file paths.
#[derive(Default)]
pub struct MemIo {
    pub files: std::collections::BTreeMap<String, Vec<u8>>,
    pub env: std::collections::BTreeMap<String, String>,
}

impl MemIo {
    fn is_dir(&self, path: &str) -> bool {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        path == "/" || self.files.keys().any(|k| k.starts_with(&prefix))
    }
}

impl EvalIo for MemIo {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, IoError> {
        self.files.get(path).cloned().ok_or_else(|| IoError::Open {
            path: path.into(),
            msg: "No such file or directory".into(),
        })
    }
    fn read_dir(&self, path: &str) -> Result<Vec<(String, FileType)>, IoError> {
        if !self.is_dir(path) {
            return Err(IoError::ReadDir {
                path: path.into(),
                msg: "Not a directory".into(),
            });
        }
        let prefix = format!("{}/", path.trim_end_matches('/'));
        let mut out: Vec<(String, FileType)> = Vec::new();
        for k in self.files.keys() {
            if let Some(rest) = k.strip_prefix(&prefix) {
                let (name, t) = match rest.split_once('/') {
                    Some((d, _)) => (d.to_string(), FileType::Directory),
                    None => (rest.to_string(), FileType::Regular),
                };
                if !out.iter().any(|(n, _)| *n == name) {
                    out.push((name, t));
                }
            }
        }
        Ok(out)
    }
    fn file_type(&self, path: &str) -> Option<FileType> {
        if self.files.contains_key(path) {
            Some(FileType::Regular)
        } else if self.is_dir(path) {
            Some(FileType::Directory)
        } else {
            None
        }
    }
    fn file_type_follow(&self, path: &str) -> Option<FileType> {
        self.file_type(path)
    }
    fn get_env(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }
    fn current_time(&self) -> i64 {
        0
    }
    fn lstat(&self, path: &str) -> Result<(FileType, bool, u64), IoError> {
        match self.file_type(path) {
            Some(t) => Ok((
                t,
                false,
                self.files.get(path).map(|f| f.len() as u64).unwrap_or(0),
            )),
            None => Err(IoError::Stat {
                path: path.into(),
                msg: "No such file or directory".into(),
            }),
        }
    }
    fn read_link(&self, path: &str) -> Result<String, IoError> {
        Err(IoError::Stat {
            path: path.into(),
            msg: "Invalid argument".into(),
        })
    }
}

/// An `EvalIo` that serves trees held in memory at their store paths and passes
/// everything else to the `EvalIo` it wraps. It lets a dry run read inside a
/// `fetchTarball` result that only exists as the evaluator's unpacked copy.
pub struct TreeOverlay {
    inner: Box<dyn EvalIo>,
    trees: RefCell<BTreeMap<String, Rc<NarNode>>>,
}

/// Where a path lands in an overlay tree.
enum Found {
    Node(Rc<NarNode>),
    Outside,
    Missing,
}

/// Symbolic links followed at most this many times, like the kernel's limit.
const MAX_LINKS: usize = 40;

impl TreeOverlay {
    pub fn new(inner: Box<dyn EvalIo>) -> TreeOverlay {
        TreeOverlay {
            inner,
            trees: RefCell::new(BTreeMap::new()),
        }
    }

    /// The node at `path` (without following a final symlink).
    fn lookup(&self, path: &str) -> Found {
        let trees = self.trees.borrow();
        let Some((root, tree)) = trees.iter().find(|(root, _)| {
            path == root.as_str()
                || path
                    .strip_prefix(root.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        }) else {
            return Found::Outside;
        };
        let rest = &path[root.len()..];
        let comps: Vec<Vec<u8>> = rest
            .split('/')
            .filter(|c| !c.is_empty())
            .map(|c| c.as_bytes().to_vec())
            .collect();
        let mut node: &NarNode = tree;
        for c in &comps {
            match node {
                NarNode::Directory { entries } => match entries.get(c) {
                    Some(n) => node = n,
                    None => return Found::Missing,
                },
                _ => return Found::Missing,
            }
        }
        // Trees are small (unpacked tarballs); cloning a subtree keeps borrows short.
        Found::Node(Rc::new(node.clone()))
    }

    /// `path` with symlinks inside overlay trees resolved, as far as they go.
    fn resolve(&self, path: &str) -> String {
        let mut p = path.to_string();
        for _ in 0..MAX_LINKS {
            match self.lookup(&p) {
                Found::Node(n) => match &*n {
                    NarNode::Symlink { target } => {
                        let t = String::from_utf8_lossy(target).into_owned();
                        p = if t.starts_with('/') {
                            t
                        } else {
                            let dir = p.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                            crate::eval::canon_path(&format!("{dir}/{t}"))
                        };
                    }
                    _ => return p,
                },
                _ => return p,
            }
        }
        p
    }

    fn missing(path: &str) -> IoError {
        IoError::Open {
            path: path.into(),
            msg: "No such file or directory".into(),
        }
    }
}

fn node_type(n: &NarNode) -> FileType {
    match n {
        NarNode::Regular { .. } => FileType::Regular,
        NarNode::Symlink { .. } => FileType::Symlink,
        NarNode::Directory { .. } => FileType::Directory,
    }
}

impl EvalIo for TreeOverlay {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, IoError> {
        let p = self.resolve(path);
        match self.lookup(&p) {
            Found::Outside => self.inner.read_file(&p),
            Found::Missing => Err(Self::missing(path)),
            Found::Node(n) => match &*n {
                NarNode::Regular { contents, .. } => Ok(contents.clone()),
                _ => Err(IoError::Open {
                    path: path.into(),
                    msg: "Is a directory".into(),
                }),
            },
        }
    }
    fn read_dir(&self, path: &str) -> Result<Vec<(String, FileType)>, IoError> {
        let p = self.resolve(path);
        match self.lookup(&p) {
            Found::Outside => self.inner.read_dir(&p),
            Found::Missing => Err(IoError::ReadDir {
                path: path.into(),
                msg: "No such file or directory".into(),
            }),
            Found::Node(n) => match &*n {
                NarNode::Directory { entries } => Ok(entries
                    .iter()
                    .map(|(name, n)| (crate::text::lossless(name).into_owned(), node_type(n)))
                    .collect()),
                _ => Err(IoError::ReadDir {
                    path: path.into(),
                    msg: "Not a directory".into(),
                }),
            },
        }
    }
    fn file_type(&self, path: &str) -> Option<FileType> {
        match self.lookup(path) {
            Found::Outside => self.inner.file_type(path),
            Found::Missing => None,
            Found::Node(n) => Some(node_type(&n)),
        }
    }
    fn file_type_follow(&self, path: &str) -> Option<FileType> {
        let p = self.resolve(path);
        match self.lookup(&p) {
            Found::Outside => self.inner.file_type_follow(&p),
            Found::Missing => None,
            Found::Node(n) => match node_type(&n) {
                FileType::Symlink => None,
                t => Some(t),
            },
        }
    }
    fn get_env(&self, name: &str) -> Option<String> {
        self.inner.get_env(name)
    }
    fn current_time(&self) -> i64 {
        self.inner.current_time()
    }
    fn trace(&self, line: &[u8]) {
        self.inner.trace(line)
    }
    fn lstat(&self, path: &str) -> Result<(FileType, bool, u64), IoError> {
        match self.lookup(path) {
            Found::Outside => self.inner.lstat(path),
            Found::Missing => Err(IoError::Stat {
                path: path.into(),
                msg: "No such file or directory".into(),
            }),
            Found::Node(n) => Ok(match &*n {
                NarNode::Regular {
                    executable,
                    contents,
                } => (FileType::Regular, *executable, contents.len() as u64),
                NarNode::Symlink { target } => (FileType::Symlink, false, target.len() as u64),
                NarNode::Directory { .. } => (FileType::Directory, false, 0),
            }),
        }
    }
    fn read_link(&self, path: &str) -> Result<String, IoError> {
        match self.lookup(path) {
            Found::Outside => self.inner.read_link(path),
            Found::Node(n) => match &*n {
                NarNode::Symlink { target } => Ok(String::from_utf8_lossy(target).into_owned()),
                _ => Err(IoError::Stat {
                    path: path.into(),
                    msg: "Invalid argument".into(),
                }),
            },
            Found::Missing => Err(IoError::Stat {
                path: path.into(),
                msg: "No such file or directory".into(),
            }),
        }
    }
    fn store_add_path(&self, src: &str, dest: &str) -> Result<(), IoError> {
        if let Found::Node(n) = self.lookup(src) {
            // A copy of (part of) an overlay tree: the store cannot read it from disk.
            if self.inner.writes_store() {
                return self.inner.store_add_nar(dest, &n.to_nar());
            }
            return Ok(());
        }
        self.inner.store_add_path(src, dest)
    }
    fn writes_store(&self) -> bool {
        self.inner.writes_store()
    }
    fn store_add_nar(&self, dest: &str, nar: &[u8]) -> Result<(), IoError> {
        self.inner.store_add_nar(dest, nar)
    }
    fn add_tree(&self, root: &str, tree: Rc<NarNode>) -> bool {
        self.trees.borrow_mut().insert(root.to_string(), tree);
        true
    }
    fn store_add_text(&self, dest: &str, text: &[u8], refs: &[String]) -> Result<(), IoError> {
        self.inner.store_add_text(dest, text, refs)
    }
    fn store_add_derivation(&self, drv_path: &str, aterm: &str) -> Result<(), IoError> {
        self.inner.store_add_derivation(drv_path, aterm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory of its own under the system's temporary directory, removed on drop.
    struct Scratch(std::path::PathBuf);
    impl Scratch {
        fn new(tag: &str) -> Scratch {
            let d = std::env::temp_dir().join(format!(
                "nest-eval-io-{tag}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&d);
            std::fs::create_dir_all(&d).unwrap();
            Scratch(d)
        }
        fn path(&self, name: &str) -> String {
            self.0.join(name).to_str().unwrap().to_string()
        }
    }
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn std_io_reads_sources_as_the_general_way_does() {
        let s = Scratch::new("source");
        let file = s.path("a.nix");
        std::fs::write(&file, "1 + 1\n").unwrap();
        std::fs::create_dir(s.path("dir")).unwrap();
        std::fs::write(s.path("dir/default.nix"), "{ }").unwrap();
        std::fs::create_dir(s.path("empty")).unwrap();
        std::os::unix::fs::symlink(&file, s.path("link.nix")).unwrap();
        let empty = s.path("zero.nix");
        std::fs::write(&empty, "").unwrap();
        for p in [
            file.clone(),
            s.path("dir"),
            s.path("dir/"),
            s.path("link.nix"),
            empty,
            s.path("missing.nix"),
            format!("{file}/"),
            s.path("empty"),
        ] {
            let fast = StdIo.read_source(&p).map_err(|e| e.to_string());
            let general = read_source_by_type(&StdIo, &p).map_err(|e| e.to_string());
            assert_eq!(fast, general, "{p}");
        }
        assert_eq!(
            StdIo.read_source(&s.path("dir/")).unwrap(),
            Some((s.path("dir/default.nix"), b"{ }".to_vec()))
        );
        assert_eq!(StdIo.read_source(&s.path("missing.nix")).unwrap(), None);
        let e = StdIo.read_source(&s.path("empty")).unwrap_err().to_string();
        assert!(
            e.starts_with("opening file '")
                && e.ends_with("empty/default.nix': No such file or directory"),
            "{e}"
        );
    }

    #[test]
    fn a_file_whose_size_changed_since_its_stat_is_read_to_its_end() {
        let s = Scratch::new("sized");
        let p = s.path("f");
        let text: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &text).unwrap();
        // A stat that saw it smaller (it grew since) or larger (it shrank), and the size
        // it has.
        for size in [0, 1, 4095, 9_999, 10_000, 10_001, 20_000] {
            let mut f = std::fs::File::open(&p).unwrap();
            assert_eq!(read_sized(&mut f, size).unwrap(), text, "stat size {size}");
        }
    }
}
