//! The only `unsafe` in nest: thin, typed wrappers over namespaces, mounts, pivot_root,
//! capabilities, cgroups (and their BPF device filter), netlink and ptys. Nothing here knows what a container is.
//!
//! Callers that run a setup sequence go through the [`syscall::Syscall`] trait so the
//! sequence can be unit-tested against [`fake::Recording`] without root.

pub mod alloc;
pub mod bpf;
pub mod caps;
pub mod cgroup;
pub mod fake;
pub mod netlink;
pub mod process;
pub mod pty;
pub mod seccomp;
pub mod startup;
pub mod syscall;

pub use nix::errno::Errno;
pub use nix::mount::MsFlags;
pub use nix::sched::CloneFlags;
