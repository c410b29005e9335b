//! The event loop of `nest init --system`: signals (signalfd), reaping, boot and
//! re-activation, the control socket, log pipes, and the atomic `status.json`.

use crate::logs::{timestamp, unix_ms, LogLimits, RotatingLog};
use crate::manager::{self, Manager, ManagerConfig};
use crate::protocol::{
    ActivationResult, InitState, InitStatus, Outcome, Reply, Request, RequestLine, ResponseLine,
    EXIT_FAILURE, EXIT_POWEROFF, EXIT_REBOOT, PROTOCOL_VERSION, STATUS_VERSION,
};
use crate::signals::SignalPipe;
use crate::spec::Spec;
use crate::InitError;
use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// Everything `nest init --system` is configured with.
#[derive(Debug, Clone)]
pub struct SystemConfig {
    /// The system directory: `activate` (optional) and `services.json`.
    pub system: PathBuf,
    /// Host-visible state: `control.sock`, `status.json`, `logs/`.
    pub state_dir: PathBuf,
    /// Where service users and groups are looked up (`/etc` inside the container).
    pub etc_dir: PathBuf,
    pub log_limits: LogLimits,
    /// Exit with [`EXIT_FAILURE`] when the boot activation fails, instead of going on.
    pub strict_activation: bool,
    /// Also write init's own log lines to stderr (the container console).
    pub console: bool,
}

/// Control connections served at once; further clients wait in the listener's backlog.
const MAX_CONNECTIONS: usize = 64;
const MAX_REQUEST_BYTES: usize = 1 << 20;

struct Conn {
    stream: UnixStream,
    inbuf: Vec<u8>,
    outbuf: Vec<u8>,
    eof: bool,
}

struct Activation {
    pid: i32,
    system: PathBuf,
    /// `None` at boot (the boot spec is already loaded).
    new_spec: Option<Spec>,
    conn: Option<u64>,
}

/// Makes this process reap orphans when it is not PID 1 (tests, nested use).
pub(crate) fn become_reaper() -> Result<(), InitError> {
    if std::process::id() != 1 {
        nix::sys::prctl::set_child_subreaper(true).map_err(|e| InitError::Setup {
            what: "becoming a child subreaper".into(),
            source: e.into(),
        })?;
    }
    Ok(())
}

struct Init {
    cfg: SystemConfig,
    mgr: Manager,
    sigfd: SignalPipe,
    listener: UnixListener,
    socket_path: PathBuf,
    conns: BTreeMap<u64, Conn>,
    next_conn: u64,
    state: InitState,
    since: SystemTime,
    exit_code: i32,
    system: PathBuf,
    spec: Spec,
    activation: Option<Activation>,
    last_activation: Option<ActivationResult>,
    error: Option<String>,
    log: RotatingLog,
    act_r: OwnedFd,
    act_w: OwnedFd,
    last_status: String,
    is_pid1: bool,
    stop_requests: u32,
}

/// Runs init for a system until it is stopped; returns the exit status.
pub fn run(cfg: SystemConfig) -> Result<i32, InitError> {
    become_reaper()?;
    let rtmin = libc::SIGRTMIN();
    let sigfd = SignalPipe::new(&[
        Signal::SIGCHLD as i32,
        Signal::SIGTERM as i32,
        Signal::SIGINT as i32,
        Signal::SIGHUP as i32,
        Signal::SIGUSR1 as i32,
        Signal::SIGUSR2 as i32,
        Signal::SIGPWR as i32,
        rtmin + 3,
        rtmin + 4,
        rtmin + 5,
        rtmin + 6,
    ])
    .map_err(|e| InitError::Setup {
        what: "installing signal handlers".into(),
        source: e,
    })?;
    let logs_dir = cfg.state_dir.join("logs");
    std::fs::create_dir_all(&logs_dir).map_err(|source| InitError::Io {
        path: logs_dir.clone(),
        source,
    })?;
    let socket_path = cfg.state_dir.join("control.sock");
    match std::fs::remove_file(&socket_path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(InitError::Io {
                path: socket_path,
                source,
            })
        }
    }
    // Bound under a temporary name and renamed once listening, so a client that sees
    // `control.sock` never gets ECONNREFUSED from the gap between bind and listen.
    let tmp_socket = cfg
        .state_dir
        .join(format!(".control.sock.{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp_socket);
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| InitError::Io { path, source }
    };
    let listener = UnixListener::bind(&tmp_socket).map_err(io_err(&tmp_socket))?;
    listener
        .set_nonblocking(true)
        .map_err(io_err(&tmp_socket))?;
    let _ = std::fs::set_permissions(&tmp_socket, std::fs::Permissions::from_mode(0o600));
    std::fs::rename(&tmp_socket, &socket_path).map_err(io_err(&socket_path))?;
    let (act_r, act_w) = manager::log_pipe().map_err(|e| InitError::Setup {
        what: "creating a pipe".into(),
        source: e,
    })?;
    let mgr = Manager::new(ManagerConfig {
        logs_dir: logs_dir.clone(),
        limits: cfg.log_limits,
        etc_dir: cfg.etc_dir.clone(),
    });
    let mut init = Init {
        mgr,
        sigfd,
        listener,
        socket_path,
        conns: BTreeMap::new(),
        next_conn: 0,
        state: InitState::Booting,
        since: SystemTime::now(),
        exit_code: EXIT_POWEROFF,
        system: cfg.system.clone(),
        spec: Spec::empty(cfg.system.join("services.json")),
        activation: None,
        last_activation: None,
        error: None,
        log: RotatingLog::new(logs_dir.join("init.log"), cfg.log_limits),
        act_r,
        act_w,
        last_status: String::new(),
        is_pid1: std::process::id() == 1,
        stop_requests: 0,
        cfg,
    };
    init.boot();
    init.run_loop();
    Ok(init.exit_code)
}

impl Init {
    fn logln(&mut self, msg: &str) {
        let line = format!("{} {msg}\n", timestamp(SystemTime::now()));
        self.log.write(line.as_bytes());
        if self.cfg.console {
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }

    fn boot(&mut self) {
        let pid = std::process::id();
        self.logln(&format!(
            "nest init (pid {pid}) booting {}",
            self.system.display()
        ));
        let path = self.system.join("services.json");
        match Spec::load(&path) {
            Ok(spec) => {
                self.mgr.load(&spec);
                self.spec = spec;
            }
            Err(crate::spec::SpecError::Read { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                self.logln(&format!("{} does not exist: no services", path.display()));
            }
            Err(e) => {
                let msg = format!("not starting any service: {e}");
                self.logln(&msg);
                self.error = Some(msg);
            }
        }
        let system = self.system.clone();
        match self.start_activation(&system, None, None) {
            Ok(true) => {}
            Ok(false) => self.finish_boot(),
            Err(msg) => {
                self.record_activation(&system, false, msg);
                self.after_boot_activation(false);
            }
        }
    }

    /// Spawns `SYSTEM/activate`; Ok(false) when the system has none.
    fn start_activation(
        &mut self,
        system: &Path,
        new_spec: Option<Spec>,
        conn: Option<u64>,
    ) -> Result<bool, String> {
        let script = system.join("activate");
        if !script.exists() {
            return Ok(false);
        }
        self.logln(&format!("running {}", script.display()));
        let mut env = BTreeMap::new();
        env.insert("NEST_SYSTEM".to_string(), system.display().to_string());
        env.insert(
            "NEST_STATE_DIR".to_string(),
            self.cfg.state_dir.display().to_string(),
        );
        let argv = vec![script.display().to_string()];
        let pid = manager::spawn(&argv, &env, Path::new("/"), None, &self.act_w)?;
        self.activation = Some(Activation {
            pid,
            system: system.to_path_buf(),
            new_spec,
            conn,
        });
        Ok(true)
    }

    fn record_activation(&mut self, system: &Path, ok: bool, detail: String) {
        self.logln(&format!("activation of {}: {detail}", system.display()));
        self.last_activation = Some(ActivationResult {
            system: system.to_path_buf(),
            ok,
            detail,
        });
    }

    fn after_boot_activation(&mut self, ok: bool) {
        if !ok && self.cfg.strict_activation {
            self.logln("activation failed and --strict-activation is set: exiting");
            self.exit_code = EXIT_FAILURE;
            self.state = InitState::Stopping;
            self.mgr.shutdown();
        } else {
            self.finish_boot();
        }
    }

    fn finish_boot(&mut self) {
        if self.state != InitState::Booting {
            return;
        }
        let spec = self.spec.clone();
        self.mgr.start_boot(&spec);
        self.state = InitState::Running;
        self.logln(&format!("booted; {} services defined", spec.services.len()));
    }

    fn begin_shutdown(&mut self, code: i32, why: &str) {
        self.stop_requests += 1;
        if self.state == InitState::Stopping {
            if self.stop_requests > 1 {
                self.logln(&format!("{why} while stopping: killing all services"));
                self.mgr.kill_all();
            }
            return;
        }
        self.logln(&format!(
            "{why}: stopping services, then exiting with {code}"
        ));
        self.exit_code = code;
        self.state = InitState::Stopping;
        if let Some(act) = self.activation.take() {
            let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(act.pid), Signal::SIGKILL);
            if let Some(c) = act.conn {
                self.reply(
                    c,
                    Outcome::Error {
                        message: "init is shutting down".into(),
                    },
                );
            }
            // Still reaped by the loop; remember it so the exit waits for it.
            self.activation = Some(Activation {
                conn: None,
                new_spec: None,
                ..act
            });
        }
        self.mgr.shutdown();
    }

    fn run_loop(&mut self) {
        loop {
            let now = Instant::now();
            self.reap(now);
            self.mgr.step(Instant::now());
            for n in self.mgr.take_notes() {
                self.logln(&n);
            }
            self.write_status();
            if self.state == InitState::Stopping && self.mgr.idle() && self.activation.is_none() {
                break;
            }
            let timeout = match self.mgr.next_deadline() {
                None => PollTimeout::NONE,
                Some(t) => {
                    let ms = t
                        .saturating_duration_since(Instant::now())
                        .as_millis()
                        .saturating_add(1);
                    PollTimeout::try_from(ms.min(60_000)).unwrap_or(PollTimeout::NONE)
                }
            };
            self.poll_once(timeout);
        }
        self.finish();
    }

    fn poll_once(&mut self, timeout: PollTimeout) {
        #[derive(Clone)]
        enum Src {
            Signal,
            Listener,
            Conn(u64),
            Pipe(String),
            Activation,
        }
        let mut srcs: Vec<Src> = Vec::new();
        let ready: Vec<(Src, PollFlags)> = {
            let mut fds: Vec<PollFd> = Vec::new();
            fds.push(PollFd::new(self.sigfd.as_fd(), PollFlags::POLLIN));
            srcs.push(Src::Signal);
            // At the connection limit the listener is not watched: new clients wait
            // in its backlog until a connection ends, rather than being accepted
            // and dropped unanswered.
            if self.conns.len() < MAX_CONNECTIONS {
                fds.push(PollFd::new(self.listener.as_fd(), PollFlags::POLLIN));
                srcs.push(Src::Listener);
            }
            fds.push(PollFd::new(self.act_r.as_fd(), PollFlags::POLLIN));
            srcs.push(Src::Activation);
            for (id, c) in &self.conns {
                let mut fl = if c.eof {
                    PollFlags::empty()
                } else {
                    PollFlags::POLLIN
                };
                if !c.outbuf.is_empty() {
                    fl |= PollFlags::POLLOUT;
                }
                fds.push(PollFd::new(c.stream.as_fd(), fl));
                srcs.push(Src::Conn(*id));
            }
            for (name, fd) in self.mgr.pipes() {
                fds.push(PollFd::new(fd, PollFlags::POLLIN));
                srcs.push(Src::Pipe(name.to_string()));
            }
            match nix::poll::poll(&mut fds, timeout) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => return,
                Err(e) => {
                    drop(fds);
                    self.logln(&format!("poll failed: {e}"));
                    std::thread::sleep(Duration::from_millis(10));
                    return;
                }
            }
            fds.iter()
                .zip(srcs.iter())
                .filter_map(|(f, s)| {
                    f.revents()
                        .filter(|r| !r.is_empty())
                        .map(|r| (s.clone(), r))
                })
                .collect()
        };
        // Connections first, so that those whose clients left are gone before new
        // ones are counted against the limit.
        let (listener, ready): (Vec<_>, Vec<_>) = ready
            .into_iter()
            .partition(|(s, _)| matches!(s, Src::Listener));
        for (src, flags) in ready.into_iter().chain(listener) {
            match src {
                Src::Signal => self.read_signals(),
                Src::Listener => self.accept(),
                Src::Activation => {
                    manager::drain(&self.act_r, &mut self.log);
                }
                Src::Pipe(name) => self.mgr.drain_pipe(&name),
                Src::Conn(id) => self.service_conn(id, flags),
            }
        }
    }

    fn read_signals(&mut self) {
        for signo in self.sigfd.pending() {
            let rtmin = libc::SIGRTMIN();
            if signo == Signal::SIGCHLD as i32 {
                continue;
            }
            let (code, what) = if signo == Signal::SIGTERM as i32 {
                (EXIT_POWEROFF, "SIGTERM")
            } else if signo == Signal::SIGINT as i32 {
                if self.is_pid1 {
                    (EXIT_REBOOT, "SIGINT (reboot)")
                } else {
                    (EXIT_POWEROFF, "SIGINT")
                }
            } else if signo == rtmin + 3 || signo == rtmin + 4 {
                (EXIT_POWEROFF, "SIGRTMIN+3/4 (halt/poweroff)")
            } else if signo == rtmin + 5 || signo == rtmin + 6 {
                (EXIT_REBOOT, "SIGRTMIN+5/6 (reboot)")
            } else {
                self.logln(&format!("ignoring signal {signo}"));
                continue;
            };
            self.begin_shutdown(code, what);
        }
    }

    fn reap(&mut self, now: Instant) {
        loop {
            let ws = match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(_) => return,
                Ok(ws) => ws,
            };
            let Some(pid) = ws.pid() else { continue };
            let raw = pid.as_raw();
            if !matches!(ws, WaitStatus::Exited(..) | WaitStatus::Signaled(..)) {
                continue;
            }
            if self.activation.as_ref().is_some_and(|a| a.pid == raw) {
                self.activation_done(&ws);
                continue;
            }
            self.mgr.on_exit(raw, &ws, now);
        }
    }

    fn activation_done(&mut self, ws: &WaitStatus) {
        let Some(act) = self.activation.take() else {
            return;
        };
        manager::drain(&self.act_r, &mut self.log);
        let (ok, detail) = match ws {
            WaitStatus::Exited(_, 0) => (true, "activate exited 0".to_string()),
            WaitStatus::Exited(_, c) => (false, format!("activate failed: exited {c}")),
            WaitStatus::Signaled(_, s, _) => (false, format!("activate failed: killed by {s}")),
            other => (false, format!("activate failed: {other:?}")),
        };
        if self.state == InitState::Stopping {
            return;
        }
        self.record_activation(&act.system, ok, detail.clone());
        match act.new_spec {
            None => self.after_boot_activation(ok),
            Some(new_spec) => {
                let conn = act.conn;
                if ok {
                    let outcome = self.apply(act.system, new_spec);
                    if let Some(c) = conn {
                        self.reply(c, outcome);
                    }
                } else if let Some(c) = conn {
                    let message = format!(
                        "{}: {detail}; services left unchanged (see {})",
                        act.system.join("activate").display(),
                        self.log.path().display()
                    );
                    self.reply(c, Outcome::Error { message });
                }
            }
        }
    }

    fn apply(&mut self, system: PathBuf, new_spec: Spec) -> Outcome {
        let old = std::mem::replace(&mut self.spec, new_spec);
        let mut report = self.mgr.apply(&old, &self.spec);
        report.system = system.clone();
        self.logln(&format!(
            "re-activated {}: started {:?}, stopped {:?}, restarted {:?}",
            system.display(),
            report.started,
            report.stopped,
            report.restarted
        ));
        self.system = system;
        self.error = None;
        Outcome::Ok {
            reply: Reply::Activated(report),
        }
    }

    fn status(&self) -> InitStatus {
        InitStatus {
            version: STATUS_VERSION,
            pid: std::process::id(),
            system: self.system.clone(),
            state: self.state,
            since_ms: unix_ms(self.since),
            activation: self.last_activation.clone(),
            error: self.error.clone(),
            services: self.mgr.statuses(),
        }
    }

    fn write_status(&mut self) {
        let Ok(text) = serde_json::to_string_pretty(&self.status()) else {
            return;
        };
        if text == self.last_status {
            return;
        }
        let path = self.cfg.state_dir.join("status.json");
        match write_atomic(&path, text.as_bytes()) {
            Ok(()) => self.last_status = text,
            Err(e) => {
                // Logged once per distinct content; retried on the next change.
                self.last_status = text;
                self.logln(&format!("cannot write {}: {e}", path.display()));
            }
        }
    }

    fn accept(&mut self) {
        // Up to the limit; the rest stay in the listener's backlog (see `poll_once`).
        while self.conns.len() < MAX_CONNECTIONS {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    self.next_conn += 1;
                    self.conns.insert(
                        self.next_conn,
                        Conn {
                            stream,
                            inbuf: Vec::new(),
                            outbuf: Vec::new(),
                            eof: false,
                        },
                    );
                }
                Err(_) => return,
            }
        }
    }

    fn service_conn(&mut self, id: u64, flags: PollFlags) {
        if flags.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
            let mut buf = [0u8; 4096];
            loop {
                let Some(c) = self.conns.get_mut(&id) else {
                    return;
                };
                match c.stream.read(&mut buf) {
                    Ok(0) => {
                        c.eof = true;
                        break;
                    }
                    Ok(n) => c.inbuf.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => {
                        c.eof = true;
                        c.outbuf.clear();
                        break;
                    }
                }
                if c.inbuf.len() > MAX_REQUEST_BYTES {
                    c.inbuf.clear();
                    c.eof = true;
                    self.reply(
                        id,
                        Outcome::Error {
                            message: "request too long".into(),
                        },
                    );
                    break;
                }
            }
            while let Some(line) = self.conns.get_mut(&id).and_then(|c| {
                let pos = c.inbuf.iter().position(|b| *b == b'\n')?;
                Some(c.inbuf.drain(..=pos).collect::<Vec<u8>>())
            }) {
                self.handle_line(id, &line);
            }
        }
        self.flush_conn(id);
    }

    fn flush_conn(&mut self, id: u64) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        while !c.outbuf.is_empty() {
            match c.stream.write(&c.outbuf) {
                Ok(0) => break,
                Ok(n) => {
                    c.outbuf.drain(..n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    c.outbuf.clear();
                    c.eof = true;
                    break;
                }
            }
        }
        let pending_activation = self.activation.as_ref().is_some_and(|a| a.conn == Some(id));
        if c.eof && c.outbuf.is_empty() && !pending_activation {
            self.conns.remove(&id);
        }
    }

    fn reply(&mut self, id: u64, outcome: Outcome) {
        let line = ResponseLine {
            v: PROTOCOL_VERSION,
            outcome,
        };
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        match serde_json::to_vec(&line) {
            Ok(mut v) => {
                v.push(b'\n');
                c.outbuf.extend_from_slice(&v);
            }
            Err(e) => {
                let fallback = format!(
                    "{{\"v\":{PROTOCOL_VERSION},\"outcome\":\"error\",\"message\":\"cannot encode reply: {}\"}}\n",
                    e.to_string().replace('"', "'")
                );
                c.outbuf.extend_from_slice(fallback.as_bytes());
            }
        }
        self.flush_conn(id);
    }

    fn handle_line(&mut self, id: u64, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let req = match serde_json::from_str::<RequestLine>(text) {
            Ok(r) if r.v == PROTOCOL_VERSION => r.request,
            Ok(r) => {
                let message = format!(
                    "unsupported protocol version {} (this init speaks {PROTOCOL_VERSION})",
                    r.v
                );
                self.reply(id, Outcome::Error { message });
                return;
            }
            Err(e) => {
                self.reply(
                    id,
                    Outcome::Error {
                        message: format!("invalid request: {e}"),
                    },
                );
                return;
            }
        };
        if let Some(outcome) = self.handle(id, req) {
            self.reply(id, outcome);
        }
    }

    /// Handles a request; `None` when the reply comes later (activation running).
    fn handle(&mut self, id: u64, req: Request) -> Option<Outcome> {
        let err = |m: String| Some(Outcome::Error { message: m });
        let ok = |r: Reply| Some(Outcome::Ok { reply: r });
        match req {
            Request::Status {} => ok(Reply::Status(self.status())),
            Request::Stop {} => {
                self.begin_shutdown(EXIT_POWEROFF, "stop requested");
                ok(Reply::ShuttingDown {
                    exit_code: self.exit_code,
                })
            }
            Request::Reboot {} => {
                self.begin_shutdown(EXIT_REBOOT, "reboot requested");
                ok(Reply::ShuttingDown {
                    exit_code: self.exit_code,
                })
            }
            Request::StartService { name }
            | Request::StopService { name }
            | Request::RestartService { name }
                if self.state != InitState::Running =>
            {
                err(format!(
                    "cannot act on service {name}: init is {}",
                    state_word(self.state)
                ))
            }
            Request::StartService { name }
            | Request::StopService { name }
            | Request::RestartService { name }
                if !self.mgr.has_unit(&name) =>
            {
                err(format!(
                    "no service named {name} in {}",
                    self.system.display()
                ))
            }
            Request::StartService { name } => {
                self.logln(&format!("start of {name} requested"));
                ok(Reply::Accepted {
                    services: self.mgr.queue_start(&name),
                })
            }
            Request::StopService { name } => {
                self.logln(&format!("stop of {name} requested"));
                ok(Reply::Accepted {
                    services: self.mgr.queue_stop(&name),
                })
            }
            Request::RestartService { name } => {
                self.logln(&format!("restart of {name} requested"));
                ok(Reply::Accepted {
                    services: self.mgr.queue_restart(&name),
                })
            }
            Request::Activate { system } => {
                if self.state != InitState::Running {
                    return err(format!(
                        "cannot activate: init is {}",
                        state_word(self.state)
                    ));
                }
                if self.activation.is_some() {
                    return err("another activation is in progress".to_string());
                }
                let system = if system.is_absolute() {
                    system
                } else {
                    Path::new("/").join(system)
                };
                let spec = match Spec::load(&system.join("services.json")) {
                    Ok(s) => s,
                    Err(e) => {
                        self.logln(&format!("activation of {} refused: {e}", system.display()));
                        return err(format!("{e}; the running system is unchanged"));
                    }
                };
                self.logln(&format!("activating {}", system.display()));
                match self.start_activation(&system, Some(spec.clone()), Some(id)) {
                    Ok(true) => None,
                    Ok(false) => Some(self.apply(system, spec)),
                    Err(e) => {
                        self.record_activation(&system, false, e.clone());
                        err(format!("{e}; services left unchanged"))
                    }
                }
            }
        }
    }

    fn finish(&mut self) {
        // Orphans left by services (double-forked daemons) are our children in
        // subreaper mode; as PID 1 the kernel kills them when we exit.
        if !self.is_pid1 {
            kill_remaining_children();
        }
        self.logln(&format!("exiting with {}", self.exit_code));
        self.write_status();
        let _ = std::fs::remove_file(&self.socket_path);
        let ids: Vec<u64> = self.conns.keys().copied().collect();
        for id in ids {
            if let Some(c) = self.conns.get_mut(&id) {
                let _ = c.stream.set_nonblocking(false);
                let _ = c.stream.set_write_timeout(Some(Duration::from_millis(200)));
                let _ = c.stream.write_all(&c.outbuf);
            }
        }
    }
}

fn state_word(s: InitState) -> &'static str {
    match s {
        InitState::Booting => "booting",
        InitState::Running => "running",
        InitState::Stopping => "stopping",
    }
}

/// SIGKILLs and reaps the processes whose parent is this process (found in /proc).
fn kill_remaining_children() {
    let me = std::process::id().to_string();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return;
    };
    let mut killed = false;
    for e in rd.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(st) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        let ppid = st
            .lines()
            .find_map(|l| l.strip_prefix("PPid:"))
            .map(str::trim);
        if ppid == Some(me.as_str()) {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGKILL);
            killed = true;
        }
    }
    if killed {
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => std::thread::sleep(Duration::from_millis(5)),
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
}

/// Writes `path` so readers see the old or the new content, never a mix: temp file in
/// the same directory, fsync, rename.
pub fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_content() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("status.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1);
    }
}
