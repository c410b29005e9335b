//! The supervisor's record of one container, `<state-dir>/supervisor.json`: desired
//! state, last known phase, the monitor and PID 1 (pid + start time), restarts and how
//! PID 1 last ended. Also `exit.json`, written by the runtime child when PID 1 is gone,
//! so an exit status survives the monitor that would have read it.

use crate::error::Result;
use crate::files;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

pub const RECORD_VERSION: u32 = 1;
pub const EXIT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Stopped,
    Starting,
    Running,
    Stopping,
    Failed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Stopped => "stopped",
            Phase::Starting => "starting",
            Phase::Running => "running",
            Phase::Stopping => "stopping",
            Phase::Failed => "failed",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Desired {
    Up,
    Down,
}

/// One process, named so that a reused pid is never mistaken for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcId {
    pub pid: i32,
    pub start_time: u64,
}

impl ProcId {
    /// The process `pid` as it is now, if it exists.
    pub fn of(pid: i32) -> Option<ProcId> {
        nest_sys::process::start_time(pid).map(|start_time| ProcId { pid, start_time })
    }

    pub fn current() -> Option<ProcId> {
        ProcId::of(i32::try_from(std::process::id()).ok()?)
    }

    /// Still the same process (and not a zombie left for its parent to reap)?
    pub fn alive(&self) -> bool {
        if nest_sys::process::start_time(self.pid) != Some(self.start_time) {
            return false;
        }
        !is_zombie(self.pid)
    }
}

fn is_zombie(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    stat.rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next())
        .is_some_and(|s| s == "Z" || s == "X")
}

/// How PID 1 (or the runtime) ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExitInfo {
    pub version: u32,
    /// PID 1's status, 128 + N when killed by signal N; absent when the runtime failed
    /// before PID 1 ran.
    pub code: Option<i32>,
    /// The runtime's error when it could not start the container.
    pub error: Option<String>,
    pub at_ms: u64,
}

impl ExitInfo {
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join("exit.json")
    }

    pub fn load(state_dir: &Path) -> Result<Option<ExitInfo>> {
        files::read_json(&ExitInfo::path(state_dir), EXIT_VERSION)
    }

    pub fn save(&self, state_dir: &Path) -> Result<()> {
        files::write_json(&ExitInfo::path(state_dir), self)
    }

    pub fn clear(state_dir: &Path) {
        let _ = std::fs::remove_file(ExitInfo::path(state_dir));
    }

    /// "exited with status 3", "killed by signal 9", "reboot requested", the error.
    pub fn describe(&self) -> String {
        match (self.code, &self.error) {
            (_, Some(e)) => format!("runtime error: {e}"),
            (Some(c), None) if c == nest_init::protocol::EXIT_REBOOT => {
                "reboot requested (status 133)".to_string()
            }
            (Some(c), None) if c > 128 && c < 128 + 65 => format!("killed by signal {}", c - 128),
            (Some(c), None) => format!("exited with status {c}"),
            (None, None) => "ended for an unknown reason".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub version: u32,
    pub desired: Desired,
    pub phase: Phase,
    /// When `phase` was entered, ms since the epoch.
    pub since_ms: u64,
    pub monitor: Option<ProcId>,
    pub container: Option<ProcId>,
    /// Automatic restarts in a row (reset once the container ran long enough).
    pub restarts: u32,
    /// Automatic restarts since the last `start`.
    pub total_restarts: u32,
    pub last_exit: Option<ExitInfo>,
    pub last_error: Option<String>,
}

impl Default for Record {
    fn default() -> Self {
        Record {
            version: RECORD_VERSION,
            desired: Desired::Down,
            phase: Phase::Stopped,
            since_ms: 0,
            monitor: None,
            container: None,
            restarts: 0,
            total_restarts: 0,
            last_exit: None,
            last_error: None,
        }
    }
}

impl Record {
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join("supervisor.json")
    }

    /// The record, or a fresh `stopped` one when there is none (never started since boot).
    pub fn load(state_dir: &Path) -> Result<Record> {
        Ok(Record::load_opt(state_dir)?.unwrap_or_default())
    }

    pub fn load_opt(state_dir: &Path) -> Result<Option<Record>> {
        files::read_json(&Record::path(state_dir), RECORD_VERSION)
    }

    pub fn save(&self, state_dir: &Path) -> Result<()> {
        files::write_json(&Record::path(state_dir), self)
    }

    pub fn set_phase(&mut self, phase: Phase) {
        if self.phase != phase {
            self.phase = phase;
            self.since_ms = now_ms();
        }
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trip_and_default() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(Record::load(d.path()).unwrap(), Record::default());
        let mut r = Record::default();
        r.set_phase(Phase::Running);
        r.monitor = ProcId::current();
        r.save(d.path()).unwrap();
        assert_eq!(Record::load(d.path()).unwrap(), r);
        let text = std::fs::read_to_string(Record::path(d.path())).unwrap();
        assert!(text.contains("\"phase\": \"running\""), "{text}");
    }

    #[test]
    fn proc_ids_detect_reuse() {
        let me = ProcId::current().unwrap();
        assert!(me.alive());
        assert!(!ProcId {
            start_time: me.start_time + 1,
            ..me
        }
        .alive());
        assert!(!ProcId {
            pid: i32::MAX,
            start_time: 1
        }
        .alive());
    }

    #[test]
    fn exit_descriptions() {
        let e = |code, error: Option<&str>| {
            ExitInfo {
                version: 1,
                code,
                error: error.map(String::from),
                at_ms: 0,
            }
            .describe()
        };
        assert_eq!(e(Some(0), None), "exited with status 0");
        assert_eq!(e(Some(137), None), "killed by signal 9");
        assert_eq!(e(Some(133), None), "reboot requested (status 133)");
        assert_eq!(e(None, Some("no root")), "runtime error: no root");
    }
}
