//! Entering a running container: find it through its state file (pid + start time),
//! join its cgroups and namespaces, run a command there, with a pty when asked.

use crate::runtime::{confine, exec_command, forwarded_signals, wait_forwarding, ExitStatus};
use crate::state::{State, StateError};
use nest_sys::caps::CapSet;
use nest_sys::process::{self, Forked};
use nest_sys::{CloneFlags, Errno};
use nix::sys::signal::SigmaskHow;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("container {name}: joining {what}")]
    Join {
        name: String,
        what: String,
        source: std::io::Error,
    },
    #[error("container {name}: {op}: {errno}")]
    Sys {
        name: String,
        op: &'static str,
        errno: Errno,
    },
    #[error("container {name}: {message}")]
    Command { name: String, message: String },
}

pub struct ExecOptions<'a> {
    pub name: &'a str,
    pub state_dir: &'a Path,
    pub command: &'a [String],
    /// Give the command a pty of the container's own (stdin must be a terminal).
    pub pty: bool,
}

const NAMESPACES: &[(&str, CloneFlags)] = &[
    ("cgroup", CloneFlags::CLONE_NEWCGROUP),
    ("ipc", CloneFlags::CLONE_NEWIPC),
    ("uts", CloneFlags::CLONE_NEWUTS),
    ("net", CloneFlags::CLONE_NEWNET),
    ("pid", CloneFlags::CLONE_NEWPID),
    ("mnt", CloneFlags::CLONE_NEWNS),
];

/// Runs a command in a running container and returns its status. This process joins
/// the container's cgroups and namespaces (the pid namespace applies to the child it
/// forks), so call it from a process that does nothing else afterwards.
pub fn exec(opts: &ExecOptions<'_>) -> Result<ExitStatus, ExecError> {
    let name = opts.name.to_string();
    let state = State::load_running(opts.name, opts.state_dir)?;
    let join = |what: String| {
        let name = name.clone();
        move |source| ExecError::Join { name, what, source }
    };
    // Open every namespace first: /proc paths stop meaning the host's once we move.
    let mut fds = Vec::new();
    for (ns, flag) in NAMESPACES {
        let path = PathBuf::from(format!("/proc/{}/ns/{ns}", state.pid));
        let f = std::fs::File::open(&path).map_err(join(format!("{ns} namespace")))?;
        fds.push((ns, *flag, f));
    }
    // Check again: the pid could have been reused between load and open.
    if process::start_time(state.pid) != Some(state.start_time) {
        return Err(StateError::Stale(name, state.pid).into());
    }
    // `0` is this process itself: a v1 `tasks` write of `0` skips the RCU grace period
    // that moving another pid costs (see nest_sys::cgroup::join_self).
    let me = 0;
    for dir in &state.cgroups {
        // A v1 directory has `tasks`; this process is still single-threaded, so
        // moving its thread moves it, the same way PID 1 moves itself.
        let moved = if dir.join("tasks").exists() {
            nest_sys::cgroup::add_thread(dir, me)
        } else {
            nest_sys::cgroup::add_process(dir, me)
        };
        moved.map_err(|e| ExecError::Join {
            name: name.clone(),
            what: format!("cgroup {}", dir.display()),
            source: std::io::Error::other(e.to_string()),
        })?;
    }
    for (ns, flag, f) in &fds {
        // A container without a private network shares the host's: joining it is a no-op.
        nix::sched::setns(f, *flag).map_err(|errno| ExecError::Sys {
            name: name.clone(),
            op: ns_op(ns),
            errno,
        })?;
    }
    let pty = if opts.pty {
        Some(nest_sys::pty::open().map_err(|errno| ExecError::Sys {
            name: name.clone(),
            op: "opening a pty",
            errno,
        })?)
    } else {
        None
    };

    let signals = forwarded_signals();
    let _ = process::set_sigmask(SigmaskHow::SIG_BLOCK, &signals);
    let keep = CapSet(state.capabilities);
    let seccomp = match state.seccomp {
        true => Some(nest_sys::seccomp::build().map_err(|e| ExecError::Command {
            name: name.clone(),
            message: e.to_string(),
        })?),
        false => None,
    };
    let child = match process::fork().map_err(|errno| ExecError::Sys {
        name: name.clone(),
        op: "fork",
        errno,
    })? {
        Forked::Child => {
            let message = (|| {
                nix::unistd::chdir("/").map_err(|e| format!("chdir /: {e}"))?;
                if let Some(p) = &pty {
                    nix::unistd::setsid().map_err(|e| format!("setsid: {e}"))?;
                    let slave = std::fs::OpenOptions::new()
                        .read(true)
                        .write(true)
                        .open(&p.slave_path)
                        .map_err(|e| format!("opening {}: {e}", p.slave_path.display()))?;
                    nest_sys::pty::make_controlling(slave.as_fd())
                        .map_err(|e| format!("TIOCSCTTY: {e}"))?;
                    nix::unistd::dup2_stdin(&slave).map_err(|e| format!("dup2: {e}"))?;
                    nix::unistd::dup2_stdout(&slave).map_err(|e| format!("dup2: {e}"))?;
                    nix::unistd::dup2_stderr(&slave).map_err(|e| format!("dup2: {e}"))?;
                }
                confine(keep, state.no_new_privileges, seccomp.as_ref())?;
                let mut env = state.environment.clone();
                if let Ok(term) = std::env::var("TERM") {
                    env.insert("TERM".into(), term);
                }
                Err::<(), String>(exec_command(opts.command, &env))
            })();
            let m = message.err().unwrap_or_default();
            let _ = writeln!(std::io::stderr(), "nest: {m}");
            process::exit_now(127)
        }
        Forked::Parent(p) => p,
    };
    match pty {
        Some(p) => Ok(relay(p, child)),
        None => Ok(wait_forwarding(child, &signals)),
    }
}

fn ns_op(ns: &str) -> &'static str {
    match ns {
        "cgroup" => "setns cgroup",
        "ipc" => "setns ipc",
        "uts" => "setns uts",
        "net" => "setns net",
        "pid" => "setns pid",
        _ => "setns mnt",
    }
}

/// Copies the terminal to the pty and back in raw mode until the command exits. One
/// thread with poll: after joining a PID namespace this process cannot create threads.
fn relay(p: nest_sys::pty::Pty, child: nix::unistd::Pid) -> ExitStatus {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    let stdin = std::io::stdin();
    if let Some(ws) = nest_sys::pty::window_size(stdin.as_fd()) {
        let _ = nest_sys::pty::set_window_size(p.master.as_fd(), &ws);
    }
    let saved = nest_sys::pty::set_raw(stdin.as_fd()).ok();
    let mut master = std::fs::File::from(p.master);
    let mut out = std::io::stdout();
    let mut buf = [0u8; 4096];
    let mut stdin_open = true;
    loop {
        let (in_ready, master_ready) = {
            let mut fds = vec![PollFd::new(master.as_fd(), PollFlags::POLLIN)];
            if stdin_open {
                fds.push(PollFd::new(stdin.as_fd(), PollFlags::POLLIN));
            }
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) => {}
                Err(Errno::EINTR) => continue,
                Err(_) => break,
            }
            let ready = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
            (fds.get(1).is_some_and(ready), ready(&fds[0]))
        };
        if master_ready {
            // EIO once the last slave descriptor closes: the command and its children exited.
            match master.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if out.write_all(&buf[..n]).and_then(|()| out.flush()).is_err() {
                        break;
                    }
                }
            }
        }
        if in_ready {
            match std::io::stdin().lock().read(&mut buf) {
                Ok(0) | Err(_) => stdin_open = false,
                Ok(n) => {
                    if master.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
    }
    if let Some(s) = saved {
        let _ = nest_sys::pty::restore(stdin.as_fd(), &s);
    }
    match nix::sys::wait::waitpid(child, None) {
        Ok(nix::sys::wait::WaitStatus::Exited(_, c)) => ExitStatus::Code(c),
        Ok(nix::sys::wait::WaitStatus::Signaled(_, s, _)) => ExitStatus::Signal(s as i32),
        _ => ExitStatus::Code(255),
    }
}
