//! `nest daemon` (the supervisor: autoStart, re-adoption, restarts, control socket)
//! and `nest systemd-units` (unit files for hosts that run systemd).

use crate::output::Output;
use nest_container::runtime::LEAN_ALLOCATOR;
use nest_supervisor::daemon::{self, DaemonOptions, Event};
use nest_supervisor::Paths;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
#[command(after_long_help = "\
Containers keep running when the daemon exits or is killed; a new daemon re-adopts them
(by pid, start time and cgroup) without restarting them. Stop it with SIGTERM.
Exit codes: 0 after SIGTERM/SIGINT, 1 when it could not start (e.g. another daemon runs).")]
pub struct Args {
    /// Milliseconds between checks of the containers.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    tick_ms: u64,
    /// Containers started at the same time at boot.
    #[arg(long, value_name = "N", default_value_t = 16)]
    parallel: usize,
    /// Seconds each autoStart container may take to start.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    start_timeout: u64,
}

/// Re-executes this process with [`LEAN_ALLOCATOR`] (why: see its docs) unless it
/// already has it (or the user set the variables); returns only when no re-exec
/// happened or it failed.
pub fn lean_allocator() {
    use std::os::unix::process::CommandExt;
    if LEAN_ALLOCATOR
        .iter()
        .any(|(k, _)| std::env::var_os(k).is_some())
    {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_else(|| exe.clone().into_os_string());
    // exec only returns on failure; running with the default settings is then fine.
    let _ = std::process::Command::new(exe)
        .arg0(argv0)
        .args(args)
        .envs(LEAN_ALLOCATOR.iter().copied())
        .exec();
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    lean_allocator();
    let opts = DaemonOptions {
        tick: Duration::from_millis(args.tick_ms.max(10)),
        start_timeout: Duration::from_secs(args.start_timeout),
        parallel: args.parallel.max(1),
    };
    let paths = Paths::from_env();
    // Bridges do not survive a reboot: the ones nest made come back before autoStart.
    // Under the switch lock, as `nest switch` changes them: a switch at the same time
    // would plan against bridges half restored and both would write bridges.json.
    // Without a state directory no switch has run: there is nothing to restore.
    if paths.state.is_dir() {
        let _switch_lock =
            match nest_store::lock::PathLock::exclusive(&paths.state.join("switch.lock")) {
                Ok(l) => Some(l),
                Err(e) => {
                    out.warn(&format!(
                        "host bridges: restoring without the switch lock: {e}"
                    ));
                    None
                }
            };
        crate::cmd::bridges::restore(&paths.state, &|w| out.warn(w));
    }
    daemon::run(paths, opts, |e| {
        let out = Output::from_env();
        match e {
            Event::Listening { socket } => {
                out.status(&format!("listening on {}", socket.display()))
            }
            Event::Adopted { name, pid } => {
                out.status(&format!("{name}: adopted (PID 1 is {pid})"))
            }
            Event::Started { name } => out.status(&format!("{name}: started")),
            Event::StartFailed { name, error } => out.warn(&format!("{name}: {error}")),
            Event::MonitorReplaced { name } => out.status(&format!(
                "{name}: its monitor was gone; a new one took over"
            )),
            Event::BootDone {
                started,
                failed,
                adopted,
            } => out.status(&format!(
                "boot: {started} started, {failed} failed, {adopted} adopted"
            )),
            Event::Stopping => out.status("stopping (containers keep running)"),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct UnitsArgs {
    /// Directory to write the units into.
    #[arg(long, value_name = "DIR", default_value = "/etc/systemd/system")]
    out: PathBuf,
}

pub fn units(args: UnitsArgs, out: &Output) -> anyhow::Result<ExitCode> {
    for p in nest_supervisor::units::write_units(&Paths::from_env(), &args.out)? {
        out.stdout(&format!("{}\n", p.display()));
    }
    Ok(ExitCode::SUCCESS)
}
