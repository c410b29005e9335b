//! The commands on containers, shared by the one-shot CLI and the daemon. Each one
//! takes the container's lock, re-reads the real state ([`lifecycle::observe`]),
//! checks its guard, acts, and records the result; waits happen outside the lock.

use crate::config::{self, ContainerConfig, Origin, RestartConfig, RestartPolicy, CONFIG_VERSION};
use crate::error::{Error, Result};
use crate::files::FileLock;
use crate::lifecycle::{self, Observed};
use crate::net;
use crate::paths::Paths;
use crate::record::{Desired, Phase, ProcId, Record};
use nest_container::spec::{Address, BindMount};
use nest_container::state::State;
use nest_container::{ContainerName, Spec};
use nest_init::client;
use nest_init::protocol::{ActivationReport, Request};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde::Serialize;
use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What `list`, `status --json` and the daemon report about a container.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerInfo {
    pub name: String,
    pub origin: Origin,
    pub auto_start: bool,
    pub phase: Phase,
    pub desired: Desired,
    /// `up` when running, `down` otherwise (the words of `nixos-container status`).
    pub status: &'static str,
    pub since_ms: u64,
    /// PID 1 as the host sees it.
    pub pid: Option<i32>,
    pub monitor_pid: Option<i32>,
    pub system: Option<PathBuf>,
    pub root_dir: PathBuf,
    pub host_address: Option<String>,
    pub local_address: Option<String>,
    pub restart_policy: RestartPolicy,
    pub restarts: u32,
    pub last_exit: Option<String>,
    pub last_error: Option<String>,
}

/// `nest container status`: `up`, `down`, or `gone` (no such container).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Up,
    Down,
    Gone,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Up => "up",
            Status::Down => "down",
            Status::Gone => "gone",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub name: String,
    pub system_path: Option<PathBuf>,
    pub config_file: Option<PathBuf>,
    pub config_expr: Option<String>,
    pub auto_start: bool,
    pub private_network: bool,
    pub host_address: Option<String>,
    pub local_address: Option<String>,
    pub bridge: Option<String>,
    pub ports: Vec<String>,
    pub ensure_unique_name: bool,
    pub restart: Option<RestartPolicy>,
    /// Written by `nest switch` (refused by `destroy`).
    pub declarative: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StartOutcome {
    Started,
    AlreadyRunning,
    /// It was running without a monitor; a new monitor adopted it.
    Adopted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopOutcome {
    /// It was not running.
    AlreadyStopped,
    /// PID 1 shut down in time.
    Stopped,
    /// PID 1 did not, and was killed.
    Killed,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UpdateOutcome {
    /// Not running: the new system is used at the next start.
    Saved,
    /// Re-activated in place by init.
    Activated(ActivationReport),
    /// The new system is not visible inside the running container: restarted.
    Restarted,
}

pub struct Supervisor {
    pub paths: Paths,
}

/// How often waits re-read the state.
const POLL: Duration = Duration::from_millis(5);

impl Supervisor {
    pub fn new(paths: Paths) -> Supervisor {
        Supervisor { paths }
    }

    pub fn from_env() -> Supervisor {
        Supervisor::new(Paths::from_env())
    }

    fn lock(&self, name: &str) -> Result<FileLock> {
        config::name(name)?;
        FileLock::exclusive(&self.paths.lock_file(name))
    }

    fn current(&self, name: &str) -> Result<(Record, Observed, Phase)> {
        let dir = self.paths.state_dir(name);
        let r = Record::load(&dir)?;
        let obs = lifecycle::observe(name, &dir, &r);
        let phase = lifecycle::reconcile(&r, &obs);
        Ok((r, obs, phase))
    }

    pub fn names(&self) -> Result<Vec<String>> {
        config::names(&self.paths)
    }

    /// The container's configuration and real state (no lock: files are replaced
    /// atomically, so a read sees one version or the other).
    pub fn inspect(&self, name: &str) -> Result<ContainerInfo> {
        config::name(name)?;
        let cfg = config::load(&self.paths, name)?;
        let (r, obs, phase) = self.current(name)?;
        let spec = &cfg.spec;
        Ok(ContainerInfo {
            name: name.to_string(),
            origin: cfg.origin,
            auto_start: cfg.auto_start,
            phase,
            desired: r.desired,
            status: if phase == Phase::Running {
                "up"
            } else {
                "down"
            },
            since_ms: r.since_ms,
            pid: obs.container.map(|p| p.pid),
            monitor_pid: r.monitor.filter(|_| obs.monitor_alive).map(|m| m.pid),
            system: spec.init.clone(),
            root_dir: cfg.resolved_spec(&self.paths).root_dir(),
            host_address: spec.host_address.map(String::from),
            local_address: spec.local_address.map(String::from),
            restart_policy: cfg.restart.policy,
            restarts: r.total_restarts,
            last_exit: r.last_exit.as_ref().map(|e| e.describe()),
            last_error: r.last_error.clone(),
        })
    }

    /// Every container; one that cannot be read is reported with its error.
    pub fn list(&self) -> Result<Vec<std::result::Result<ContainerInfo, (String, Error)>>> {
        Ok(self
            .names()?
            .into_iter()
            .map(|n| self.inspect(&n).map_err(|e| (n, e)))
            .collect())
    }

    pub fn status(&self, name: &str) -> Result<Status> {
        match self.inspect(name) {
            Ok(i) if i.phase == Phase::Running => Ok(Status::Up),
            Ok(_) => Ok(Status::Down),
            Err(Error::NoSuchContainer(_)) => Ok(Status::Gone),
            Err(e) => Err(e),
        }
    }

    /// `nest container create`: writes the configuration and makes the root directory.
    pub fn create(&self, opts: &CreateOptions) -> Result<ContainerConfig> {
        if opts.config_file.is_some() {
            return Err(Error::NeedsModules("--config-file"));
        }
        if opts.config_expr.is_some() {
            return Err(Error::NeedsModules("--config"));
        }
        let Some(system) = &opts.system_path else {
            return Err(Error::Invalid(
                "create needs --system-path, --config-file or --config".into(),
            ));
        };
        let system = system_dir(system)?;
        config::name(&opts.name)?;
        let _global = FileLock::exclusive(&self.paths.global_lock())?;
        let name = self.unique_name(&opts.name, opts.ensure_unique_name)?;
        let _l = self.lock(&name)?;

        let mut spec = Spec::new(ContainerName::new(&name)?);
        spec.root_dir = Some(self.paths.root_dir(&name));
        if self.paths.store.is_dir() {
            spec.store_dir = Some(self.paths.store.clone());
        }
        set_system(&mut spec, &system);
        let wants_net = opts.private_network
            || opts.host_address.is_some()
            || opts.local_address.is_some()
            || opts.bridge.is_some()
            || !opts.ports.is_empty();
        if wants_net {
            spec.private_network = true;
            spec.host_bridge = opts.bridge.clone();
            spec.host_address = opts
                .host_address
                .as_deref()
                .map(Address::parse)
                .transpose()?;
            spec.local_address = opts
                .local_address
                .as_deref()
                .map(Address::parse)
                .transpose()?;
            let need_host = spec.host_address.is_none() && spec.host_bridge.is_none();
            if need_host || spec.local_address.is_none() {
                let (h, l) = net::allocate_pair(&self.used_addresses()?)?;
                if need_host {
                    spec.host_address = Some(Address {
                        addr: h.into(),
                        prefix: 32,
                    });
                }
                if spec.local_address.is_none() {
                    spec.local_address = Some(Address {
                        addr: l.into(),
                        prefix: 32,
                    });
                }
            }
            spec.forward_ports = opts
                .ports
                .iter()
                .map(|p| net::parse_port(p))
                .collect::<Result<_>>()?;
        }
        spec.validate()?;
        let cfg = ContainerConfig {
            version: CONFIG_VERSION,
            origin: if opts.declarative {
                Origin::Declarative
            } else {
                Origin::Imperative
            },
            auto_start: opts.auto_start,
            restart: RestartConfig {
                policy: opts.restart.unwrap_or_default(),
                ..RestartConfig::default()
            },
            stop_timeout_sec: 10.0,
            spec,
        };
        let root = cfg.resolved_spec(&self.paths).root_dir();
        std::fs::create_dir_all(&root).map_err(Error::io("creating root directory", &root))?;
        config::save(&self.paths, &cfg)?;
        Ok(cfg)
    }

    /// `base`, or with `ensure_unique` the first free `base-N`; fails when `base` is
    /// taken otherwise. (`create` checks again under the global lock.)
    pub fn unique_name(&self, base: &str, ensure_unique: bool) -> Result<String> {
        if !config::exists(&self.paths, base) {
            return Ok(base.to_string());
        }
        if !ensure_unique {
            return Err(Error::Exists(base.to_string()));
        }
        (1..10_000)
            .map(|n| format!("{base}-{n}"))
            .find(|n| !config::exists(&self.paths, n))
            .ok_or_else(|| Error::Exists(base.to_string()))
    }

    fn used_addresses(&self) -> Result<BTreeSet<std::net::IpAddr>> {
        let mut used = BTreeSet::new();
        for n in self.names()? {
            if let Ok(c) = config::load(&self.paths, &n) {
                used.extend(
                    [c.spec.host_address, c.spec.local_address]
                        .into_iter()
                        .flatten()
                        .map(|a| a.addr),
                );
            }
        }
        Ok(used)
    }

    /// `nest container destroy`: stops the container, then removes its configuration,
    /// root directory, profile and runtime state. Refuses declarative containers.
    pub fn destroy(&self, name: &str) -> Result<()> {
        let cfg = config::load(&self.paths, name)?;
        if cfg.origin == Origin::Declarative {
            return Err(Error::Declarative(name.to_string()));
        }
        self.stop(name, None)?;
        let _global = FileLock::exclusive(&self.paths.global_lock())?;
        {
            let _l = self.lock(name)?;
            let (_, _, phase) = self.current(name)?;
            if !lifecycle::can_destroy(phase) {
                return Err(Error::Guard {
                    name: name.to_string(),
                    action: "destroy",
                    phase: phase.to_string(),
                });
            }
            let cfg_path = self.paths.config_file(name);
            std::fs::remove_file(&cfg_path).map_err(Error::io("removing", &cfg_path))?;
            let module = self.paths.module_file(name);
            match std::fs::remove_file(&module) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::io("removing", &module)(e))
                }
                _ => {}
            }
            let root = cfg.resolved_spec(&self.paths).root_dir();
            remove_tree(&root)?;
            remove_tree(&self.paths.profile_dir(name))?;
            remove_tree(&self.paths.state_dir(name))?;
        }
        let _ = std::fs::remove_file(self.paths.lock_file(name));
        Ok(())
    }

    fn spawn_monitor(&self, name: &str) -> Result<Child> {
        // The monitor is long-lived: it gets the lean allocator settings in its
        // environment from the start (unless the user set them), so it need not
        // re-execute itself to get them.
        let lean = nest_container::runtime::LEAN_ALLOCATOR
            .iter()
            .filter(|(k, _)| std::env::var_os(k).is_none());
        Command::new(&self.paths.nest_exe)
            .args(["container", "supervise", name])
            .envs(self.paths.to_env())
            .envs(lean.copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(Error::io("starting the monitor", &self.paths.nest_exe))
    }

    /// Marks the container wanted up and starts its monitor; does not wait. Returns the
    /// monitor (for a caller that reaps its children, like the daemon).
    pub fn begin_start(&self, name: &str) -> Result<(StartOutcome, Option<Child>)> {
        let _l = self.lock(name)?;
        config::load(&self.paths, name)?;
        let dir = self.paths.state_dir(name);
        let (mut r, obs, phase) = self.current(name)?;
        match phase {
            Phase::Stopping => {
                return Err(Error::Guard {
                    name: name.to_string(),
                    action: "start",
                    phase: phase.to_string(),
                })
            }
            Phase::Running | Phase::Starting if obs.monitor_alive => {
                return Ok((StartOutcome::AlreadyRunning, None))
            }
            Phase::Running | Phase::Starting => {
                let child = self.spawn_monitor(name)?;
                r.monitor = ProcId::of(child.id() as i32);
                r.desired = Desired::Up;
                r.save(&dir)?;
                return Ok((StartOutcome::Adopted, Some(child)));
            }
            Phase::Stopped | Phase::Failed => {}
        }
        debug_assert!(lifecycle::can_start(phase));
        std::fs::create_dir_all(&dir).map_err(Error::io("creating", &dir))?;
        let child = self.spawn_monitor(name)?;
        let last_exit = r.last_exit.take();
        r = Record {
            desired: Desired::Up,
            monitor: ProcId::of(child.id() as i32),
            last_exit,
            ..Record::default()
        };
        r.set_phase(Phase::Starting);
        r.save(&dir)?;
        Ok((StartOutcome::Started, Some(child)))
    }

    /// Waits until the container runs; fails early when its first attempt failed.
    pub fn wait_running(&self, name: &str, timeout: Duration) -> Result<ContainerInfo> {
        let begin = Instant::now();
        loop {
            // One read of the record: the phase, the restart count and the exit it
            // describes must come from the same state, or a retry seen between two
            // reads would be reported with an empty reason.
            let info = self.inspect(name)?;
            match info.phase {
                Phase::Running => return Ok(info),
                Phase::Failed | Phase::Stopped => {
                    let why = info
                        .last_error
                        .or(info.last_exit)
                        .unwrap_or_else(|| "its monitor exited".into());
                    return Err(Error::StartFailed {
                        name: name.to_string(),
                        why,
                    });
                }
                Phase::Starting if info.restarts > 0 => {
                    let why = info
                        .last_exit
                        .or(info.last_error)
                        .unwrap_or_else(|| "its first attempt ended".into());
                    return Err(Error::StartFailed {
                        name: name.to_string(),
                        why: format!("{why}; retrying by its restart policy"),
                    });
                }
                Phase::Stopping => {
                    return Err(Error::StartFailed {
                        name: name.to_string(),
                        why: "it is being stopped".into(),
                    })
                }
                Phase::Starting => {}
            }
            if begin.elapsed() >= timeout {
                return Err(Error::Timeout {
                    name: name.to_string(),
                    what: "start",
                    secs: timeout.as_secs_f64(),
                });
            }
            std::thread::sleep(POLL);
        }
    }

    /// `nest container start`: start and wait until PID 1 runs and, when it boots a
    /// system, until init has finished the boot activation (so a `run` right after
    /// sees the system's /etc and /run/current-system).
    pub fn start(&self, name: &str, timeout: Duration) -> Result<StartOutcome> {
        let (outcome, _child) = self.begin_start(name)?;
        self.wait_started(name, timeout)?;
        Ok(outcome)
    }

    /// [`Supervisor::wait_running`], then, for a container that boots a system, the
    /// end of its boot activation.
    pub fn wait_started(&self, name: &str, timeout: Duration) -> Result<()> {
        let begin = Instant::now();
        self.wait_running(name, timeout)?;
        if config::load(&self.paths, name)?.spec.init.is_some() {
            self.wait_booted(name, timeout.saturating_sub(begin.elapsed()))?;
        }
        Ok(())
    }

    /// Waits until init's `status.json` leaves `booting`; fails when the container
    /// stops running meanwhile.
    fn wait_booted(&self, name: &str, timeout: Duration) -> Result<()> {
        let status = self.paths.state_dir(name).join("status.json");
        let begin = Instant::now();
        loop {
            let state = std::fs::read(&status)
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|v| v["state"].as_str().map(str::to_string));
            if state.as_deref().is_some_and(|s| s != "booting") {
                return Ok(());
            }
            let info = self.inspect(name)?;
            if info.phase != Phase::Running {
                let why = info.last_error.or(info.last_exit).unwrap_or_else(|| {
                    format!("it is {} before its boot finished", info.phase.as_str())
                });
                return Err(Error::StartFailed {
                    name: name.to_string(),
                    why,
                });
            }
            if begin.elapsed() >= timeout {
                return Err(Error::Timeout {
                    name: name.to_string(),
                    what: "finish booting",
                    secs: timeout.as_secs_f64(),
                });
            }
            std::thread::sleep(POLL);
        }
    }

    /// `nest container stop`: orderly shutdown through init's control socket (SIGTERM
    /// to PID 1 when there is no init), SIGKILL after `timeout` (default: the
    /// container's `stopTimeoutSec`).
    pub fn stop(&self, name: &str, timeout: Option<Duration>) -> Result<StopOutcome> {
        let cfg = config::load(&self.paths, name)?;
        let timeout =
            timeout.unwrap_or_else(|| Duration::from_secs_f64(cfg.stop_timeout_sec.max(0.0)));
        let Some((mut pid1, mut state)) = self.mark_down(name)? else {
            return Ok(StopOutcome::AlreadyStopped);
        };
        let dir = self.paths.state_dir(name);
        if pid1.is_none() {
            (pid1, state) = self.await_pid1(name, timeout);
        }
        let mut outcome = StopOutcome::Stopped;
        if let (Some(pid1), Some(state)) = (pid1, state) {
            let asked = client::request_with_timeout(
                &dir.join("control.sock"),
                Request::Stop {},
                Duration::from_secs(2),
            )
            .is_ok();
            if !asked && pid1.alive() {
                let _ = kill(Pid::from_raw(pid1.pid), Signal::SIGTERM);
            }
            if !wait_until(timeout, || !pid1.alive()) {
                outcome = StopOutcome::Killed;
                kill_container(&state);
                if !wait_until(Duration::from_secs(10), || !pid1.alive()) {
                    return Err(Error::Timeout {
                        name: name.to_string(),
                        what: "die after SIGKILL",
                        secs: 10.0,
                    });
                }
            }
        }
        self.settle_stopped(name)?;
        Ok(outcome)
    }

    /// `nest container terminate`: SIGKILL every process of the container at once.
    pub fn terminate(&self, name: &str) -> Result<StopOutcome> {
        config::load(&self.paths, name)?;
        let Some((mut pid1, mut state)) = self.mark_down(name)? else {
            return Ok(StopOutcome::AlreadyStopped);
        };
        if pid1.is_none() {
            (pid1, state) = self.await_pid1(name, Duration::from_secs(10));
        }
        if let (Some(pid1), Some(state)) = (pid1, state) {
            kill_container(&state);
            if !wait_until(Duration::from_secs(10), || !pid1.alive()) {
                return Err(Error::Timeout {
                    name: name.to_string(),
                    what: "die after SIGKILL",
                    secs: 10.0,
                });
            }
        }
        self.settle_stopped(name)?;
        Ok(StopOutcome::Killed)
    }

    /// Caught mid-start (wanted down now, no PID 1 yet, the monitor alive): the runtime
    /// may be about to run PID 1. Waits for it, or for the monitor to give up, so a
    /// container that appears late is stopped too.
    fn await_pid1(&self, name: &str, timeout: Duration) -> (Option<ProcId>, Option<State>) {
        let dir = self.paths.state_dir(name);
        let mut found = (None, None);
        wait_until(timeout, || {
            let r = Record::load(&dir).unwrap_or_default();
            let o = lifecycle::observe(name, &dir, &r);
            let done = o.container.is_some() || !o.monitor_alive;
            found = (o.container, o.state);
            done
        });
        found
    }

    /// Records that the container is wanted down; returns PID 1 and its state when
    /// there is something to stop, `None` when it was not running.
    fn mark_down(&self, name: &str) -> Result<Option<(Option<ProcId>, Option<State>)>> {
        let _l = self.lock(name)?;
        let dir = self.paths.state_dir(name);
        let (mut r, obs, phase) = self.current(name)?;
        r.desired = Desired::Down;
        if !lifecycle::can_stop(phase) {
            if r.phase != phase {
                r.set_phase(phase);
            }
            if dir.exists() {
                r.save(&dir)?;
            }
            return Ok(None);
        }
        r.set_phase(Phase::Stopping);
        r.save(&dir)?;
        Ok(Some((obs.container, obs.state)))
    }

    /// After PID 1 is gone: waits for the monitor to record the end, then makes sure
    /// the record says `stopped`.
    fn settle_stopped(&self, name: &str) -> Result<()> {
        let dir = self.paths.state_dir(name);
        let monitor = Record::load(&dir)?.monitor;
        if let Some(m) = monitor {
            wait_until(Duration::from_secs(10), || !m.alive());
        }
        let _l = self.lock(name)?;
        let (mut r, obs, _) = self.current(name)?;
        if obs.container.is_none() && !obs.monitor_alive {
            r.monitor = None;
            r.container = None;
            r.set_phase(Phase::Stopped);
            r.save(&dir)?;
        }
        Ok(())
    }

    pub fn restart(&self, name: &str, timeout: Duration) -> Result<StartOutcome> {
        self.stop(name, None)?;
        self.start(name, timeout)
    }

    /// `nest container update --system-path`: records the new system; re-activates it
    /// in place when the container runs and can see it (it is in the store).
    pub fn update(
        &self,
        name: &str,
        system: Option<&Path>,
        config_file: Option<&Path>,
        config_expr: Option<&str>,
    ) -> Result<UpdateOutcome> {
        if config_file.is_some() {
            return Err(Error::NeedsModules("--config-file"));
        }
        if config_expr.is_some() {
            return Err(Error::NeedsModules("--config"));
        }
        let Some(system) = system else {
            return Err(Error::Invalid(
                "update needs --system-path, --config-file or --config".into(),
            ));
        };
        let system = system_dir(system)?;
        let (running, visible) = {
            let _l = self.lock(name)?;
            let mut cfg = config::load(&self.paths, name)?;
            let visible = cfg
                .spec
                .store_dir
                .as_ref()
                .is_some_and(|s| system.starts_with(s))
                || cfg.spec.init.as_ref() == Some(&system);
            set_system(&mut cfg.spec, &system);
            cfg.spec.validate()?;
            config::save(&self.paths, &cfg)?;
            let (_, obs, phase) = self.current(name)?;
            (phase == Phase::Running && obs.container.is_some(), visible)
        };
        if !running {
            return Ok(UpdateOutcome::Saved);
        }
        if visible {
            let sock = self.paths.state_dir(name).join("control.sock");
            return match client::request(&sock, Request::Activate { system }) {
                Ok(nest_init::protocol::Reply::Activated(report)) => {
                    Ok(UpdateOutcome::Activated(report))
                }
                Ok(other) => Err(Error::Invalid(format!(
                    "container {name:?}: unexpected reply to activate: {other:?}"
                ))),
                Err(source) => Err(Error::Init {
                    name: name.to_string(),
                    source,
                }),
            };
        }
        self.restart(name, Duration::from_secs(60))?;
        Ok(UpdateOutcome::Restarted)
    }

    /// Runs a command inside a running container (as root); returns its exit status.
    /// This process joins the container: call it last.
    pub fn exec(&self, name: &str, command: &[String], pty: bool) -> Result<i32> {
        config::load(&self.paths, name)?;
        let (_, _, phase) = self.current(name)?;
        if !lifecycle::can_enter(phase) {
            return Err(Error::Guard {
                name: name.to_string(),
                action: "enter",
                phase: phase.to_string(),
            });
        }
        let dir = self.paths.state_dir(name);
        let opts = nest_container::exec::ExecOptions {
            name,
            state_dir: &dir,
            command,
            pty,
        };
        match nest_container::exec::exec(&opts) {
            Ok(s) => Ok(s.code()),
            Err(source) => Err(Error::Exec {
                name: name.to_string(),
                source,
            }),
        }
    }

    /// The runtime state of a running container (PID 1 verified by pid, start time and
    /// cgroup), for `top` and `stats`.
    pub fn running_state(&self, name: &str) -> Result<State> {
        config::load(&self.paths, name)?;
        let (_, obs, phase) = self.current(name)?;
        match obs.state {
            Some(s) if phase == Phase::Running || phase == Phase::Stopping => Ok(s),
            _ => Err(Error::Guard {
                name: name.to_string(),
                action: "inspect the processes of",
                phase: phase.to_string(),
            }),
        }
    }

    /// `nixos-container show-ip`: the container's own address.
    pub fn show_ip(&self, name: &str) -> Result<String> {
        let cfg = config::load(&self.paths, name)?;
        cfg.spec
            .local_address
            .or(cfg.spec.local_address6)
            .map(|a| a.addr.to_string())
            .ok_or_else(|| {
                Error::Invalid(format!("container {name:?} has no private network address"))
            })
    }

    /// `nixos-container show-host-key`: the container's SSH host public key.
    pub fn show_host_key(&self, name: &str) -> Result<String> {
        let cfg = config::load(&self.paths, name)?;
        let root = cfg.resolved_spec(&self.paths).root_dir();
        let path = root.join("etc/ssh/ssh_host_ed25519_key.pub");
        std::fs::read_to_string(&path).map_err(Error::io("reading", path))
    }
}

/// Checks a `--system-path` and makes it absolute.
fn system_dir(p: &Path) -> Result<PathBuf> {
    let abs = std::fs::canonicalize(p).map_err(Error::io("system path", p))?;
    if !abs.join("services.json").is_file() {
        return Err(Error::Invalid(format!(
            "{} is not a system directory: it has no services.json",
            abs.display()
        )));
    }
    Ok(abs)
}

/// Points the spec at a system; a system outside the store is bind-mounted read-only
/// at the same path, so init finds it inside.
fn set_system(spec: &mut Spec, system: &Path) {
    if let Some(old) = spec.init.take() {
        spec.bind_mounts.retain(|b| b.mount_point != old);
    }
    let in_store = spec
        .store_dir
        .as_ref()
        .is_some_and(|s| system.starts_with(s));
    if !in_store {
        spec.bind_mounts.push(BindMount {
            host_path: Some(system.to_path_buf()),
            mount_point: system.to_path_buf(),
            is_read_only: true,
        });
    }
    spec.init = Some(system.to_path_buf());
}

/// SIGKILLs PID 1 (which takes its whole PID namespace) and everything in its cgroups.
fn kill_container(state: &State) {
    let _ = kill(Pid::from_raw(state.pid), Signal::SIGKILL);
    for dir in &state.cgroups {
        for pid in nest_sys::cgroup::processes(dir).unwrap_or_default() {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

/// Polls `done` until it holds or `timeout` passes; returns whether it held.
pub fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(POLL);
    }
}

/// Removes a directory tree; refuses paths that cannot be a container's own.
fn remove_tree(p: &Path) -> Result<()> {
    if !p.is_absolute() || p.components().count() < 3 {
        return Err(Error::Invalid(format!(
            "refusing to remove {}",
            p.display()
        )));
    }
    match std::fs::remove_dir_all(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Io {
            op: "removing",
            path: p.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, Supervisor, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::under(d.path(), Path::new("/nonexistent/nest"));
        let sys = d.path().join("store/abc-system");
        std::fs::create_dir_all(&sys).unwrap();
        std::fs::write(sys.join("services.json"), r#"{"version":1}"#).unwrap();
        (d, Supervisor::new(paths), sys)
    }

    fn opts(name: &str, sys: &Path) -> CreateOptions {
        CreateOptions {
            name: name.into(),
            system_path: Some(sys.to_path_buf()),
            ..CreateOptions::default()
        }
    }

    #[test]
    fn create_list_status_destroy() {
        let (_d, s, sys) = setup();
        let cfg = s.create(&opts("web", &sys)).unwrap();
        assert_eq!(cfg.spec.init.as_deref(), Some(sys.as_path()));
        assert!(
            cfg.spec.bind_mounts.is_empty(),
            "a system in the store needs no bind mount"
        );
        assert!(s.paths.root_dir("web").is_dir());
        assert!(matches!(
            s.create(&opts("web", &sys)),
            Err(Error::Exists(_))
        ));
        let again = s
            .create(&CreateOptions {
                ensure_unique_name: true,
                ..opts("web", &sys)
            })
            .unwrap();
        assert_eq!(again.name(), "web-1");
        assert_eq!(s.status("web").unwrap(), Status::Down);
        assert_eq!(s.status("nope").unwrap(), Status::Gone);
        let list = s.list().unwrap();
        assert_eq!(list.len(), 2);
        let web = list[0].as_ref().unwrap();
        assert_eq!(
            (web.name.as_str(), web.phase, web.status),
            ("web", Phase::Stopped, "down")
        );
        s.destroy("web").unwrap();
        assert!(!s.paths.root_dir("web").exists());
        assert!(!s.paths.config_file("web").exists());
        assert_eq!(s.status("web").unwrap(), Status::Gone);
        assert!(
            s.paths.root_dir("web-1").is_dir(),
            "destroy removes nothing else"
        );
    }

    #[test]
    fn create_validates_and_allocates_addresses() {
        let (d, s, sys) = setup();
        let e = s
            .create(&CreateOptions {
                config_expr: Some("{}".into()),
                ..opts("a", &sys)
            })
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("must be evaluated and built into a system first"),
            "{e}"
        );
        let e = s.create(&opts("a", d.path())).unwrap_err();
        assert!(e.to_string().contains("has no services.json"), "{e}");
        assert!(s.create(&opts("a/b", &sys)).is_err());
        let a = s
            .create(&CreateOptions {
                private_network: true,
                ..opts("a", &sys)
            })
            .unwrap();
        let b = s
            .create(&CreateOptions {
                ports: vec!["8080:80".into()],
                ..opts("b", &sys)
            })
            .unwrap();
        assert_eq!(
            a.spec.host_address.map(String::from).as_deref(),
            Some("10.233.1.1")
        );
        assert_eq!(
            a.spec.local_address.map(String::from).as_deref(),
            Some("10.233.1.2")
        );
        assert_eq!(
            b.spec.local_address.map(String::from).as_deref(),
            Some("10.233.2.2")
        );
        assert_eq!(s.show_ip("b").unwrap(), "10.233.2.2");
        assert!(s.show_ip("nope").is_err());
        let c = s
            .create(&CreateOptions {
                host_address: Some("10.9.0.1".into()),
                local_address: Some("10.9.0.2/24".into()),
                ..opts("c", &sys)
            })
            .unwrap();
        assert!(c.spec.private_network);
        assert_eq!(s.show_ip("c").unwrap(), "10.9.0.2");
        // A system outside the store is bind-mounted read-only at its own path.
        let outside = d.path().join("elsewhere");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("services.json"), "{}").unwrap();
        let o = s.create(&opts("o", &outside)).unwrap();
        assert_eq!(o.spec.bind_mounts.len(), 1);
        assert_eq!(
            o.spec.bind_mounts[0].mount_point,
            std::fs::canonicalize(&outside).unwrap()
        );
        assert!(o.spec.bind_mounts[0].is_read_only);
    }

    #[test]
    fn destroy_refuses_declarative_containers() {
        let (_d, s, sys) = setup();
        s.create(&CreateOptions {
            declarative: true,
            ..opts("decl", &sys)
        })
        .unwrap();
        assert!(matches!(s.destroy("decl"), Err(Error::Declarative(_))));
        assert!(s.paths.config_file("decl").exists());
    }

    #[test]
    fn update_of_a_stopped_container_is_saved() {
        let (d, s, sys) = setup();
        s.create(&opts("u", &sys)).unwrap();
        let sys2 = d.path().join("store/def-system");
        std::fs::create_dir_all(&sys2).unwrap();
        std::fs::write(sys2.join("services.json"), "{}").unwrap();
        assert_eq!(
            s.update("u", Some(&sys2), None, None).unwrap(),
            UpdateOutcome::Saved
        );
        assert_eq!(
            config::load(&s.paths, "u").unwrap().spec.init,
            Some(std::fs::canonicalize(&sys2).unwrap())
        );
    }

    #[test]
    fn stopping_a_stopped_container_is_a_no_op_and_exec_is_refused() {
        let (_d, s, sys) = setup();
        s.create(&opts("x", &sys)).unwrap();
        assert_eq!(s.stop("x", None).unwrap(), StopOutcome::AlreadyStopped);
        assert_eq!(s.terminate("x").unwrap(), StopOutcome::AlreadyStopped);
        let e = s
            .exec("x", &["true".into()], false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cannot enter container \"x\" while it is stopped"),
            "{e}"
        );
        assert!(matches!(
            s.stop("nope", None),
            Err(Error::NoSuchContainer(_))
        ));
    }

    /// A start whose monitor cannot even be executed is reported as failed, not hung.
    #[test]
    fn a_start_whose_monitor_cannot_run_fails() {
        let (_d, s, sys) = setup();
        s.create(&opts("m", &sys)).unwrap();
        assert!(s.start("m", Duration::from_secs(5)).is_err());
        assert_ne!(s.inspect("m").unwrap().phase, Phase::Running);
    }
}
