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

/// Starts `path` as a child, like fork + exec but without copying this process's
/// address space: the child shares it (`CLONE_VM | CLONE_VFORK`, as glibc's
/// `posix_spawn` does) and this thread is suspended until the child has exec'd or
/// failed; an exec failure comes back as the error. The child starts with every
/// catchable signal at its default disposition (but glibc's two internal ones, 32 and
/// 33, which stay as they are, unlike under `posix_spawn`, which leaves them ignored)
/// and an empty signal mask.
pub fn spawn(path: &Path, argv: &[CString], env: &[CString]) -> Result<Pid, Errno> {
    use nix::sys::signal::{SigSet, SigmaskHow};
    use std::os::unix::ffi::OsStrExt;
    use std::sync::atomic::{AtomicI32, Ordering};
    let cpath = CString::new(path.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)?;
    // Everything the child touches is prepared here: it must not allocate.
    let mut argv_p: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    argv_p.push(std::ptr::null());
    let mut env_p: Vec<*const libc::c_char> = env.iter().map(|e| e.as_ptr()).collect();
    env_p.push(std::ptr::null());
    let mut stack = vec![0u8; 64 * 1024];
    let failed = AtomicI32::new(0);
    // No handler of this process may run in the child on the shared memory: every
    // signal stays blocked until the child has reset the dispositions.
    let old = set_sigmask(SigmaskHow::SIG_SETMASK, &SigSet::all())?;
    let child = Box::new(|| {
        // SAFETY: only async-signal-safe calls on memory prepared by the parent,
        // which is suspended (CLONE_VFORK) and single-threaded.
        unsafe {
            for sig in 1..=libc::SIGRTMAX() {
                if sig != libc::SIGKILL && sig != libc::SIGSTOP && !(32..=33).contains(&sig) {
                    libc::signal(sig, libc::SIG_DFL);
                }
            }
            let mut none: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut none);
            libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
            libc::execve(cpath.as_ptr(), argv_p.as_ptr(), env_p.as_ptr());
            failed.store(*libc::__errno_location(), Ordering::SeqCst);
            libc::_exit(127)
        }
    });
    // SAFETY: CLONE_VM | CLONE_VFORK: the child runs on its own stack (`stack`, which
    // outlives it: this call returns only once the child has exec'd or exited) and
    // only does what the closure above does.
    let res = unsafe {
        nix::sched::clone(
            child,
            &mut stack,
            nix::sched::CloneFlags::CLONE_VM | nix::sched::CloneFlags::CLONE_VFORK,
            Some(libc::SIGCHLD),
        )
    };
    let _ = set_sigmask(SigmaskHow::SIG_SETMASK, &old);
    let pid = res?;
    match failed.load(Ordering::SeqCst) {
        0 => Ok(pid),
        e => {
            let _ = nix::sys::wait::waitpid(pid, None);
            Err(Errno::from_raw(e))
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::wait::{waitpid, WaitStatus};

    fn c(s: &str) -> CString {
        CString::new(s).expect("no NUL")
    }

    #[test]
    fn spawn_runs_resets_signals_and_reports_exec_errors() {
        let sh = Path::new("/bin/sh");
        let pid = spawn(sh, &[c("sh"), c("-c"), c("exit 3")], &[]).expect("spawn");
        assert_eq!(waitpid(pid, None), Ok(WaitStatus::Exited(pid, 3)));
        // The test binary ignores SIGPIPE (Rust's runtime does); the child must not.
        let pid = spawn(sh, &[c("sh"), c("-c"), c("kill -PIPE $$; exit 0")], &[]).expect("spawn");
        assert_eq!(
            waitpid(pid, None),
            Ok(WaitStatus::Signaled(
                pid,
                nix::sys::signal::Signal::SIGPIPE,
                false
            ))
        );
        assert_eq!(
            spawn(Path::new("/nonexistent/x"), &[c("x")], &[]),
            Err(Errno::ENOENT)
        );
    }
}
