//! `nest container list|status|start|stop|…`: the `nixos-container` commands, thin
//! adapters over `nest-supervisor`. Start, stop, terminate and restart go through the
//! daemon's socket when a daemon runs (so it owns the monitors) and run one-shot
//! otherwise.

use crate::cmd::options;
use crate::output::Output;
use anyhow::Context;
use nest_supervisor::ops::{ContainerInfo, CreateOptions, StopOutcome, Supervisor, UpdateOutcome};
use nest_supervisor::proto::{self, Reply, Request};
use nest_supervisor::record::Phase;
use nest_supervisor::{config::RestartPolicy, logs, monitor, stats};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

const MANAGE_HELP: &str = "\
Paths: NEST_CONTAINERS_DIR (configurations), NEST_RUN_DIR (runtime state, logs),
NEST_ROOTS_DIR (root directories), NEST_STORE_DIR, NEST_STATE_DIR.
Exit codes: 0 success, 1 failure, 2 usage error; `run` exits with the command's status.";

#[derive(clap::Args)]
pub struct CreateArgs {
    /// The container's name (letters, digits, '-', '_', '.').
    name: String,
    /// A system directory to boot (one with a services.json, as `nest init` expects).
    #[arg(long, value_name = "PATH")]
    system_path: Option<PathBuf>,
    /// A configuration module for the container's system (evaluated and built).
    #[arg(long, value_name = "FILE", conflicts_with = "system_path")]
    config_file: Option<PathBuf>,
    /// The container's configuration as the body of a module, like nixos-container:
    /// 'services.openssh.enable = true;' (a whole module in braces works too).
    #[arg(long, value_name = "EXPR", conflicts_with_all = ["system_path", "config_file"])]
    config: Option<String>,
    /// Start the container when the daemon starts.
    #[arg(long)]
    auto_start: bool,
    /// Give the container its own network (addresses picked from 10.233.N.0/24 unless given).
    #[arg(long)]
    private_network: bool,
    /// The host side's address of the private network.
    #[arg(long, value_name = "ADDR")]
    host_address: Option<String>,
    /// The container's own address.
    #[arg(long, value_name = "ADDR")]
    local_address: Option<String>,
    /// Attach the host side to this bridge instead of addressing it.
    #[arg(long, value_name = "BRIDGE")]
    bridge: Option<String>,
    /// Forward a host port: [tcp|udp:]HOSTPORT[:CONTAINERPORT] (repeatable).
    #[arg(long = "port", value_name = "SPEC")]
    ports: Vec<String>,
    /// Add a numeric suffix when the name is taken instead of failing.
    #[arg(long)]
    ensure_unique_name: bool,
    /// Restart policy: no, on-failure (default) or always.
    #[arg(long, value_name = "POLICY")]
    restart: Option<String>,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// List containers (names; --long for a table, --json for scripts).
    #[command(after_long_help = MANAGE_HELP)]
    List {
        #[arg(long)]
        json: bool,
        #[arg(short, long)]
        long: bool,
    },
    /// Print `up`, `down` or `gone`.
    Status {
        name: String,
        /// Everything known about the container, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Start containers and wait until they run.
    Start {
        #[arg(required = true)]
        names: Vec<String>,
        /// Seconds to wait for each container.
        #[arg(long, default_value_t = 60.0)]
        timeout: f64,
    },
    /// Stop a container in an orderly way (SIGKILL after the timeout).
    Stop {
        name: String,
        /// Seconds before SIGKILL (default: the container's stopTimeoutSec).
        #[arg(long)]
        timeout: Option<f64>,
    },
    /// Kill a container at once (SIGKILL).
    Terminate { name: String },
    /// Stop, then start.
    Restart {
        name: String,
        #[arg(long, default_value_t = 60.0)]
        timeout: f64,
    },
    /// Create an imperative container.
    #[command(after_long_help = MANAGE_HELP)]
    Create(CreateArgs),
    /// Stop a container and remove its configuration, root, profile and state.
    Destroy { name: String },
    /// Change a container's system; re-activated in place when it runs.
    Update {
        name: String,
        /// A system directory (one with a services.json).
        #[arg(long, value_name = "PATH")]
        system_path: Option<PathBuf>,
        /// A configuration module for the container's system (evaluated and built).
        #[arg(long, value_name = "FILE", conflicts_with = "system_path")]
        config_file: Option<PathBuf>,
        /// The configuration as the body of a module (see `create --config`).
        #[arg(long, value_name = "EXPR", conflicts_with_all = ["system_path", "config_file"])]
        config: Option<String>,
    },
    /// Run a command in a running container as root: `run NAME -- CMD…`.
    #[command(
        after_long_help = "Exits with the command's status (128+N when killed by signal N)."
    )]
    Run {
        name: String,
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<String>,
    },
    /// A root shell in a running container (no password).
    RootLogin { name: String },
    /// A login prompt in a running container (its own `login`, against its own users).
    Login { name: String },
    /// Print the container's own IP address.
    ShowIp { name: String },
    /// Print the container's SSH host key.
    ShowHostKey { name: String },
    /// Print the container's console log, or a service's log.
    Logs {
        name: String,
        /// Keep printing what is appended.
        #[arg(short, long)]
        follow: bool,
        /// A service's log instead of the console.
        #[arg(long, value_name = "SERVICE")]
        service: Option<String>,
        /// Lines of history to print.
        #[arg(short = 'n', long, default_value_t = 50)]
        lines: usize,
    },
    /// The processes of a running container.
    Top {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// The services of a running container: state, main pid, restarts, last exit.
    Services {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Memory, CPU and pids of a running container (from its cgroups).
    Stats {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// The per-container monitor (internal; started by `start` and the daemon, or by a
    /// systemd unit with --foreground).
    #[command(hide = true)]
    Supervise {
        name: String,
        #[arg(long)]
        foreground: bool,
    },
}

fn code(c: i32) -> ExitCode {
    ExitCode::from(u8::try_from(c.clamp(0, 255)).unwrap_or(1))
}

fn secs(s: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| anyhow::anyhow!("invalid timeout {s}"))
}

pub fn run(cmd: Command, out: &Output) -> anyhow::Result<ExitCode> {
    let sup = Supervisor::from_env();
    match cmd {
        Command::List { json, long } => list(&sup, out, json, long),
        Command::Status { name, json } => {
            if json {
                match sup.inspect(&name) {
                    Ok(info) => out.json(&info),
                    Err(nest_supervisor::Error::NoSuchContainer(_)) => {
                        out.json(&serde_json::json!({ "name": name, "status": "gone" }))
                    }
                    Err(e) => return Err(e.into()),
                }
            } else {
                out.stdout(&format!("{}\n", sup.status(&name)?.as_str()));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Start { names, timeout } => start_many(&sup, out, &names, secs(timeout)?),
        Command::Stop { name, timeout } => {
            let t = timeout.map(secs).transpose()?;
            let result = match via_daemon(
                &sup,
                Request::Stop {
                    name: name.clone(),
                    timeout_sec: timeout,
                },
            )? {
                Some(r) => r,
                None => stop_word(sup.stop(&name, t)?).to_string(),
            };
            out.status(&format!("{name}: {result}"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Terminate { name } => {
            let result = match via_daemon(&sup, Request::Terminate { name: name.clone() })? {
                Some(r) => r,
                None => stop_word(sup.terminate(&name)?).to_string(),
            };
            out.status(&format!("{name}: {result}"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Restart { name, timeout } => {
            let result = match via_daemon(
                &sup,
                Request::Restart {
                    name: name.clone(),
                    timeout_sec: Some(timeout),
                },
            )? {
                Some(r) => r,
                None => nest_supervisor::daemon::start_word(&sup.restart(&name, secs(timeout)?)?)
                    .to_string(),
            };
            out.status(&format!("{name}: {result}"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Create(a) => {
            let mut module_text = None;
            let restart = a
                .restart
                .as_deref()
                .map(str::parse::<RestartPolicy>)
                .transpose()?;
            let system_path = match (&a.config_file, &a.config) {
                (None, None) => a.system_path,
                (file, expr) => {
                    // The system is built for the name the container will get (its
                    // hostname default), and not at all when the name is taken.
                    nest_supervisor::config::name(&a.name)?;
                    let name = sup.unique_name(&a.name, a.ensure_unique_name)?;
                    let module = config_module(&name, file.as_deref(), expr.as_deref())?;
                    let system = build_system(&sup, out, &name, &module)?;
                    module_text = Some(module);
                    Some(system)
                }
            };
            let opts = CreateOptions {
                name: a.name,
                system_path,
                config_file: None,
                config_expr: None,
                auto_start: a.auto_start,
                private_network: a.private_network,
                host_address: a.host_address,
                local_address: a.local_address,
                bridge: a.bridge,
                ports: a.ports,
                ensure_unique_name: a.ensure_unique_name,
                restart,
                declarative: false,
            };
            let cfg = sup.create(&opts)?;
            if let Some(module) = module_text {
                // Kept so that `update NAME` without flags evaluates it again.
                nest_supervisor::files::write_atomic(
                    &sup.paths.module_file(cfg.name()),
                    module.as_bytes(),
                )?;
            }
            if let (Some(h), Some(l)) = (cfg.spec.host_address, cfg.spec.local_address) {
                out.status(&format!(
                    "host IP is {}, container IP is {}",
                    h.addr, l.addr
                ));
            }
            // Like nixos-container: the (possibly suffixed) name on stdout.
            out.stdout(&format!("{}\n", cfg.name()));
            Ok(ExitCode::SUCCESS)
        }
        Command::Destroy { name } => {
            sup.destroy(&name)?;
            out.status(&format!("{name}: destroyed"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Update {
            name,
            system_path,
            config_file,
            config,
        } => {
            let stored = sup.paths.module_file(&name);
            let mut module_text = None;
            let system_path = match (&config_file, &config) {
                // Like nixos-container: a container made from a configuration is
                // evaluated and built again from it (a --config-file is re-read).
                (None, None) if system_path.is_none() && stored.is_file() => {
                    sup.inspect(&name)?;
                    let module = std::fs::read_to_string(&stored)
                        .with_context(|| format!("reading '{}'", stored.display()))?;
                    Some(build_system(&sup, out, &name, &module)?)
                }
                (None, None) => system_path,
                (file, expr) => {
                    sup.inspect(&name)?;
                    let module = config_module(&name, file.as_deref(), expr.as_deref())?;
                    let system = build_system(&sup, out, &name, &module)?;
                    module_text = Some(module);
                    Some(system)
                }
            };
            let outcome = sup.update(&name, system_path.as_deref(), None, None)?;
            if let Some(module) = module_text {
                nest_supervisor::files::write_atomic(&stored, module.as_bytes())?;
            }
            match outcome {
                UpdateOutcome::Saved => out.status(&format!(
                    "{name}: updated; the new system boots at the next start"
                )),
                UpdateOutcome::Restarted => out.status(&format!(
                    "{name}: the new system is outside the store, so the container was restarted"
                )),
                UpdateOutcome::Activated(r) => {
                    out.status(&format!(
                        "{name}: activated in place (started: {}; stopped: {}; restarted: {}; unchanged: {})",
                        list_or_none(&r.started),
                        list_or_none(&r.stopped),
                        list_or_none(&r.restarted),
                        r.unchanged.len()
                    ));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { name, command } => Ok(code(sup.exec(&name, &command, false)?)),
        Command::RootLogin { name } => {
            let pty = std::io::stdin().is_terminal();
            // Through PATH: a root built from a system has no /bin/sh, only
            // /run/current-system/sw/bin.
            Ok(code(sup.exec(&name, &["sh".into(), "-l".into()], pty)?))
        }
        Command::Login { name } => {
            if !std::io::stdin().is_terminal() {
                anyhow::bail!(
                    "login needs a terminal; use `nest container run {name} -- CMD` from scripts"
                );
            }
            Ok(code(sup.exec(&name, &["login".into()], true)?))
        }
        Command::ShowIp { name } => {
            out.stdout(&format!("{}\n", sup.show_ip(&name)?));
            Ok(ExitCode::SUCCESS)
        }
        Command::ShowHostKey { name } => {
            out.stdout(&sup.show_host_key(&name)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Logs {
            name,
            follow,
            service,
            lines,
        } => {
            sup.inspect(&name)?;
            let path = logs::log_file(&sup.paths, &name, service.as_deref())?;
            if !follow {
                out.stdout(&String::from_utf8_lossy(&logs::tail(&path, lines)?));
            } else {
                let (history, mut f) = logs::tail_and_follow(&path, lines)?;
                out.stdout(&String::from_utf8_lossy(&history));
                loop {
                    let new = f.read_new();
                    if !new.is_empty() {
                        out.stdout(&String::from_utf8_lossy(&new));
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Top { name, json } => {
            let state = sup.running_state(&name)?;
            let procs = stats::processes(&state);
            if json {
                out.json(&procs);
            } else {
                let mut text = format!(
                    "{:>8} {:>8} {:1} {:>10} {:>8}  COMMAND\n",
                    "PID", "PPID", "S", "RSS(KiB)", "CPU(s)"
                );
                let tick = clock_ticks();
                for p in procs {
                    text.push_str(&format!(
                        "{:>8} {:>8} {:1} {:>10} {:>8.2}  {}\n",
                        p.pid,
                        p.ppid,
                        p.state,
                        p.rss_kib,
                        p.cpu_ticks as f64 / tick,
                        p.command
                    ));
                }
                out.stdout(&text);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Services { name, json } => {
            // Fails with the usual message when the container is not running.
            sup.running_state(&name)?;
            let sock = sup.paths.state_dir(&name).join("control.sock");
            let status =
                match nest_init::client::request(&sock, nest_init::protocol::Request::Status {})
                    .with_context(|| format!("asking container {name}'s init for its status"))?
                {
                    nest_init::protocol::Reply::Status(s) => s,
                    other => anyhow::bail!(
                        "container {name}'s init answered {other:?} to a status request"
                    ),
                };
            if json {
                out.json(&status);
            } else {
                out.stdout(&services_table(&status, now_ms()));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats { name, json } => {
            let s = stats::stats(&sup.running_state(&name)?);
            if json {
                out.json(&s);
            } else {
                let opt = |v: Option<u64>, f: &dyn Fn(u64) -> String| {
                    v.map(f).unwrap_or_else(|| "-".into())
                };
                out.stdout(&format!(
                    "name:       {}\npid:        {}\nprocesses:  {}\nmemory:     {}\nmemory max: {}\ncpu:        {}\npids:       {}\n",
                    s.name,
                    s.pid,
                    s.processes,
                    opt(s.memory_bytes, &|b| format!("{:.1} MiB", b as f64 / 1048576.0)),
                    opt(s.memory_max_bytes, &|b| format!("{:.1} MiB", b as f64 / 1048576.0)),
                    opt(s.cpu_ns, &|n| format!("{:.3} s", n as f64 / 1e9)),
                    opt(s.pids_current, &|n| n.to_string()),
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Supervise { name, foreground } => {
            super::daemon::lean_allocator();
            monitor::run(&sup.paths, &name, monitor::MonitorOptions { foreground })
                .with_context(|| format!("supervising container {name}"))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// "3s", "4m", "2h", "5d": how long ago `since_ms` was.
fn ago(since_ms: u64, now_ms: u64) -> String {
    let s = now_ms.saturating_sub(since_ms) / 1000;
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

/// `nest container services`: one line per service, in init's order.
fn services_table(st: &nest_init::protocol::InitStatus, now_ms: u64) -> String {
    let state = |s: nest_init::protocol::ServiceState| {
        serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let mut text = format!(
        "{:<24} {:<13} {:>8} {:>8} {:>6}  LAST EXIT\n",
        "SERVICE", "STATE", "PID", "RESTARTS", "SINCE"
    );
    for s in &st.services {
        text.push_str(&format!(
            "{:<24} {:<13} {:>8} {:>8} {:>6}  {}\n",
            s.name,
            state(s.state),
            s.pid.map_or("-".to_string(), |p| p.to_string()),
            s.restarts,
            ago(s.since_ms, now_ms),
            s.last_exit.as_deref().unwrap_or("-"),
        ));
    }
    if let Some(e) = &st.error {
        text.push_str(&format!("error: {e}\n"));
    }
    if let Some(a) = st.activation.as_ref().filter(|a| !a.ok) {
        text.push_str(&format!("last activation failed: {}\n", a.detail));
    }
    text
}

/// The host module that gives container `name` the configuration of `--config-file` /
/// `--config`, in the shape nixos-container writes: the file is imported, the
/// expression is the body of the module (or, in braces, a module of its own).
fn config_module(name: &str, file: Option<&Path>, expr: Option<&str>) -> anyhow::Result<String> {
    let body = match (file, expr) {
        (Some(f), _) => {
            let abs =
                std::fs::canonicalize(f).with_context(|| format!("reading '{}'", f.display()))?;
            format!("imports = [ {} ];", options::nix_path(&abs))
        }
        (None, Some(e)) if e.trim_start().starts_with('{') => format!("imports = [ ({e}\n) ];"),
        (None, Some(e)) => format!("{e}\n"),
        (None, None) => String::new(),
    };
    Ok(format!(
        "{{ containers.{} = {{ config = {{ config, lib, pkgs, ... }}: with lib; {{ {body} }}; }}; }}",
        options::nix_string(Path::new(name))
    ))
}

/// Evaluates a container's configuration with nest's host and system modules (as
/// `nest switch` does for one container) and builds its `system.build.toplevel` with
/// `nest build`; returns the system's store path.
fn build_system(
    sup: &Supervisor,
    out: &Output,
    name: &str,
    module: &str,
) -> anyhow::Result<PathBuf> {
    nest_supervisor::config::name(name)?;
    let given = std::env::var_os("NEST_NIX_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let dir = options::nix_dir(given.as_deref())?;
    let toplevel = format!(
        "(import {} {{ configuration = {}; }}).checked.containers.{}.config.system.build.toplevel",
        options::nix_path(&dir.join("modules/eval-host.nix")),
        module,
        options::nix_string(Path::new(name))
    );
    out.status(&format!("{name}: building the system"));
    let exe = std::env::current_exe().context("finding the nest executable")?;
    let built = std::process::Command::new(exe)
        .arg("build")
        .arg("--store")
        .arg(&sup.paths.store)
        .arg("--state-dir")
        .arg(&sup.paths.state)
        .args(["--no-out-link", "--json", "-E", &toplevel])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running nest build")?;
    if !built.status.success() {
        anyhow::bail!(
            "{name}: evaluating or building the configuration failed ({}); nothing was changed",
            built.status
        );
    }
    let v: serde_json::Value =
        serde_json::from_slice(&built.stdout).context("nest build --json printed invalid JSON")?;
    let path = v[0]["outputs"]["out"]
        .as_str()
        .context("nest build --json named no output")?;
    Ok(PathBuf::from(path))
}

fn clock_ticks() -> f64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .map(|t| t as f64)
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn stop_word(o: StopOutcome) -> &'static str {
    match o {
        StopOutcome::AlreadyStopped => "already stopped",
        StopOutcome::Stopped => "stopped",
        StopOutcome::Killed => "killed",
    }
}

/// Sends a request to the daemon when one listens; `None` when none does.
fn via_daemon(sup: &Supervisor, req: Request) -> anyhow::Result<Option<String>> {
    match proto::request(&sup.paths.daemon_socket(), req, Duration::from_secs(600))? {
        Some(Reply::Done { result }) => Ok(Some(result.replace('-', " "))),
        Some(Reply::Pong { .. }) => Ok(Some(String::new())),
        None => Ok(None),
    }
}

fn start_one(sup: &Supervisor, name: &str, timeout: Duration) -> anyhow::Result<String> {
    if let Some(r) = via_daemon(
        sup,
        Request::Start {
            name: name.to_string(),
            timeout_sec: Some(timeout.as_secs_f64()),
        },
    )? {
        return Ok(r);
    }
    let outcome = sup.start(name, timeout)?;
    Ok(nest_supervisor::daemon::start_word(&outcome).replace('-', " "))
}

/// Starts several containers at once (bounded parallelism), with a progress line per
/// container; fails when any of them failed.
fn start_many(
    sup: &Supervisor,
    out: &Output,
    names: &[String],
    timeout: Duration,
) -> anyhow::Result<ExitCode> {
    if let [name] = names {
        let r = start_one(sup, name, timeout)?;
        out.status(&format!("{name}: {r}"));
        return Ok(ExitCode::SUCCESS);
    }
    // Popped from the end: reversed so containers start in the order given.
    let queue = std::sync::Mutex::new(names.iter().rev().collect::<Vec<_>>());
    let done = std::sync::Mutex::new((0usize, Vec::new()));
    let total = names.len();
    let progress = out.progress(total as u64);
    std::thread::scope(|s| {
        for _ in 0..16.min(total) {
            s.spawn(|| {
                while let Some(name) = queue.lock().ok().and_then(|mut q| q.pop()) {
                    let r = start_one(sup, name, timeout);
                    let Ok(mut d) = done.lock() else { break };
                    d.0 += 1;
                    match r {
                        Ok(word) => {
                            progress.step(&format!("[{}/{total}] {name}: {word}", d.0), false)
                        }
                        Err(e) => {
                            progress
                                .step(&format!("[{}/{total}] {name}: failed: {e:#}", d.0), true);
                            d.1.push(name.clone());
                        }
                    }
                }
            });
        }
    });
    progress.finish();
    let failed = done.lock().map(|d| d.1.clone()).unwrap_or_default();
    if !failed.is_empty() {
        anyhow::bail!(
            "{} of {total} containers failed to start: {}",
            failed.len(),
            failed.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn list(sup: &Supervisor, out: &Output, json: bool, long: bool) -> anyhow::Result<ExitCode> {
    let all = sup.list()?;
    if json {
        let v: Vec<serde_json::Value> = all
            .iter()
            .map(|r| match r {
                Ok(i) => serde_json::to_value(i).unwrap_or_default(),
                Err((n, e)) => serde_json::json!({ "name": n, "error": e.to_string() }),
            })
            .collect();
        out.json(&v);
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::new();
    if long {
        text.push_str(&format!(
            "{:<24} {:<9} {:>8} {:<16} {:<5} {}\n",
            "NAME", "STATE", "PID", "ADDRESS", "AUTO", "SYSTEM"
        ));
    }
    for r in &all {
        match r {
            Ok(i) if long => text.push_str(&long_line(out, i)),
            Ok(i) => text.push_str(&format!("{}\n", i.name)),
            Err((n, e)) => {
                out.warn(&format!("{n}: {e}"));
                if !long {
                    text.push_str(&format!("{n}\n"));
                }
            }
        }
    }
    out.stdout(&text);
    Ok(ExitCode::SUCCESS)
}

fn long_line(out: &Output, i: &ContainerInfo) -> String {
    let phase = format!("{:<9}", i.phase.as_str());
    let phase = match i.phase {
        Phase::Running => out.paint_stdout("32", &phase),
        Phase::Failed => out.paint_stdout("31", &phase),
        _ => phase,
    };
    format!(
        "{:<24} {} {:>8} {:<16} {:<5} {}\n",
        i.name,
        phase,
        i.pid.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
        i.local_address.clone().unwrap_or_else(|| "-".into()),
        if i.auto_start { "yes" } else { "no" },
        i.system
            .as_ref()
            .map(|s| s.display().to_string())
            .unwrap_or_default()
    )
}

#[cfg(test)]
mod table_tests {
    use super::{ago, services_table};
    use nest_init::protocol::{
        ActivationResult, InitState, InitStatus, ServiceState, ServiceStatus,
    };

    #[test]
    fn ages_are_rounded_down_to_one_unit() {
        assert_eq!(ago(1_000, 1_000), "0s");
        assert_eq!(ago(0, 119_999), "119s");
        assert_eq!(ago(0, 120_000), "2m");
        assert_eq!(ago(0, 7_200_000), "2h");
        assert_eq!(ago(0, 3 * 86_400_000), "3d");
        // A clock that went backwards is not a negative age.
        assert_eq!(ago(5_000, 1_000), "0s");
    }

    #[test]
    fn the_table_has_a_line_per_service_and_says_what_failed() {
        let svc = |name: &str, state, pid, last: Option<&str>| ServiceStatus {
            name: name.into(),
            state,
            pid,
            restarts: 2,
            since_ms: 10_000,
            last_exit: last.map(str::to_string),
            definition_hash: String::new(),
        };
        let st = InitStatus {
            version: 1,
            pid: 1,
            system: "/s".into(),
            state: InitState::Running,
            since_ms: 0,
            activation: Some(ActivationResult {
                system: "/s".into(),
                ok: false,
                detail: "exit status 3".into(),
            }),
            error: None,
            services: vec![
                svc("web", ServiceState::Running, Some(42), None),
                svc("job", ServiceState::AutoRestart, None, Some("exited 1")),
            ],
        };
        let t = services_table(&st, 70_000);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4, "{t}");
        assert!(lines[0].starts_with("SERVICE"), "{t}");
        assert!(
            lines[1].starts_with("web ")
                && lines[1].contains(" running ")
                && lines[1].contains(" 42 ")
                && lines[1].ends_with("60s  -"),
            "{t}"
        );
        assert!(
            lines[2].contains(" auto-restart ")
                && lines[2].contains(" - ")
                && lines[2].ends_with("exited 1"),
            "{t}"
        );
        assert_eq!(lines[3], "last activation failed: exit status 3");
    }
}

#[cfg(test)]
mod tests {
    use super::config_module;

    #[test]
    fn config_module_shapes() {
        let body =
            config_module("web", None, Some("services.openssh.enable = true;")).expect("module");
        assert_eq!(body, "{ containers.\"web\" = { config = { config, lib, pkgs, ... }: with lib; { services.openssh.enable = true;\n }; }; }");
        let braces = config_module("web", None, Some("{ pkgs, ... }: { }")).expect("module");
        assert!(
            braces.contains("imports = [ ({ pkgs, ... }: { }\n) ];"),
            "{braces}"
        );
        assert!(config_module(
            "web",
            Some(std::path::Path::new("/nonexistent/c.nix")),
            None
        )
        .is_err());
    }
}
