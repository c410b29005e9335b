//! The per-container monitor (`nest container supervise NAME`, like conmon): runs the
//! runtime in a forked child whose stdout/stderr is a pipe, copies that console output
//! into a size-bounded rotating log, records the phase as it changes, and applies the
//! restart policy when PID 1 exits. It runs in its own session, so neither a dying CLI
//! nor a dying daemon takes the container down; a new monitor adopts a container that
//! is still running (pid + start time + cgroup) and learns its exit from `exit.json`.

use crate::config::{self, ContainerConfig};
use crate::error::{Error, Result};
use crate::files::FileLock;
use crate::lifecycle::{self, Decision};
use crate::paths::Paths;
use crate::record::{now_ms, Desired, ExitInfo, Phase, ProcId, Record, EXIT_VERSION};
use nest_init::logs::{timestamp, LogLimits, RotatingLog};
use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// Exit status of the runtime child when the runtime itself failed (like podman's 125).
pub const EXIT_RUNTIME_ERROR: i32 = 125;

/// Size bound of the console log (`console.log` plus 3 rotated files).
pub const CONSOLE_LIMITS: LogLimits = LogLimits {
    max_bytes: 1 << 20,
    keep: 3,
};

pub fn console_log(state_dir: &Path) -> PathBuf {
    state_dir.join("console.log")
}

#[derive(Debug, Clone, Copy, Default)]
pub struct MonitorOptions {
    /// Started by a service manager (`ExecStart=`): mark the container wanted up first,
    /// since no `start` command did.
    pub foreground: bool,
}

struct Ctx<'a> {
    paths: &'a Paths,
    name: &'a str,
    state_dir: PathBuf,
    lock: PathBuf,
    me: ProcId,
    log: RotatingLog,
}

impl Ctx<'_> {
    fn note(&mut self, text: &str) {
        let line = format!("[nest {}] {text}\n", timestamp(SystemTime::now()));
        self.log.write(line.as_bytes());
    }

    /// Runs `f` on the record under the container's lock and saves it.
    fn update<T>(&self, f: impl FnOnce(&mut Record) -> T) -> Result<T> {
        let _l = FileLock::exclusive(&self.lock)?;
        let mut r = Record::load(&self.state_dir)?;
        let out = f(&mut r);
        r.save(&self.state_dir)?;
        Ok(out)
    }
}

/// Runs the monitor until the container should stay down.
pub fn run(paths: &Paths, name: &str, opts: MonitorOptions) -> Result<()> {
    config::name(name)?;
    // Our own session: the terminal or process group of whoever started us can go away.
    let _ = nix::unistd::setsid();
    let me = ProcId::current()
        .ok_or_else(|| Error::Invalid("cannot read this process's start time from /proc".into()))?;
    let state_dir = paths.state_dir(name);
    std::fs::create_dir_all(&state_dir).map_err(Error::io("creating", &state_dir))?;
    let mut ctx = Ctx {
        paths,
        name,
        lock: paths.lock_file(name),
        log: RotatingLog::new(console_log(&state_dir), CONSOLE_LIMITS),
        state_dir,
        me,
    };

    ctx.update(|r| {
        if let Some(m) = r.monitor.filter(|m| m.alive() && *m != me) {
            return Err(Error::Invalid(format!(
                "container {name:?} is already supervised by process {}",
                m.pid
            )));
        }
        r.monitor = Some(me);
        if opts.foreground {
            r.desired = Desired::Up;
        }
        Ok(())
    })??;

    let result = supervise(&mut ctx);
    // Whatever happened, this monitor no longer watches the container.
    let _ = ctx.update(|r| {
        if r.monitor == Some(me) {
            r.monitor = None;
        }
        if let Err(e) = &result {
            r.last_error = Some(e.to_string());
            if !matches!(r.phase, Phase::Stopped) {
                r.set_phase(Phase::Failed);
            }
        }
    });
    result
}

enum Next {
    Run(Box<ContainerConfig>),
    Adopt(ProcId),
    Done,
}

fn supervise(ctx: &mut Ctx<'_>) -> Result<()> {
    loop {
        let next = {
            let _l = FileLock::exclusive(&ctx.lock)?;
            let mut r = Record::load(&ctx.state_dir)?;
            let obs = lifecycle::observe(ctx.name, &ctx.state_dir, &r);
            let next = match (obs.container, config::load(ctx.paths, ctx.name)) {
                (Some(pid1), _) => {
                    // Already running (a monitor or daemon died): adopt it, never restart it.
                    r.container = Some(pid1);
                    if r.desired == Desired::Up {
                        r.set_phase(Phase::Running);
                    }
                    Next::Adopt(pid1)
                }
                (None, _) if r.desired == Desired::Down => {
                    r.set_phase(Phase::Stopped);
                    Next::Done
                }
                (None, Err(Error::NoSuchContainer(_))) => {
                    r.desired = Desired::Down;
                    r.set_phase(Phase::Stopped);
                    Next::Done
                }
                (None, Err(e)) => {
                    r.last_error = Some(e.to_string());
                    r.set_phase(Phase::Failed);
                    Next::Done
                }
                (None, Ok(cfg)) => {
                    r.set_phase(Phase::Starting);
                    r.container = None;
                    ExitInfo::clear(&ctx.state_dir);
                    Next::Run(Box::new(cfg))
                }
            };
            r.monitor = Some(ctx.me);
            r.save(&ctx.state_dir)?;
            next
        };
        let started = Instant::now();
        let (exit, cfg) = match next {
            Next::Done => return Ok(()),
            Next::Adopt(pid1) => {
                ctx.note(&format!(
                    "adopted running container (PID 1 is host pid {})",
                    pid1.pid
                ));
                (
                    wait_adopted(ctx, pid1),
                    config::load(ctx.paths, ctx.name).ok(),
                )
            }
            Next::Run(cfg) => {
                ctx.note("starting container");
                (run_once(ctx, &cfg)?, Some(*cfg))
            }
        };
        ctx.note(&format!("container ended: {}", exit.describe()));
        let restart = cfg.map(|c| c.restart).unwrap_or_default();
        let decision = ctx.update(|r| {
            let d = lifecycle::decide_after_exit(
                r.desired,
                &restart,
                &exit,
                r.restarts,
                started.elapsed(),
            );
            r.container = None;
            r.last_exit = Some(exit.clone());
            match d {
                Decision::Stay(p) => {
                    r.set_phase(p);
                    if p == Phase::Stopped {
                        r.desired = Desired::Down;
                    }
                    if p == Phase::Failed {
                        r.last_error = Some(exit.describe());
                    }
                }
                Decision::Restart { counts, .. } => {
                    r.set_phase(Phase::Starting);
                    if counts {
                        r.restarts = if started.elapsed().as_secs_f64() >= restart.stable_sec {
                            1
                        } else {
                            r.restarts + 1
                        };
                        r.total_restarts += 1;
                    }
                }
            }
            d
        })?;
        match decision {
            Decision::Stay(p) => {
                ctx.note(&format!("staying down ({p})"));
                return Ok(());
            }
            Decision::Restart { delay, .. } => {
                ctx.note(&format!("restarting in {:.1}s", delay.as_secs_f64()));
                if !sleep_unless_stopped(ctx, delay)? {
                    ctx.update(|r| r.set_phase(Phase::Stopped))?;
                    return Ok(());
                }
            }
        }
    }
}

/// Sleeps `delay`, waking early when the container is no longer wanted up. Returns
/// whether it still is.
fn sleep_unless_stopped(ctx: &Ctx<'_>, delay: Duration) -> Result<bool> {
    let end = Instant::now() + delay;
    loop {
        if Record::load(&ctx.state_dir)?.desired == Desired::Down {
            return Ok(false);
        }
        let now = Instant::now();
        if now >= end {
            return Ok(true);
        }
        std::thread::sleep((end - now).min(Duration::from_millis(50)));
    }
}

/// Waits for an adopted container (not our child) to end, then reads how it ended.
fn wait_adopted(ctx: &Ctx<'_>, pid1: ProcId) -> ExitInfo {
    while pid1.alive() {
        std::thread::sleep(Duration::from_millis(100));
    }
    // The runtime child writes exit.json after cleaning up; give it a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(Some(e)) = ExitInfo::load(&ctx.state_dir) {
            return e;
        }
        if Instant::now() >= deadline {
            return ExitInfo {
                version: EXIT_VERSION,
                code: None,
                error: None,
                at_ms: now_ms(),
            };
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run_once(ctx: &mut Ctx<'_>, cfg: &ContainerConfig) -> Result<ExitInfo> {
    let name = ctx.name.to_string();
    let spec = cfg.resolved_spec(ctx.paths);
    let sys = |op: &'static str| {
        let name = name.clone();
        move |errno| Error::Sys { op, name, errno }
    };
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(sys("pipe"))?;
    let child = match nest_sys::process::fork().map_err(sys("fork"))? {
        nest_sys::process::Forked::Child => {
            drop(r);
            runtime_child(&spec, &ctx.paths.nest_exe, &ctx.state_dir, w)
        }
        nest_sys::process::Forked::Parent(pid) => pid,
    };
    drop(w);
    let mut pipe = std::fs::File::from(r);
    let mut buf = vec![0u8; 16 * 1024];
    let mut running = false;
    let mut eof = false;
    let status = loop {
        if !eof {
            let mut fds = [PollFd::new(pipe.as_fd(), PollFlags::POLLIN)];
            let ready = nix::poll::poll(&mut fds, PollTimeout::from(100u16)).unwrap_or(0);
            if ready > 0 {
                match pipe.read(&mut buf) {
                    Ok(0) => eof = true,
                    Ok(n) => ctx.log.write(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => eof = true,
                }
            }
        } else {
            std::thread::sleep(Duration::from_millis(20));
        }
        if !running {
            let rec = Record {
                monitor: Some(ctx.me),
                ..Record::default()
            };
            if let Some(pid1) = lifecycle::observe(ctx.name, &ctx.state_dir, &rec).container {
                running = true;
                ctx.update(|r| {
                    r.container = Some(pid1);
                    if r.desired == Desired::Up && r.phase == Phase::Starting {
                        r.set_phase(Phase::Running);
                    }
                })?;
            }
        }
        match waitpid(child, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(_, c)) => break Some(c),
            Ok(WaitStatus::Signaled(_, s, _)) => break Some(128 + s as i32),
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => break None,
        }
    };
    // Drain what the container wrote last; its processes are gone, so this ends.
    let _ = nix::fcntl::fcntl(
        &pipe,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    );
    while let Ok(n) = pipe.read(&mut buf) {
        if n == 0 {
            break;
        }
        ctx.log.write(&buf[..n]);
    }
    Ok(match ExitInfo::load(&ctx.state_dir) {
        Ok(Some(e)) => e,
        _ => ExitInfo {
            version: EXIT_VERSION,
            code: status.filter(|c| *c != EXIT_RUNTIME_ERROR),
            error: (status == Some(EXIT_RUNTIME_ERROR) || status.is_none())
                .then(|| "the runtime ended without recording an exit status".to_string()),
            at_ms: now_ms(),
        },
    })
}

/// The forked child: console on the pipe, run the container in the foreground, record
/// how it ended, exit. Never returns.
fn runtime_child(
    spec: &nest_container::Spec,
    nest_exe: &Path,
    state_dir: &Path,
    console: OwnedFd,
) -> ! {
    let _ = nix::unistd::dup2_stdout(&console);
    let _ = nix::unistd::dup2_stderr(&console);
    if let Ok(null) = std::fs::File::open("/dev/null") {
        let _ = nix::unistd::dup2_stdin(&null);
    }
    drop(console);
    let (info, code) = match nest_container::run(spec, Some(nest_exe)) {
        Ok(status) => (
            ExitInfo {
                version: EXIT_VERSION,
                code: Some(status.code()),
                error: None,
                at_ms: now_ms(),
            },
            status.code(),
        ),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "nest: container {}: {e}", spec.name);
            (
                ExitInfo {
                    version: EXIT_VERSION,
                    code: None,
                    error: Some(e.to_string()),
                    at_ms: now_ms(),
                },
                EXIT_RUNTIME_ERROR,
            )
        }
    };
    let _ = info.save(state_dir);
    nest_sys::process::exit_now(code)
}
