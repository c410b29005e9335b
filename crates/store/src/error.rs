//! The store's error type: every variant names the path or operation it is about.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{op} '{}': {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("store directory '{}' is not valid UTF-8", .0.display())]
    BadStoreDir(PathBuf),
    #[error("store directory '{}': {source}", dir.display())]
    StoreDir {
        dir: PathBuf,
        source: nest_nixcompat::StorePathError,
    },
    #[error("path '{path}' is not in the store: {source}")]
    NotInStore {
        path: String,
        source: nest_nixcompat::StorePathError,
    },
    #[error("registration database: {context}: {source}")]
    Db {
        context: String,
        source: rusqlite::Error,
    },
    #[error("registration database holds a bad entry for '{path}': {what}")]
    CorruptDb { path: String, what: String },
    #[error("path '{0}' is not valid")]
    NotValid(String),
    #[error("reference '{reference}' of '{path}' is not valid")]
    InvalidReference { path: String, reference: String },
    #[error("'{path}' changed while it was added (expected {expected}, got {got})")]
    Changed {
        path: String,
        expected: String,
        got: String,
    },
    #[error("'{path}' does not have the contents its store path '{dest}' says")]
    ContentMismatch { path: String, dest: String },
    #[error("computing store path for '{name}': {msg}")]
    PathCompute { name: String, msg: String },
    #[error("locking '{}': {errno}", path.display())]
    Lock {
        path: PathBuf,
        errno: nix::errno::Errno,
    },
    #[error("profile '{}': {what}", path.display())]
    Profile { path: PathBuf, what: String },
}

impl StoreError {
    pub(crate) fn db(context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> StoreError {
        let context = context.into();
        move |source| StoreError::Db { context, source }
    }
}
