//! The evaluator's only door to the outside world: the `EvalIo` trait, and `StdIo`, its
//! implementation over `std::fs`/`std::env` for the CLI. Store operations default to a
//! dry run that only computes store paths.

use std::path::Path;

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
    #[error("reading directory '{path}': {msg}")]
    ReadDir { path: String, msg: String },
    #[error("{0}")]
    Unsupported(String),
}

/// Everything the evaluator needs from the system. Implementations decide whether store
/// writes really happen; the evaluator only needs the resulting paths.
pub trait EvalIo {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, IoError>;
    fn read_dir(&self, path: &str) -> Result<Vec<(String, FileType)>, IoError>;
    /// Type of the file at `path` without following a final symlink; `None` if absent.
    fn file_type(&self, path: &str) -> Option<FileType>;
    /// Type after following symlinks; `None` if absent.
    fn file_type_follow(&self, path: &str) -> Option<FileType>;
    fn get_env(&self, name: &str) -> Option<String>;
    /// Seconds since the epoch (`builtins.currentTime`).
    fn current_time(&self) -> i64;
    /// Output of `builtins.trace` (a line without its newline).
    fn trace(&self, line: &str) {
        let _ = line;
    }
    /// Copies `path` into the store as `name` (or pretends to) and returns the store path.
    fn add_path(&self, path: &str, name: &str, store_dir: &str) -> Result<String, IoError> {
        let _ = (path, name, store_dir);
        Err(IoError::Unsupported("copying paths to the store is not available yet".into()))
    }
    /// Writes a text file into the store (`builtins.toFile`) and returns its path.
    fn add_text(&self, name: &str, text: &str, refs: &[String], store_dir: &str) -> Result<String, IoError> {
        let _ = (name, text, refs, store_dir);
        Err(IoError::Unsupported("writing to the store is not available yet".into()))
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
        std::fs::read(path).map_err(|e| IoError::Open { path: path.into(), msg: os_msg(&e) })
    }
    fn read_dir(&self, path: &str) -> Result<Vec<(String, FileType)>, IoError> {
        let rd = std::fs::read_dir(path)
            .map_err(|e| IoError::ReadDir { path: path.into(), msg: os_msg(&e) })?;
        let mut out = Vec::new();
        for ent in rd {
            let ent = ent.map_err(|e| IoError::ReadDir { path: path.into(), msg: os_msg(&e) })?;
            let t = ent.file_type().map(|t| ft(&t)).unwrap_or(FileType::Unknown);
            out.push((ent.file_name().to_string_lossy().into_owned(), t));
        }
        Ok(out)
    }
    fn file_type(&self, path: &str) -> Option<FileType> {
        std::fs::symlink_metadata(Path::new(path)).ok().map(|m| ft(&m.file_type()))
    }
    fn file_type_follow(&self, path: &str) -> Option<FileType> {
        std::fs::metadata(Path::new(path)).ok().map(|m| ft(&m.file_type()))
    }
    fn get_env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
    fn trace(&self, line: &str) {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
    fn current_time(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// The OS error text without Rust's " (os error N)" suffix, as Nix prints it.
fn os_msg(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
