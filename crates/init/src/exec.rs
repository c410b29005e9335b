//! `nest init --exec -- CMD…`: a minimal PID 1 that runs one command, forwards the
//! signals it receives to it, reaps every zombie, and exits with the command's status.

use crate::pid1::become_reaper;
use crate::signals::SignalPipe;
use crate::InitError;
use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::os::fd::AsFd;
use std::process::Command;

/// Signals passed on to the command.
const FORWARDED: [Signal; 11] = [
    Signal::SIGTERM,
    Signal::SIGINT,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGWINCH,
    Signal::SIGALRM,
    Signal::SIGCONT,
    Signal::SIGPWR,
    Signal::SIGURG,
];

/// Runs `argv` as the only child; returns its exit status (128+N when killed by N).
pub fn run(argv: &[String]) -> Result<i32, InitError> {
    let Some(program) = argv.first() else {
        return Err(InitError::Usage("--exec needs a command".into()));
    };
    become_reaper()?;
    let mut sigs: Vec<i32> = FORWARDED.iter().map(|s| *s as i32).collect();
    sigs.push(Signal::SIGCHLD as i32);
    let sigfd = SignalPipe::new(&sigs).map_err(|e| InitError::Setup {
        what: "installing signal handlers".into(),
        source: e,
    })?;
    // Handlers are reset by exec, so the command starts with default dispositions.
    let child = Command::new(program)
        .args(&argv[1..])
        .spawn()
        .map_err(|source| InitError::Spawn {
            program: program.clone(),
            source,
        })?;
    let child_pid = child.id() as i32;
    loop {
        // Reap first: the command may already be gone before any signal is read.
        loop {
            match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(pid, code)) if pid.as_raw() == child_pid => return Ok(code),
                Ok(WaitStatus::Signaled(pid, sig, _)) if pid.as_raw() == child_pid => {
                    return Ok(128 + sig as i32)
                }
                Ok(WaitStatus::StillAlive) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let mut fds = [PollFd::new(sigfd.as_fd(), PollFlags::POLLIN)];
        match nix::poll::poll(&mut fds, PollTimeout::NONE) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => {
                return Err(InitError::Setup {
                    what: "poll".into(),
                    source: e.into(),
                })
            }
        }
        for signo in sigfd.pending() {
            let Ok(sig) = Signal::try_from(signo) else {
                continue;
            };
            if sig == Signal::SIGCHLD {
                continue;
            }
            let _ = kill(Pid::from_raw(child_pid), sig);
        }
    }
}
