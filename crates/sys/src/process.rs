//! Process creation into new namespaces (`clone` without a new stack, i.e. a `fork` that
//! takes namespace flags), `exec`, and a few process facts read from `/proc`.

use nix::errno::Errno;
use nix::sched::CloneFlags;
use nix::unistd::Pid;
use std::ffi::CString;
use std::path::Path;

/// Which side of a fork we are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forked {
    Child,
    Parent(Pid),
}

/// `clone(flags | SIGCHLD)` with fork semantics: the child continues on a copy of the
/// caller's stack. Only call it while the process is single-threaded: the child gets a
/// copy of one thread and must not rely on locks other threads may have held.
pub fn fork_into(flags: CloneFlags) -> Result<Forked, Errno> {
    // SAFETY: without CLONE_VM the child gets its own copy of the address space, and a
    // zero stack pointer makes the kernel reuse the current stack in that copy, exactly
    // like fork(2). The remaining arguments (tid pointers, tls) are unused without the
    // flags that read them.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_clone,
            (flags.bits() as libc::c_long) | libc::SIGCHLD as libc::c_long,
            0 as libc::c_long,
            0 as libc::c_long,
            0 as libc::c_long,
            0 as libc::c_long,
        )
    };
    match ret {
        -1 => Err(Errno::last()),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(Pid::from_raw(pid as i32))),
    }
}

#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// Like [`fork_into`], with the child born in the cgroup v2 directory `cgroup` (clone3
/// with `CLONE_INTO_CGROUP`): no migration afterwards, so no wait for the RCU grace
/// period a write to `cgroup.procs` costs. `ENOSYS`/`E2BIG`/`EINVAL` mean the kernel
/// cannot do it; callers fall back to [`fork_into`] and a migration.
pub fn fork_into_cgroup(
    flags: CloneFlags,
    cgroup: std::os::fd::BorrowedFd<'_>,
) -> Result<Forked, Errno> {
    use std::os::fd::AsRawFd;
    let args = CloneArgs {
        flags: (flags.bits() as u32 as u64) | CLONE_INTO_CGROUP,
        exit_signal: libc::SIGCHLD as u64,
        cgroup: cgroup.as_raw_fd() as u64,
        ..CloneArgs::default()
    };
    // SAFETY: as for fork_into: no CLONE_VM and a zero stack make this a fork; args is
    // a valid clone_args of the size passed, and the fd outlives the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            &args as *const CloneArgs,
            std::mem::size_of::<CloneArgs>(),
        )
    };
    match ret {
        -1 => Err(Errno::last()),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(Pid::from_raw(pid as i32))),
    }
}

/// Plain `fork`.
pub fn fork() -> Result<Forked, Errno> {
    fork_into(CloneFlags::empty())
}

/// Replaces the process image; only returns on failure.
pub fn exec(path: &Path, argv: &[CString], env: &[CString]) -> Errno {
    use std::os::unix::ffi::OsStrExt;
    let Ok(cpath) = CString::new(path.as_os_str().as_bytes()) else {
        return Errno::EINVAL;
    };
    match nix::unistd::execve(&cpath, argv, env) {
        Ok(never) => match never {},
        Err(e) => e,
    }
}

/// Exits immediately without running destructors or flushing stdio buffers that
/// belong to the parent's copy of the process.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit never returns and has no preconditions.
    unsafe { libc::_exit(code) }
}

/// The start time of a process (field 22 of `/proc/PID/stat`, in clock ticks since
/// boot): with the pid it names one process, even after the pid is reused.
pub fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses: fields after it
    // start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Sets the signal mask of the calling thread and returns the previous one.
pub fn set_sigmask(
    how: nix::sys::signal::SigmaskHow,
    set: &nix::sys::signal::SigSet,
) -> Result<nix::sys::signal::SigSet, Errno> {
    let mut old = nix::sys::signal::SigSet::empty();
    nix::sys::signal::pthread_sigmask(how, Some(set), Some(&mut old))?;
    Ok(old)
}

/// Resets every catchable signal's disposition to the default, so an exec'd program
/// starts clean (ignored dispositions survive exec otherwise).
pub fn reset_signal_dispositions() {
    use nix::sys::signal::{signal, SigHandler, Signal};
    for sig in Signal::iterator() {
        if matches!(sig, Signal::SIGKILL | Signal::SIGSTOP) {
            continue;
        }
        // SAFETY: installing SIG_DFL runs no code of ours in signal context.
        let _ = unsafe { signal(sig, SigHandler::SigDfl) };
    }
}

/// Asks the kernel to send `sig` to this process when its parent dies.
pub fn set_parent_death_signal(sig: nix::sys::signal::Signal) -> Result<(), Errno> {
    nix::sys::prctl::set_pdeathsig(sig)
}
