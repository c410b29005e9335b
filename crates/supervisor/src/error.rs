//! The supervisor's error type: every variant names the container or the file.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {msg}", path.display())]
    Parse { path: PathBuf, msg: String },
    #[error("{} has format version {found}, this nest reads version {expected}", path.display())]
    Version {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("no container named {0:?}")]
    NoSuchContainer(String),
    #[error("container {0:?} already exists")]
    Exists(String),
    #[error("container {0:?} is declarative (managed by `nest switch`); remove it from the host configuration instead")]
    Declarative(String),
    #[error("cannot {action} container {name:?} while it is {phase}")]
    Guard {
        name: String,
        action: &'static str,
        phase: String,
    },
    #[error(transparent)]
    Spec(#[from] nest_container::SpecError),
    #[error("container {name:?} failed to start: {why}")]
    StartFailed { name: String, why: String },
    #[error("container {name:?}: timed out after {secs:.1}s waiting for it to {what}")]
    Timeout {
        name: String,
        what: &'static str,
        secs: f64,
    },
    #[error("container {name:?}: {source}")]
    Init {
        name: String,
        source: nest_init::client::ClientError,
    },
    #[error("container {name:?}: {source}")]
    Exec {
        name: String,
        source: nest_container::exec::ExecError,
    },
    #[error("{0}")]
    Invalid(String),
    /// The supervisor knows no evaluator: a configuration reaches it as a built system.
    #[error("{0} must be evaluated and built into a system first (`nest container create` does that); the supervisor takes --system-path")]
    NeedsModules(&'static str),
    #[error("the nest daemon: {0}")]
    Daemon(String),
    #[error("{op} for container {name:?}: {errno}")]
    Sys {
        op: &'static str,
        name: String,
        errno: nix::errno::Errno,
    },
}

impl Error {
    pub(crate) fn io(
        op: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { op, path, source }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
