//! Service supervision: one [`Unit`] per service with its state machine, start/stop
//! jobs ordered by the dependency graph, restart back-off, process groups and the
//! per-service log pipes. Single-threaded; the event loop in `pid1` feeds it exits,
//! time and requests.

use crate::graph;
use crate::logs::{unix_ms, LogLimits, RotatingLog};
use crate::protocol::{ActivationReport, ServiceState, ServiceStatus};
use crate::spec::{RestartPolicy, Service, ServiceType, Spec};
use crate::users::{self, Identity};
use nix::fcntl::OFlag;
use nix::sys::signal::{killpg, Signal};
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// `PATH` for services, activation and `--exec` when none is given.
pub const DEFAULT_PATH: &str =
    "/run/current-system/sw/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// A main process that ran at least this long resets the restart back-off.
const BACKOFF_RESET: Duration = Duration::from_secs(10);
/// How often a `notify` service's ready file is checked.
pub const READY_POLL: Duration = Duration::from_millis(20);

#[derive(Debug, Clone)]
pub struct ManagerConfig {
    pub logs_dir: PathBuf,
    pub limits: LogLimits,
    /// Where `passwd` and `group` are read from.
    pub etc_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    PreStart,
    Main,
    PostStart,
    ExecStop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    Start,
    Stop,
    Restart,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum AfterStop {
    Inactive,
    Failed(String),
    Start,
    Remove,
}

struct Unit {
    svc: Service,
    /// A new definition from re-activation, used from the next start on.
    pending: Option<Service>,
    state: ServiceState,
    since: SystemTime,
    main: Option<i32>,
    aux: Option<(i32, Role)>,
    /// Process groups of the current run; SIGKILLed when the run ends so nothing leaks.
    pgids: Vec<i32>,
    job: Option<Job>,
    after_stop: Option<AfterStop>,
    kill_at: Option<Instant>,
    restart_at: Option<Instant>,
    ready_deadline: Option<Instant>,
    started_at: Option<Instant>,
    restarts: u32,
    failures_in_row: u32,
    last_exit: Option<String>,
    remove_when_stopped: bool,
    identity: Option<Identity>,
    pipe_r: OwnedFd,
    pipe_w: OwnedFd,
    log: RotatingLog,
}

impl Unit {
    fn eff(&self) -> &Service {
        self.pending.as_ref().unwrap_or(&self.svc)
    }
    fn has_procs(&self) -> bool {
        self.main.is_some() || self.aux.is_some()
    }
    fn is_active(&self) -> bool {
        self.has_procs()
            || matches!(
                self.state,
                ServiceState::Running
                    | ServiceState::Starting
                    | ServiceState::Exited
                    | ServiceState::Stopping
                    | ServiceState::AutoRestart
            )
    }
    fn set_state(&mut self, s: ServiceState) {
        if self.state != s {
            self.state = s;
            self.since = SystemTime::now();
        }
    }
}

pub struct Manager {
    cfg: ManagerConfig,
    units: BTreeMap<String, Unit>,
    procs: HashMap<i32, (String, Role)>,
    order: Vec<String>,
    shutting_down: bool,
    /// Messages for init's log, drained by the event loop.
    notes: Vec<String>,
}

fn describe(ws: &WaitStatus) -> (bool, String) {
    match ws {
        WaitStatus::Exited(_, 0) => (true, "exited 0".to_string()),
        WaitStatus::Exited(_, c) => (false, format!("exited {c}")),
        WaitStatus::Signaled(_, s, _) => (false, format!("killed by {s}")),
        other => (false, format!("{other:?}")),
    }
}

/// Sends `sig` to a process group, ignoring "no such process" (it may have just exited).
fn signal_group(pgid: i32, sig: Signal) {
    if pgid > 1 {
        let _ = killpg(Pid::from_raw(pgid), sig);
    }
}

/// Spawns `argv` in its own process group with output to `out`. Used for services and
/// activation alike.
pub fn spawn(
    argv: &[String],
    env: &BTreeMap<String, String>,
    cwd: &std::path::Path,
    identity: Option<&Identity>,
    out: &OwnedFd,
) -> Result<i32, String> {
    let Some(program) = argv.first() else {
        return Err("empty command".to_string());
    };
    let mut cmd = Command::new(program);
    cmd.args(&argv[1..]).env_clear();
    if !env.contains_key("PATH") {
        cmd.env("PATH", DEFAULT_PATH);
    }
    cmd.envs(env)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .process_group(0);
    let o1 = out
        .try_clone()
        .map_err(|e| format!("cannot duplicate log pipe: {e}"))?;
    let o2 = out
        .try_clone()
        .map_err(|e| format!("cannot duplicate log pipe: {e}"))?;
    cmd.stdout(Stdio::from(o1)).stderr(Stdio::from(o2));
    if let Some(id) = identity {
        cmd.gid(id.gid).uid(id.uid);
    }
    match cmd.spawn() {
        Ok(child) => Ok(child.id() as i32),
        Err(e) => Err(format!("cannot run {program}: {e}")),
    }
}

/// A non-blocking, close-on-exec pipe for log output.
pub fn log_pipe() -> Result<(OwnedFd, OwnedFd), std::io::Error> {
    let (r, w) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
    nix::fcntl::fcntl(&r, nix::fcntl::FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
    Ok((r, w))
}

/// Reads what is available on a non-blocking pipe into `log`.
pub fn drain(fd: &OwnedFd, log: &mut RotatingLog) {
    let mut buf = [0u8; 16 * 1024];
    let mut f = match fd.try_clone() {
        Ok(f) => std::fs::File::from(f),
        Err(_) => return,
    };
    // Bounded so one chatty service cannot starve the loop.
    for _ in 0..64 {
        match f.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => log.write(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        }
    }
}

impl Manager {
    pub fn new(cfg: ManagerConfig) -> Manager {
        Manager {
            cfg,
            units: BTreeMap::new(),
            procs: HashMap::new(),
            order: Vec::new(),
            shutting_down: false,
            notes: Vec::new(),
        }
    }

    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    fn note(&mut self, s: String) {
        self.notes.push(s);
    }

    pub fn has_unit(&self, name: &str) -> bool {
        self.units.contains_key(name)
    }

    fn new_unit(&self, svc: Service) -> Result<Unit, std::io::Error> {
        let (pipe_r, pipe_w) = log_pipe()?;
        let log = RotatingLog::new(
            self.cfg.logs_dir.join(format!("{}.log", svc.name)),
            self.cfg.limits,
        );
        Ok(Unit {
            svc,
            pending: None,
            state: ServiceState::Inactive,
            since: SystemTime::now(),
            main: None,
            aux: None,
            pgids: Vec::new(),
            job: None,
            after_stop: None,
            kill_at: None,
            restart_at: None,
            ready_deadline: None,
            started_at: None,
            restarts: 0,
            failures_in_row: 0,
            last_exit: None,
            remove_when_stopped: false,
            identity: None,
            pipe_r,
            pipe_w,
            log,
        })
    }

    fn add(&mut self, svc: Service) {
        let name = svc.name.clone();
        match self.new_unit(svc) {
            Ok(u) => {
                self.units.insert(name, u);
            }
            Err(e) => self.note(format!("service {name}: cannot create its log pipe: {e}")),
        }
    }

    fn reorder(&mut self) {
        let edges: BTreeMap<&str, Vec<&str>> = self
            .units
            .iter()
            .map(|(n, u)| {
                (
                    n.as_str(),
                    u.eff().after.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        self.order = match graph::order(&edges) {
            Ok(o) => o,
            // Only possible across old and new definitions mid-reactivation; name order
            // is still a total order, and jobs never wait on themselves.
            Err(_) => self.units.keys().cloned().collect(),
        };
    }

    /// Loads the boot system: creates units and queues starts for the boot set.
    /// Creates the units of the boot system (all inactive; status lists them while
    /// activation runs).
    pub fn load(&mut self, spec: &Spec) {
        for svc in spec.services.values() {
            self.add(svc.clone());
        }
        self.reorder();
    }

    /// Queues starts for the boot set.
    pub fn start_boot(&mut self, spec: &Spec) {
        for name in graph::boot_set(spec) {
            self.queue_start(&name);
        }
    }

    /// Queues a start of `name` and everything it pulls in; returns those queued.
    pub fn queue_start(&mut self, name: &str) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![name.to_string()];
        while let Some(n) = stack.pop() {
            let Some(u) = self.units.get(&n) else {
                continue;
            };
            if !seen.insert(n.clone()) {
                continue;
            }
            let eff = u.eff();
            stack.extend(eff.requires.iter().cloned());
            stack.extend(eff.wants.iter().cloned());
            for (other, ou) in &self.units {
                if ou
                    .eff()
                    .def
                    .wanted_by
                    .iter()
                    .filter_map(|w| crate::spec::unit_name(w))
                    .any(|w| w == n)
                {
                    stack.push(other.clone());
                }
            }
        }
        let mut queued = Vec::new();
        for n in seen {
            let Some(u) = self.units.get_mut(&n) else {
                continue;
            };
            if u.remove_when_stopped {
                continue;
            }
            let wanted = match (u.job, u.state) {
                (Some(Job::Stop), _) => Some(Job::Restart),
                (Some(j), _) => Some(j),
                (None, ServiceState::Stopping) => Some(Job::Start),
                (None, ServiceState::AutoRestart) => Some(Job::Start),
                (None, _) if u.is_active() => None,
                (None, _) => Some(Job::Start),
            };
            if wanted != u.job {
                u.job = wanted;
                queued.push(n);
            }
        }
        queued
    }

    /// Queues a stop of `name` and of the services that require it.
    pub fn queue_stop(&mut self, name: &str) -> Vec<String> {
        let reqs: BTreeMap<String, Vec<String>> = self
            .units
            .iter()
            .map(|(n, u)| (n.clone(), u.eff().requires.clone()))
            .collect();
        let mut names = vec![name.to_string()];
        names.extend(graph::required_by(&reqs, name));
        let mut stopped = Vec::new();
        for n in names {
            let Some(u) = self.units.get_mut(&n) else {
                continue;
            };
            if u.job == Some(Job::Start) {
                u.job = None;
            }
            if u.state == ServiceState::AutoRestart && !u.has_procs() {
                u.restart_at = None;
                u.set_state(ServiceState::Inactive);
                stopped.push(n);
            } else if u.is_active() && u.state != ServiceState::Stopping {
                u.job = Some(Job::Stop);
                stopped.push(n);
            } else if u.state == ServiceState::Stopping {
                u.after_stop = Some(if u.remove_when_stopped {
                    AfterStop::Remove
                } else {
                    AfterStop::Inactive
                });
            }
        }
        stopped
    }

    pub fn queue_restart(&mut self, name: &str) -> Vec<String> {
        match self.units.get_mut(name) {
            Some(u) if u.is_active() && u.state != ServiceState::AutoRestart => {
                u.job = Some(Job::Restart);
                vec![name.to_string()]
            }
            Some(_) => self.queue_start(name),
            None => Vec::new(),
        }
    }

    /// Stops everything in reverse order; nothing is restarted any more.
    pub fn shutdown(&mut self) {
        self.shutting_down = true;
        let names: Vec<String> = self.units.keys().cloned().collect();
        for n in names {
            let Some(u) = self.units.get_mut(&n) else {
                continue;
            };
            if u.job == Some(Job::Start) {
                u.job = None;
            }
            if u.state == ServiceState::AutoRestart && !u.has_procs() {
                u.restart_at = None;
                u.set_state(ServiceState::Inactive);
            } else if u.is_active() && u.state != ServiceState::Stopping {
                u.job = Some(Job::Stop);
            }
            if u.state == ServiceState::Stopping && u.after_stop == Some(AfterStop::Start) {
                u.after_stop = Some(AfterStop::Inactive);
            }
        }
    }

    /// SIGKILLs every service process group now (a second shutdown request).
    pub fn kill_all(&mut self) {
        for u in self.units.values() {
            for pg in &u.pgids {
                signal_group(*pg, Signal::SIGKILL);
            }
        }
    }

    /// True when no service has a process or a pending job.
    pub fn idle(&self) -> bool {
        self.units
            .values()
            .all(|u| !u.has_procs() && u.job.is_none() && u.state != ServiceState::Stopping)
    }

    /// Applies a new system's services: stops removed ones, restarts changed ones,
    /// starts new ones, leaves unchanged ones alone.
    pub fn apply(&mut self, old: &Spec, new: &Spec) -> ActivationReport {
        let d = graph::diff(old, new);
        let boot = graph::boot_set(new);
        let mut r = ActivationReport {
            system: new.path.parent().map(PathBuf::from).unwrap_or_default(),
            ..Default::default()
        };
        let mut to_start = Vec::new();
        // Changed services first, so `requires` of their new definitions decides
        // what a removed service's stop drags along.
        for name in &d.changed {
            let Some(svc) = new.services.get(name) else {
                continue;
            };
            let Some(u) = self.units.get_mut(name) else {
                continue;
            };
            if !svc.def.restart_if_changed && u.is_active() {
                u.svc = svc.clone();
                r.changed_not_restarted.push(name.clone());
            } else if u.is_active() && u.state != ServiceState::AutoRestart {
                u.pending = Some(svc.clone());
                u.job = Some(Job::Restart);
                r.restarted.push(name.clone());
            } else {
                u.svc = svc.clone();
                u.pending = None;
                if boot.contains(name) {
                    to_start.push(name.clone());
                }
            }
        }
        for name in &d.removed {
            let Some(u) = self.units.get_mut(name) else {
                continue;
            };
            u.remove_when_stopped = true;
            if u.is_active() {
                r.stopped.push(name.clone());
            }
            self.queue_stop(name);
            if let Some(u) = self.units.get_mut(name) {
                if !u.is_active() && u.job.is_none() {
                    self.units.remove(name);
                }
            }
        }
        for name in &d.added {
            if let Some(svc) = new.services.get(name) {
                self.add(svc.clone());
                if boot.contains(name) {
                    to_start.push(name.clone());
                }
            }
        }
        self.reorder();
        let mut started = BTreeSet::new();
        for name in to_start {
            started.extend(self.queue_start(&name));
        }
        r.started = started
            .into_iter()
            .filter(|n| !r.restarted.contains(n))
            .collect();
        r.unchanged = d.unchanged;
        r
    }

    /// Runs timers and every job whose ordering allows it, until nothing moves.
    pub fn step(&mut self, now: Instant) {
        self.timers(now);
        for _ in 0..(self.units.len() * 2 + 2) {
            if !self.run_jobs(now) {
                break;
            }
        }
        let gone: Vec<String> = self
            .units
            .iter()
            .filter(|(_, u)| u.remove_when_stopped && !u.is_active() && u.job.is_none())
            .map(|(n, _)| n.clone())
            .collect();
        for n in gone {
            if let Some(mut u) = self.units.remove(&n) {
                drain(&u.pipe_r, &mut u.log);
            }
        }
        if self.order.len() != self.units.len() {
            self.reorder();
        }
    }

    fn timers(&mut self, now: Instant) {
        let names: Vec<String> = self.units.keys().cloned().collect();
        for n in names {
            let Some(u) = self.units.get_mut(&n) else {
                continue;
            };
            if u.state == ServiceState::Stopping && u.kill_at.is_some_and(|t| t <= now) {
                u.kill_at = None;
                for pg in &u.pgids {
                    signal_group(*pg, Signal::SIGKILL);
                }
                self.notes
                    .push(format!("service {n}: stop timeout, sent SIGKILL"));
            }
            let Some(u) = self.units.get_mut(&n) else {
                continue;
            };
            if u.state == ServiceState::AutoRestart && u.restart_at.is_some_and(|t| t <= now) {
                u.restart_at = None;
                u.restarts += 1;
                if u.job.is_none() {
                    u.job = Some(Job::Start);
                }
            }
            let Some(u) = self.units.get_mut(&n) else {
                continue;
            };
            if u.state == ServiceState::Starting
                && u.svc.def.kind == ServiceType::Notify
                && u.main.is_some()
                && u.aux.is_none()
                && u.ready_deadline.is_some()
            {
                let ready = u.svc.def.ready_file.as_ref().is_some_and(|p| p.exists());
                if ready {
                    u.ready_deadline = None;
                    self.after_started(&n, now);
                } else if u.ready_deadline.is_some_and(|t| t <= now) {
                    u.ready_deadline = None;
                    let secs = u.svc.start_timeout().as_secs_f64();
                    self.fail(&n, format!("not ready after {secs}s"), now);
                }
            }
        }
    }

    fn can_start(&self, name: &str) -> bool {
        let Some(u) = self.units.get(name) else {
            return false;
        };
        if u.state == ServiceState::Stopping {
            return false;
        }
        u.eff().after.iter().all(|d| match self.units.get(d) {
            None => true,
            Some(du) => {
                du.job.is_none()
                    && !matches!(
                        du.state,
                        ServiceState::Starting | ServiceState::Stopping | ServiceState::AutoRestart
                    )
            }
        })
    }

    fn can_stop(&self, name: &str) -> bool {
        self.units.iter().all(|(other, ou)| {
            other == name
                || !ou.eff().after.iter().any(|a| a == name)
                || !(matches!(ou.job, Some(Job::Stop) | Some(Job::Restart))
                    || ou.state == ServiceState::Stopping)
        })
    }

    fn run_jobs(&mut self, now: Instant) -> bool {
        let mut progress = false;
        let order = self.order.clone();
        for name in order.iter().rev() {
            let job = self.units.get(name).and_then(|u| u.job);
            if matches!(job, Some(Job::Stop) | Some(Job::Restart)) && self.can_stop(name) {
                let Some(u) = self.units.get_mut(name) else {
                    continue;
                };
                u.job = None;
                let then = if job == Some(Job::Restart) {
                    AfterStop::Start
                } else if u.remove_when_stopped {
                    AfterStop::Remove
                } else {
                    AfterStop::Inactive
                };
                self.begin_stop(name, then, now);
                progress = true;
            }
        }
        for name in &order {
            let job = self.units.get(name).and_then(|u| u.job);
            if job == Some(Job::Start) && self.can_start(name) {
                if let Some(u) = self.units.get_mut(name) {
                    u.job = None;
                }
                self.exec_start(name, now);
                progress = true;
            }
        }
        progress
    }

    fn exec_start(&mut self, name: &str, now: Instant) {
        let etc = self.cfg.etc_dir.clone();
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        if let Some(p) = u.pending.take() {
            u.svc = p;
        }
        if u.has_procs() || matches!(u.state, ServiceState::Running | ServiceState::Exited) {
            return;
        }
        u.restart_at = None;
        // A required service ordered before this one that failed fails this start.
        let deps: Vec<String> = u
            .svc
            .requires
            .iter()
            .filter(|d| u.svc.after.contains(d))
            .cloned()
            .collect();
        let failed_dep = deps.into_iter().find(|d| {
            self.units
                .get(d)
                .is_some_and(|du| du.state == ServiceState::Failed)
        });
        if let Some(d) = failed_dep {
            let Some(u) = self.units.get_mut(name) else {
                return;
            };
            u.set_state(ServiceState::Failed);
            u.last_exit = Some(format!("dependency {d} failed"));
            self.note(format!(
                "service {name}: not started: required service {d} failed"
            ));
            return;
        }
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        match users::resolve(&etc, u.svc.def.user.as_deref(), u.svc.def.group.as_deref()) {
            Ok(id) => u.identity = id,
            Err(e) => {
                self.fail(name, e, now);
                return;
            }
        }
        u.pgids.clear();
        u.set_state(ServiceState::Starting);
        self.notes.push(format!("service {name}: starting"));
        let pre = u.svc.def.pre_start.clone();
        match pre {
            Some(exec) => {
                let argv = u.svc.exec_argv(&exec);
                self.spawn_role(name, &argv, Role::PreStart, now);
            }
            None => self.start_main(name, now),
        }
    }

    /// Spawns a process of `name`; on failure the service fails.
    fn spawn_role(&mut self, name: &str, argv: &[String], role: Role, now: Instant) -> bool {
        let Some(u) = self.units.get_mut(name) else {
            return false;
        };
        let mut env = u.svc.env.clone();
        env.entry("NEST_SERVICE".to_string())
            .or_insert_with(|| name.to_string());
        if let Some(id) = &u.identity {
            for (k, v) in [
                ("USER", &id.name),
                ("LOGNAME", &id.name),
                ("HOME", &id.home),
                ("SHELL", &id.shell),
            ] {
                if let Some(v) = v {
                    env.entry(k.to_string()).or_insert_with(|| v.clone());
                }
            }
        }
        let cwd = u
            .svc
            .def
            .working_directory
            .clone()
            .unwrap_or_else(|| PathBuf::from("/"));
        match spawn(argv, &env, &cwd, u.identity.as_ref(), &u.pipe_w) {
            Ok(pid) => {
                u.pgids.push(pid);
                if role == Role::Main {
                    u.main = Some(pid);
                } else {
                    u.aux = Some((pid, role));
                }
                self.procs.insert(pid, (name.to_string(), role));
                true
            }
            Err(e) => {
                let msg = format!("{e} (in {})", cwd.display());
                u.log.write(format!("nest init: {msg}\n").as_bytes());
                if role == Role::ExecStop {
                    self.note(format!("service {name}: execStop: {msg}"));
                } else {
                    self.fail(name, msg, now);
                }
                false
            }
        }
    }

    fn start_main(&mut self, name: &str, now: Instant) {
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        if u.svc.def.kind == ServiceType::Notify {
            if let Some(rf) = &u.svc.def.ready_file {
                let _ = std::fs::remove_file(rf);
            }
            u.ready_deadline = Some(now + u.svc.start_timeout());
        }
        u.started_at = Some(now);
        let argv = u.svc.argv.clone();
        let kind = u.svc.def.kind;
        if self.spawn_role(name, &argv, Role::Main, now) && kind == ServiceType::Simple {
            self.after_started(name, now);
        }
    }

    /// The main process is up (simple), ready (notify) or done (oneshot): `postStart`.
    fn after_started(&mut self, name: &str, now: Instant) {
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        match u.svc.def.post_start.clone() {
            Some(exec) => {
                let argv = u.svc.exec_argv(&exec);
                self.spawn_role(name, &argv, Role::PostStart, now);
            }
            None => self.become_active(name),
        }
    }

    fn become_active(&mut self, name: &str) {
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        if u.svc.def.kind == ServiceType::Oneshot {
            u.failures_in_row = 0;
            if u.svc.def.remain_after_exit {
                u.set_state(ServiceState::Exited);
            } else {
                for pg in &u.pgids {
                    signal_group(*pg, Signal::SIGKILL);
                }
                u.set_state(ServiceState::Inactive);
            }
            self.note(format!("service {name}: finished"));
        } else {
            u.set_state(ServiceState::Running);
            self.notes.push(format!(
                "service {name}: running (pid {})",
                u.main.unwrap_or(0)
            ));
        }
    }

    /// Something went wrong while starting or running: stop what is left, then apply
    /// the restart policy.
    fn fail(&mut self, name: &str, reason: String, now: Instant) {
        let Some(u) = self.units.get(name) else {
            return;
        };
        if u.has_procs() {
            self.begin_stop(name, AfterStop::Failed(reason), now);
        } else {
            self.settle(name, Some(reason), now);
        }
    }

    /// The run ended with no process left: failed (`reason`) or cleanly.
    fn settle(&mut self, name: &str, reason: Option<String>, now: Instant) {
        let shutting_down = self.shutting_down;
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        for pg in &u.pgids {
            signal_group(*pg, Signal::SIGKILL);
        }
        u.ready_deadline = None;
        let restart = match u.svc.def.restart {
            RestartPolicy::No => false,
            RestartPolicy::OnFailure => reason.is_some(),
            RestartPolicy::Always => true,
        } && !shutting_down
            && !u.remove_when_stopped;
        if u.started_at
            .is_some_and(|t| now.duration_since(t) >= BACKOFF_RESET)
        {
            u.failures_in_row = 0;
        }
        let msg = match &reason {
            Some(r) => format!("service {name}: failed: {r}"),
            None => format!("service {name}: exited"),
        };
        if let Some(r) = &reason {
            u.last_exit = Some(r.clone());
        }
        if restart {
            let base = u.svc.restart_sec();
            let factor = 1u32 << u.failures_in_row.min(16);
            let delay = base.saturating_mul(factor).min(u.svc.restart_max_delay());
            u.failures_in_row = u.failures_in_row.saturating_add(1);
            u.restart_at = Some(now + delay);
            u.set_state(ServiceState::AutoRestart);
            self.note(format!("{msg}; restarting in {:.3}s", delay.as_secs_f64()));
        } else {
            u.set_state(if reason.is_some() {
                ServiceState::Failed
            } else {
                ServiceState::Inactive
            });
            self.note(msg);
        }
    }

    fn begin_stop(&mut self, name: &str, then: AfterStop, now: Instant) {
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        u.restart_at = None;
        u.ready_deadline = None;
        let was = u.state;
        if !u.has_procs() {
            let exec_stop = u.svc.def.exec_stop.clone();
            if let (ServiceState::Exited, Some(exec), false) =
                (was, exec_stop, matches!(then, AfterStop::Failed(_)))
            {
                u.set_state(ServiceState::Stopping);
                u.after_stop = Some(then);
                u.kill_at = Some(now + u.svc.stop_timeout());
                let argv = u.svc.exec_argv(&exec);
                if !self.spawn_role(name, &argv, Role::ExecStop, now) {
                    self.finalize_stop(name, now);
                }
                return;
            }
            u.after_stop = Some(then);
            self.finalize_stop(name, now);
            return;
        }
        if was != ServiceState::Stopping {
            self.notes.push(format!("service {name}: stopping"));
        }
        u.set_state(ServiceState::Stopping);
        u.after_stop = Some(then.clone());
        u.kill_at = Some(now + u.svc.stop_timeout());
        let sig = u.svc.stop_signal;
        if let Some((pid, role)) = u.aux {
            if role != Role::ExecStop {
                signal_group(pid, sig);
                signal_group(pid, Signal::SIGCONT);
            }
        }
        if let Some(main) = u.main {
            let use_exec_stop = was == ServiceState::Running
                && u.aux.is_none()
                && !matches!(then, AfterStop::Failed(_))
                && u.svc.def.exec_stop.is_some();
            if use_exec_stop {
                let exec = u.svc.def.exec_stop.clone();
                let argv = exec.map(|e| u.svc.exec_argv(&e)).unwrap_or_default();
                if self.spawn_role(name, &argv, Role::ExecStop, now) {
                    return;
                }
            }
            signal_group(main, sig);
            signal_group(main, Signal::SIGCONT);
        }
    }

    fn finalize_stop(&mut self, name: &str, now: Instant) {
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        for pg in &u.pgids {
            signal_group(*pg, Signal::SIGKILL);
        }
        u.kill_at = None;
        let then = u.after_stop.take().unwrap_or(AfterStop::Inactive);
        match then {
            AfterStop::Inactive | AfterStop::Remove => {
                u.set_state(ServiceState::Inactive);
                self.note(format!("service {name}: stopped"));
            }
            AfterStop::Start => {
                u.set_state(ServiceState::Inactive);
                u.job = Some(Job::Start);
            }
            AfterStop::Failed(r) => self.settle(name, Some(r), now),
        }
    }

    /// Handles the exit of a process; false when the pid is not a service's (an orphan).
    pub fn on_exit(&mut self, pid: i32, ws: &WaitStatus, now: Instant) -> bool {
        let Some((name, role)) = self.procs.remove(&pid) else {
            return false;
        };
        let Some(u) = self.units.get_mut(&name) else {
            return true;
        };
        let (ok, desc) = describe(ws);
        if role == Role::Main {
            u.main = None;
            u.last_exit = Some(desc.clone());
        } else if u.aux.map(|a| a.0) == Some(pid) {
            u.aux = None;
        }
        if u.state == ServiceState::Stopping {
            if role == Role::ExecStop {
                if let Some(main) = u.main {
                    signal_group(main, u.svc.stop_signal);
                    signal_group(main, Signal::SIGCONT);
                }
            }
            if !u.has_procs() {
                self.finalize_stop(&name, now);
            }
            return true;
        }
        let kind = u.svc.def.kind;
        match role {
            Role::PreStart if ok => self.start_main(&name, now),
            Role::PreStart => self.fail(&name, format!("preStart {desc}"), now),
            Role::Main if kind == ServiceType::Oneshot && u.state == ServiceState::Starting => {
                if ok {
                    self.after_started(&name, now)
                } else {
                    self.fail(&name, desc, now)
                }
            }
            Role::Main => {
                if ok {
                    if u.has_procs() {
                        self.begin_stop(&name, AfterStop::Inactive, now);
                    } else {
                        self.settle(&name, None, now);
                    }
                } else {
                    self.fail(&name, desc, now);
                }
            }
            Role::PostStart if ok => {
                if kind == ServiceType::Oneshot || u.main.is_some() {
                    self.become_active(&name);
                }
            }
            Role::PostStart => self.fail(&name, format!("postStart {desc}"), now),
            Role::ExecStop => {}
        }
        true
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        let mut best: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                best = Some(best.map_or(t, |b| b.min(t)));
            }
        };
        for u in self.units.values() {
            consider(u.kill_at);
            consider(u.restart_at);
            if u.ready_deadline.is_some() {
                consider(Some(Instant::now() + READY_POLL));
            }
        }
        best
    }

    pub fn pipes(&self) -> impl Iterator<Item = (&str, BorrowedFd<'_>)> {
        self.units
            .iter()
            .map(|(n, u)| (n.as_str(), u.pipe_r.as_fd()))
    }

    pub fn drain_pipe(&mut self, name: &str) {
        if let Some(u) = self.units.get_mut(name) {
            drain(&u.pipe_r, &mut u.log);
        }
    }

    pub fn statuses(&self) -> Vec<ServiceStatus> {
        self.units
            .iter()
            .map(|(n, u)| ServiceStatus {
                name: n.clone(),
                state: match (u.job, u.state) {
                    (Some(Job::Start), ServiceState::Inactive | ServiceState::Failed) => {
                        ServiceState::Waiting
                    }
                    (_, s) => s,
                },
                pid: u.main,
                restarts: u.restarts,
                since_ms: unix_ms(u.since),
                last_exit: u.last_exit.clone(),
                definition_hash: u.svc.definition_hash(),
            })
            .collect()
    }
}
