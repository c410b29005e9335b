//! `nest init --exec -- CMD…`: a minimal PID 1 that runs one command, forwards the
//! signals it receives to it, reaps every zombie, and exits with the command's status.

use crate::pid1::{become_reaper, make_signalfd};
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

/// `si_code` of signals the kernel generated itself (e.g. Ctrl-C on the terminal): the
/// command shares our process group and got those already.
const SI_KERNEL: i32 = 0x80;

/// Runs `argv` as the only child; returns its exit status (128+N when killed by N).
pub fn run(argv: &[String]) -> Result<i32, InitError> {
    let Some(program) = argv.first() else {
        return Err(InitError::Usage("--exec needs a command".into()));
    };
    become_reaper()?;
    let mut sigs: Vec<Signal> = FORWARDED.to_vec();
    sigs.push(Signal::SIGCHLD);
    let sigfd = make_signalfd(&sigs)?;
    // std resets the signal mask in the child, so the command gets default signals.
    let child = Command::new(program)
        .args(&argv[1..])
        .spawn()
        .map_err(|source| InitError::Spawn { program: program.clone(), source })?;
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
            Err(e) => return Err(InitError::Setup { what: "poll".into(), source: e.into() }),
        }
        while let Ok(Some(info)) = sigfd.read_signal() {
            let Ok(sig) = Signal::try_from(info.ssi_signo as i32) else { continue };
            if sig == Signal::SIGCHLD || info.ssi_code == SI_KERNEL {
                continue;
            }
            let _ = kill(Pid::from_raw(child_pid), sig);
        }
    }
}
