//! A container spec (host paths, never store paths) turned into a running, isolated
//! container whose PID 1 is nest's init (the static `nest-init`, else `nest init`) or
//! a tiny reaper around a command.
//!
//! Code map: [`spec`] (the typed, validated input), [`setup`] (the in-namespace mount
//! sequence over the `nest_sys` seam), [`cgroups`] (own cgroups, limits, devices),
//! [`network`] (veth pair, addresses, routes), [`forward`] (forwarded ports),
//! [`state`] (state file and lock), [`init_binary`] (which executable is PID 1),
//! [`runtime`] (start in the foreground), [`exec`] (enter a running container).

#![forbid(unsafe_code)]

pub mod cgroups;
pub mod exec;
pub mod forward;
pub mod init_binary;
pub mod network;
pub mod runtime;
pub mod setup;
pub mod spec;
pub mod state;

pub use runtime::{run, ExitStatus, RuntimeError};
pub use spec::{ContainerName, Spec, SpecError};
