//! The daemon's control socket (`<run>/daemon.sock`, Unix stream, one JSON object per
//! line each way, versioned like init's protocol) and a blocking client.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

pub const DAEMON_PROTOCOL_VERSION: u32 = 1;

/// `{"v":1,"request":{"op":"start","name":"web"}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestLine {
    pub v: u32,
    pub request: Request,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Request {
    Ping {},
    Start {
        name: String,
        #[serde(default, rename = "timeoutSec")]
        timeout_sec: Option<f64>,
    },
    Stop {
        name: String,
        #[serde(default, rename = "timeoutSec")]
        timeout_sec: Option<f64>,
    },
    Terminate {
        name: String,
    },
    Restart {
        name: String,
        #[serde(default, rename = "timeoutSec")]
        timeout_sec: Option<f64>,
    },
}

/// `{"v":1,"outcome":"ok","reply":{…}}` or `{"v":1,"outcome":"error","message":"…"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseLine {
    pub v: u32,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    Ok { reply: Reply },
    Error { message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reply {
    Pong {
        pid: u32,
    },
    /// The command ran; `result` is a word like `started`, `already-running`, `killed`.
    Done {
        result: String,
    },
}

/// Sends one request to the daemon and waits for the reply. `Ok(None)` when no daemon
/// listens (the caller then acts itself).
pub fn request(socket: &Path, req: Request, timeout: Duration) -> Result<Option<Reply>> {
    let io = |op| Error::io(op, socket);
    let mut stream = match UnixStream::connect(socket) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(io("connecting to")(e)),
    };
    stream
        .set_read_timeout(Some(timeout))
        .map_err(io("configuring"))?;
    let mut text = serde_json::to_string(&RequestLine {
        v: DAEMON_PROTOCOL_VERSION,
        request: req,
    })
    .map_err(|e| Error::Daemon(e.to_string()))?;
    text.push('\n');
    stream
        .write_all(text.as_bytes())
        .map_err(io("writing to"))?;
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .map_err(io("reading from"))?;
    if line.is_empty() {
        return Err(Error::Daemon(
            "closed the connection without a reply".into(),
        ));
    }
    let resp: ResponseLine = serde_json::from_str(line.trim_end())
        .map_err(|e| Error::Daemon(format!("invalid reply: {e}")))?;
    if resp.v != DAEMON_PROTOCOL_VERSION {
        return Err(Error::Daemon(format!(
            "protocol version {} (this nest speaks {DAEMON_PROTOCOL_VERSION})",
            resp.v
        )));
    }
    match resp.outcome {
        Outcome::Ok { reply } => Ok(Some(reply)),
        Outcome::Error { message } => Err(Error::Daemon(message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format() {
        let r = RequestLine {
            v: 1,
            request: Request::Start {
                name: "web".into(),
                timeout_sec: Some(5.0),
            },
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"v":1,"request":{"op":"start","name":"web","timeoutSec":5.0}}"#
        );
        let back: RequestLine =
            serde_json::from_str(r#"{"v":1,"request":{"op":"stop","name":"a"}}"#).unwrap();
        assert_eq!(
            back.request,
            Request::Stop {
                name: "a".into(),
                timeout_sec: None
            }
        );
        assert!(
            serde_json::from_str::<RequestLine>(r#"{"v":1,"request":{"op":"format-disk"}}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<RequestLine>(r#"{"v":1,"request":{"op":"ping","x":1}}"#)
                .is_err()
        );
        let ok = ResponseLine {
            v: 1,
            outcome: Outcome::Ok {
                reply: Reply::Done {
                    result: "started".into(),
                },
            },
        };
        assert_eq!(
            serde_json::to_string(&ok).unwrap(),
            r#"{"v":1,"outcome":"ok","reply":{"kind":"done","result":"started"}}"#
        );
    }

    #[test]
    fn no_daemon_is_not_an_error() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(
            request(
                &d.path().join("daemon.sock"),
                Request::Ping {},
                Duration::from_secs(1)
            )
            .unwrap(),
            None
        );
    }
}
