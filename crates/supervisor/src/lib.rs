//! Host side of nest: each container is a service `container-<name>` with a desired
//! state, a lifecycle, a restart policy, a console log and a per-container monitor
//! process; `nest daemon` starts `autoStart` containers and serves a control socket.
//!
//! Code map:
//! - [`paths`]: every path this crate touches, all movable by environment variables.
//! - [`files`]: atomic, versioned JSON files and `flock` locks.
//! - [`config`]: a container's desired configuration (`<containers>/<name>.json`).
//! - [`record`]: the supervisor's runtime record (`<run>/containers/<name>/supervisor.json`).
//! - [`lifecycle`]: the state machine: observe the real state, reconcile, guards, and
//!   the restart decision after PID 1 exits (pure, unit-tested).
//! - [`monitor`]: the per-container monitor (like conmon): runs the runtime in a child,
//!   keeps the console log, applies the restart policy; survives the daemon.
//! - [`ops`]: the commands (`create`, `start`, `stop`, …) shared by the CLI and the daemon.
//! - [`daemon`] and [`proto`]: `nest daemon` and its control socket protocol.
//! - [`logs`], [`stats`], [`net`], [`units`]: log reading, cgroup statistics, address
//!   allocation and port specs, systemd unit files.
//!
//! Files and their locks (paths are the defaults, see [`paths::Paths`]):
//!
//! | path | written by | guarded by |
//! | --- | --- | --- |
//! | `/nest/var/containers/<name>.json` | `create`, `update`, `nest switch` | `/run/nest/locks/<name>.lock` (+ `.global.lock` for create/destroy) |
//! | `/run/nest/containers/<name>/supervisor.json` | commands, the monitor | `/run/nest/locks/<name>.lock` |
//! | `/run/nest/containers/<name>/exit.json` | the runtime child, once, when PID 1 is gone | written once, atomically |
//! | `/run/nest/containers/<name>/console.log` (+ `.1`…) | the monitor only | single writer |
//! | `/run/nest/containers/<name>/state.json`, `lock`, `control.sock`, `logs/` | the runtime and init | their own |
//! | `/run/nest/daemon.json`, `daemon.sock` | the daemon | `/run/nest/daemon.lock` |
//!
//! Invariants: every state change re-reads the real state (PID 1's pid, start time and
//! cgroup) under the container's lock before acting; processes are only ever found by
//! pid + start time, never by name; state files are replaced atomically.

#![forbid(unsafe_code)]

pub mod config;
pub mod daemon;
pub mod error;
pub mod files;
pub mod lifecycle;
pub mod logs;
pub mod monitor;
pub mod net;
pub mod ops;
pub mod paths;
pub mod proto;
pub mod record;
pub mod stats;
pub mod units;

pub use error::Error;
pub use paths::Paths;
