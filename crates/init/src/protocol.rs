//! The control socket protocol (`<state-dir>/control.sock`, Unix stream, one JSON
//! object per line each way) and the status document also written to
//! `<state-dir>/status.json`. Shared by init, the CLI and the supervisor.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Version of the request/response envelope; bumped on incompatible changes.
pub const PROTOCOL_VERSION: u32 = 1;
/// Version of `status.json`.
pub const STATUS_VERSION: u32 = 1;

/// Exit status of init after a poweroff/halt request (SIGTERM, SIGRTMIN+3/+4, `stop`).
pub const EXIT_POWEROFF: i32 = 0;
/// Exit status of init after a reboot request (SIGINT as PID 1, SIGRTMIN+5, `reboot`);
/// the same value systemd-nspawn uses, so a supervisor restarts the container.
pub const EXIT_REBOOT: i32 = 133;
/// Exit status when init could not run at all, or activation failed under
/// `--strict-activation`.
pub const EXIT_FAILURE: i32 = 1;

/// One request line: `{"v":1,"request":{"op":"status"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestLine {
    pub v: u32,
    pub request: Request,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Request {
    /// The current [`InitStatus`]. (Empty braces so extra fields are rejected: serde
    /// ignores them on unit variants.)
    Status {},
    /// Orderly shutdown (services stopped in reverse order), exit [`EXIT_POWEROFF`].
    Stop {},
    /// Orderly shutdown, exit [`EXIT_REBOOT`].
    Reboot {},
    StartService {
        name: String,
    },
    StopService {
        name: String,
    },
    RestartService {
        name: String,
    },
    /// Re-activate in place: run `SYSTEM/activate`, then apply the services diff.
    Activate {
        system: PathBuf,
    },
}

/// One response line: `{"v":1,"outcome":"ok","reply":{…}}` or
/// `{"v":1,"outcome":"error","message":"…"}`.
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
    Status(InitStatus),
    /// The request was accepted; the listed services were acted on (jobs queued).
    Accepted {
        services: Vec<String>,
    },
    /// Shutdown begun; init exits with `exit_code` once services are stopped.
    ShuttingDown {
        exit_code: i32,
    },
    Activated(ActivationReport),
}

/// What a re-activation did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivationReport {
    pub system: PathBuf,
    pub started: Vec<String>,
    pub stopped: Vec<String>,
    pub restarted: Vec<String>,
    /// Changed services left running because of `restartIfChanged: false`.
    pub changed_not_restarted: Vec<String>,
    pub unchanged: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InitState {
    /// Running the boot activation.
    Booting,
    Running,
    /// Stopping services before exiting.
    Stopping,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceState {
    Inactive,
    /// A start is queued behind services it is ordered after.
    Waiting,
    /// `preStart`, the main process of a oneshot, readiness or `postStart` in progress.
    Starting,
    Running,
    /// A oneshot with `remainAfterExit` that succeeded.
    Exited,
    Stopping,
    Failed,
    /// Waiting out the restart back-off.
    AutoRestart,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStatus {
    pub name: String,
    pub state: ServiceState,
    /// The main process, when there is one.
    pub pid: Option<i32>,
    /// Automatic restarts so far (by restart policy, not by request).
    pub restarts: u32,
    /// When the service entered `state`, milliseconds since the Unix epoch.
    pub since_ms: u64,
    /// How the last main process ended ("exited 0", "killed by SIGKILL", an error).
    pub last_exit: Option<String>,
    pub definition_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivationResult {
    pub system: PathBuf,
    pub ok: bool,
    pub detail: String,
}

/// `status.json` and the `status` reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitStatus {
    pub version: u32,
    pub pid: u32,
    pub system: PathBuf,
    pub state: InitState,
    pub since_ms: u64,
    /// The last activation (boot or re-activation) and how it went.
    pub activation: Option<ActivationResult>,
    /// A problem with the system that is not a single service's (a bad services.json
    /// at boot).
    pub error: Option<String>,
    pub services: Vec<ServiceStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_wire_format() {
        let line = RequestLine {
            v: PROTOCOL_VERSION,
            request: Request::RestartService { name: "web".into() },
        };
        assert_eq!(
            serde_json::to_string(&line).unwrap(),
            r#"{"v":1,"request":{"op":"restart-service","name":"web"}}"#
        );
        let back: RequestLine =
            serde_json::from_str(r#"{"v":1,"request":{"op":"activate","system":"/s"}}"#).unwrap();
        assert_eq!(
            back.request,
            Request::Activate {
                system: "/s".into()
            }
        );
    }

    #[test]
    fn unknown_requests_are_rejected() {
        assert!(
            serde_json::from_str::<RequestLine>(r#"{"v":1,"request":{"op":"reformat"}}"#).is_err()
        );
        assert!(
            serde_json::from_str::<RequestLine>(r#"{"v":1,"request":{"op":"status","x":1}}"#)
                .is_err()
        );
    }

    #[test]
    fn response_wire_format() {
        let ok = ResponseLine {
            v: 1,
            outcome: Outcome::Ok {
                reply: Reply::Accepted {
                    services: vec!["a".into()],
                },
            },
        };
        let text = serde_json::to_string(&ok).unwrap();
        assert_eq!(
            text,
            r#"{"v":1,"outcome":"ok","reply":{"kind":"accepted","services":["a"]}}"#
        );
        assert_eq!(serde_json::from_str::<ResponseLine>(&text).unwrap(), ok);
        let err = ResponseLine {
            v: 1,
            outcome: Outcome::Error {
                message: "no".into(),
            },
        };
        let text = serde_json::to_string(&err).unwrap();
        assert_eq!(text, r#"{"v":1,"outcome":"error","message":"no"}"#);
        assert_eq!(serde_json::from_str::<ResponseLine>(&text).unwrap(), err);
    }
}
