//! A blocking client for init's control socket, for the CLI, the supervisor and tests.

use crate::protocol::{Outcome, Reply, Request, RequestLine, ResponseLine, PROTOCOL_VERSION};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long [`request`] waits for a reply; an activation runs the system's `activate`
/// before answering, so this is generous.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to {}: {source}", path.display())]
    Connect {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("talking to {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: init closed the connection without a reply", path.display())]
    NoReply { path: PathBuf },
    #[error("{}: invalid reply from init: {message}", path.display())]
    BadReply { path: PathBuf, message: String },
    /// init answered with an error.
    #[error("{message}")]
    Refused { message: String },
}

/// Sends one request and waits for its reply (at most [`DEFAULT_TIMEOUT`]).
pub fn request(path: &Path, req: Request) -> Result<Reply, ClientError> {
    request_with_timeout(path, req, DEFAULT_TIMEOUT)
}

pub fn request_with_timeout(
    path: &Path,
    req: Request,
    timeout: Duration,
) -> Result<Reply, ClientError> {
    let io = |source| ClientError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut stream = UnixStream::connect(path).map_err(|source| ClientError::Connect {
        path: path.to_path_buf(),
        source,
    })?;
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let line = RequestLine {
        v: PROTOCOL_VERSION,
        request: req,
    };
    let mut text = serde_json::to_string(&line).map_err(|e| ClientError::BadReply {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    text.push('\n');
    stream.write_all(text.as_bytes()).map_err(io)?;
    let mut reader = BufReader::new(stream);
    let mut reply = String::new();
    let n = reader.read_line(&mut reply).map_err(io)?;
    if n == 0 {
        return Err(ClientError::NoReply {
            path: path.to_path_buf(),
        });
    }
    let resp: ResponseLine =
        serde_json::from_str(reply.trim_end()).map_err(|e| ClientError::BadReply {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    if resp.v != PROTOCOL_VERSION {
        return Err(ClientError::BadReply {
            path: path.to_path_buf(),
            message: format!("protocol version {} (expected {PROTOCOL_VERSION})", resp.v),
        });
    }
    match resp.outcome {
        Outcome::Ok { reply } => Ok(reply),
        Outcome::Error { message } => Err(ClientError::Refused { message }),
    }
}
