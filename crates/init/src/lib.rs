//! PID 1 inside a container (`nest init`): reap zombies, run the system's activation,
//! supervise the services of `services.json` in dependency order with restart policies
//! and rotated logs, answer on a control socket, and re-activate a new system in place.
//!
//! Code map:
//! - [`spec`]: the `services.json` format and its validation (see `SERVICES.md`).
//! - [`graph`]: start order, cycles, boot set, old/new diff (pure).
//! - [`manager`]: per-service state machine, jobs, restart back-off, process groups.
//! - [`pid1`]: the event loop: signals, reaping, activation, control socket, status file.
//! - [`exec`]: `--exec`, the minimal PID 1 for one command.
//! - [`protocol`] and [`client`]: the control socket's types and a blocking client.
//! - [`logs`], [`users`]: rotating log files; `user`/`group` lookup.
//!
//! Invariants: init never exits or panics because of bad input (a bad `activate`, a
//! bad `services.json`, a bad request); it only signals process groups it created;
//! files it writes for others (`status.json`) are replaced atomically.
#![forbid(unsafe_code)]

pub mod client;
pub mod exec;
pub mod graph;
pub mod logs;
pub mod manager;
pub mod pid1;
pub mod protocol;
pub mod signals;
pub mod spec;
pub mod users;

pub use logs::LogLimits;
pub use pid1::SystemConfig;

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0}")]
    Usage(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{what}: {source}")]
    Setup {
        what: String,
        source: std::io::Error,
    },
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
}

/// Boots `cfg.system` and supervises it until stopped; returns init's exit status
/// ([`protocol::EXIT_POWEROFF`], [`protocol::EXIT_REBOOT`] or [`protocol::EXIT_FAILURE`]).
pub fn run_system(cfg: SystemConfig) -> Result<i32, InitError> {
    pid1::run(cfg)
}

/// Runs one command as a minimal PID 1; returns its exit status.
pub fn run_exec(argv: &[String]) -> Result<i32, InitError> {
    exec::run(argv)
}
