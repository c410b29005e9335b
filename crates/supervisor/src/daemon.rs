//! `nest daemon`: on start it re-adopts running containers (pid + start time + cgroup,
//! never by name) without restarting them, then starts the `autoStart` ones that are
//! not running, in parallel; it serves the control socket ([`crate::proto`]) and every
//! tick reaps the monitors it started and gives a monitor to any container that lost
//! its own. Killing the daemon (even with SIGKILL) leaves containers running: they
//! belong to their monitors, not to the daemon.

use crate::config;
use crate::error::{Error, Result};
use crate::files::{self, FileLock};
use crate::lifecycle;
use crate::ops::{StartOutcome, Supervisor};
use crate::paths::Paths;
use crate::proto::{Outcome, Reply, Request, RequestLine, ResponseLine, DAEMON_PROTOCOL_VERSION};
use crate::record::{Desired, Phase, ProcId, Record};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const DAEMON_INFO_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonInfo {
    pub version: u32,
    pub pid: i32,
    pub start_time: u64,
}

#[derive(Debug, Clone)]
pub struct DaemonOptions {
    pub tick: Duration,
    pub start_timeout: Duration,
    /// Containers started at the same time at boot.
    pub parallel: usize,
}

impl Default for DaemonOptions {
    fn default() -> Self {
        DaemonOptions {
            tick: Duration::from_millis(500),
            start_timeout: Duration::from_secs(60),
            parallel: 16,
        }
    }
}

/// What the daemon reports as it goes (the CLI prints these).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Listening {
        socket: std::path::PathBuf,
    },
    Adopted {
        name: String,
        pid: i32,
    },
    Started {
        name: String,
    },
    StartFailed {
        name: String,
        error: String,
    },
    MonitorReplaced {
        name: String,
    },
    BootDone {
        started: usize,
        failed: usize,
        adopted: usize,
    },
    Stopping,
}

type Monitors = Arc<Mutex<Vec<Child>>>;

/// Runs the daemon until SIGTERM or SIGINT. Containers keep running after it exits.
pub fn run(
    paths: Paths,
    opts: DaemonOptions,
    on_event: impl Fn(Event) + Send + Sync + 'static,
) -> Result<()> {
    std::fs::create_dir_all(&paths.run).map_err(Error::io("creating", &paths.run))?;
    let Some(_lock) = FileLock::try_exclusive(&paths.daemon_lock())? else {
        return Err(Error::Daemon(format!(
            "another daemon is running (lock {} is held)",
            paths.daemon_lock().display()
        )));
    };
    // Signals are taken from a signalfd; block them before any thread exists so every
    // thread inherits the mask.
    let mut mask = SigSet::empty();
    mask.add(Signal::SIGTERM);
    mask.add(Signal::SIGINT);
    mask.thread_block().map_err(|errno| Error::Sys {
        op: "blocking signals",
        name: "daemon".into(),
        errno,
    })?;
    let sfd = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC).map_err(
        |errno| Error::Sys {
            op: "signalfd",
            name: "daemon".into(),
            errno,
        },
    )?;

    let me = ProcId::current()
        .ok_or_else(|| Error::Daemon("cannot read this process's start time".into()))?;
    files::write_json(
        &paths.daemon_info(),
        &DaemonInfo {
            version: DAEMON_INFO_VERSION,
            pid: me.pid,
            start_time: me.start_time,
        },
    )?;
    let socket = paths.daemon_socket();
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket).map_err(Error::io("listening on", &socket))?;
    let on_event = Arc::new(on_event);
    on_event(Event::Listening {
        socket: socket.clone(),
    });

    let sup = Arc::new(Supervisor::new(paths.clone()));
    let monitors: Monitors = Arc::new(Mutex::new(Vec::new()));
    {
        let (sup, monitors) = (sup.clone(), monitors.clone());
        std::thread::spawn(move || serve(listener, sup, monitors));
    }
    boot(&sup, &monitors, &opts, on_event.as_ref());

    loop {
        if let Ok(Some(_)) = sfd.read_signal() {
            on_event(Event::Stopping);
            break;
        }
        reap(&monitors);
        watch(&sup, &monitors, on_event.as_ref());
        std::thread::sleep(opts.tick);
    }
    let _ = std::fs::remove_file(&socket);
    let _ = std::fs::remove_file(paths.daemon_info());
    Ok(())
}

/// Re-adopts what runs, gives a monitor to containers that lost theirs, and starts
/// the `autoStart` containers that should be up.
fn boot(
    sup: &Arc<Supervisor>,
    monitors: &Monitors,
    opts: &DaemonOptions,
    on_event: &(dyn Fn(Event) + Send + Sync),
) {
    let mut to_start = Vec::new();
    let mut adopted = 0;
    for name in sup.names().unwrap_or_default() {
        let Ok(cfg) = config::load(&sup.paths, &name) else {
            continue;
        };
        let dir = sup.paths.state_dir(&name);
        let record = Record::load_opt(&dir).ok().flatten();
        let r = record.clone().unwrap_or_default();
        let obs = lifecycle::observe(&name, &dir, &r);
        let phase = lifecycle::reconcile(&r, &obs);
        match (phase, obs.container) {
            (Phase::Running | Phase::Starting | Phase::Stopping, Some(pid1)) => {
                if !obs.monitor_alive && r.desired == Desired::Up {
                    if let Ok((_, Some(child))) = sup.begin_start(&name) {
                        lock(monitors).push(child);
                    }
                }
                adopted += 1;
                on_event(Event::Adopted {
                    name,
                    pid: pid1.pid,
                });
            }
            (Phase::Starting | Phase::Stopping, None) => {}
            // Never started since boot (no record), or wanted up and not given up on
            // when the daemon died. A container its policy gave up on stays failed.
            _ if cfg.auto_start
                && record
                    .as_ref()
                    .is_none_or(|r| r.desired == Desired::Up && r.phase != Phase::Failed) =>
            {
                to_start.push(name)
            }
            _ => {}
        }
    }
    let queue = Arc::new(Mutex::new(to_start));
    let results = Arc::new(Mutex::new((0usize, 0usize)));
    std::thread::scope(|s| {
        for _ in 0..opts.parallel.max(1) {
            let (queue, results) = (queue.clone(), results.clone());
            s.spawn(move || loop {
                let Some(name) = lock(&queue).pop() else {
                    break;
                };
                let r = sup.begin_start(&name).and_then(|(_, child)| {
                    if let Some(c) = child {
                        lock(monitors).push(c);
                    }
                    sup.wait_started(&name, opts.start_timeout)
                });
                match r {
                    Ok(_) => {
                        lock(&results).0 += 1;
                        on_event(Event::Started { name });
                    }
                    Err(e) => {
                        lock(&results).1 += 1;
                        on_event(Event::StartFailed {
                            name,
                            error: e.to_string(),
                        });
                    }
                }
            });
        }
    });
    let (started, failed) = *lock(&results);
    on_event(Event::BootDone {
        started,
        failed,
        adopted,
    });
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn reap(monitors: &Monitors) {
    lock(monitors).retain_mut(|c| !matches!(c.try_wait(), Ok(Some(_)) | Err(_)));
}

/// A container wanted up whose monitor is gone gets a new one: it adopts PID 1 when
/// that still runs, or starts the container again when the monitor died mid-run.
fn watch(sup: &Arc<Supervisor>, monitors: &Monitors, on_event: &(dyn Fn(Event) + Send + Sync)) {
    for name in sup.names().unwrap_or_default() {
        let dir = sup.paths.state_dir(&name);
        let Ok(Some(r)) = Record::load_opt(&dir) else {
            continue;
        };
        if r.desired != Desired::Up || r.monitor.is_some_and(|m| m.alive()) {
            continue;
        }
        if !matches!(r.phase, Phase::Starting | Phase::Running) {
            continue;
        }
        if let Ok((outcome, Some(child))) = sup.begin_start(&name) {
            lock(monitors).push(child);
            if outcome != StartOutcome::AlreadyRunning {
                on_event(Event::MonitorReplaced { name });
            }
        }
    }
}

fn serve(listener: UnixListener, sup: Arc<Supervisor>, monitors: Monitors) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let (sup, monitors) = (sup.clone(), monitors.clone());
        std::thread::spawn(move || handle(stream, &sup, &monitors));
    }
}

fn handle(stream: UnixStream, sup: &Supervisor, monitors: &Monitors) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { return };
        let outcome = match serde_json::from_str::<RequestLine>(&line) {
            Err(e) => Outcome::Error { message: format!("invalid request: {e}") },
            Ok(req) if req.v != DAEMON_PROTOCOL_VERSION => Outcome::Error { message: format!("protocol version {} is not supported (this daemon speaks {DAEMON_PROTOCOL_VERSION})", req.v) },
            Ok(req) => match dispatch(req.request, sup, monitors) {
                Ok(reply) => Outcome::Ok { reply },
                Err(e) => Outcome::Error { message: e.to_string() },
            },
        };
        let Ok(mut text) = serde_json::to_string(&ResponseLine {
            v: DAEMON_PROTOCOL_VERSION,
            outcome,
        }) else {
            return;
        };
        text.push('\n');
        if writer.write_all(text.as_bytes()).is_err() {
            return;
        }
    }
}

fn secs(s: Option<f64>, default: Duration) -> Duration {
    s.filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(default)
}

fn dispatch(req: Request, sup: &Supervisor, monitors: &Monitors) -> Result<Reply> {
    let start = |name: &str, timeout: Duration| -> Result<Reply> {
        let (outcome, child) = sup.begin_start(name)?;
        if let Some(c) = child {
            lock(monitors).push(c);
        }
        sup.wait_started(name, timeout)?;
        Ok(Reply::Done {
            result: start_word(&outcome).into(),
        })
    };
    match req {
        Request::Ping {} => Ok(Reply::Pong {
            pid: std::process::id(),
        }),
        Request::Start { name, timeout_sec } => {
            start(&name, secs(timeout_sec, Duration::from_secs(60)))
        }
        Request::Stop { name, timeout_sec } => {
            let o = sup.stop(
                &name,
                timeout_sec.map(|s| secs(Some(s), Duration::from_secs(10))),
            )?;
            Ok(Reply::Done {
                result: serde_json::to_value(o)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
            })
        }
        Request::Terminate { name } => {
            sup.terminate(&name)?;
            Ok(Reply::Done {
                result: "killed".into(),
            })
        }
        Request::Restart { name, timeout_sec } => {
            sup.stop(&name, None)?;
            start(&name, secs(timeout_sec, Duration::from_secs(60)))
        }
    }
}

pub fn start_word(o: &StartOutcome) -> &'static str {
    match o {
        StartOutcome::Started => "started",
        StartOutcome::AlreadyRunning => "already-running",
        StartOutcome::Adopted => "adopted",
    }
}
