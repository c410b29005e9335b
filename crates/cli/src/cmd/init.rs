//! `nest init`: PID 1 inside a container (started by the runtime). Boots a system
//! directory (`--system`) or runs one command (`--exec -- CMD…`); all logic is in
//! the `nest-init` crate.

use crate::output::Output;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(after_long_help = "\
Exit status with --system: 0 after a poweroff (SIGTERM, SIGRTMIN+3/+4, `stop`),
133 after a reboot (SIGINT when PID 1, SIGRTMIN+5, `reboot`), 1 when init could not run.
With --exec: the command's own status (128+N when killed by signal N).")]
pub struct Args {
    /// The system directory to boot: an optional `activate` and `services.json`.
    #[arg(
        long,
        value_name = "SYSTEM",
        required_unless_present = "exec",
        conflicts_with = "exec"
    )]
    system: Option<PathBuf>,
    /// Host-visible state directory: control.sock, status.json, logs/.
    #[arg(long, value_name = "DIR", default_value = "/run/host/state")]
    state_dir: PathBuf,
    /// Where service users and groups are looked up.
    #[arg(long, value_name = "DIR", default_value = "/etc", hide = true)]
    etc_dir: PathBuf,
    /// Exit with status 1 when the boot activation fails instead of starting services.
    #[arg(long)]
    strict_activation: bool,
    /// Rotate a log file before it grows past this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    log_max_bytes: u64,
    /// Rotated log files kept per log.
    #[arg(long, value_name = "N", default_value_t = 3)]
    log_keep: u32,
    /// Do not echo init's own log lines on stderr.
    #[arg(long)]
    quiet: bool,
    /// Run one command as a minimal PID 1 (forward signals, reap zombies, exit with its status).
    #[arg(long, requires = "command")]
    exec: bool,
    /// The command for --exec.
    #[arg(last = true, value_name = "CMD")]
    command: Vec<String>,
}

pub fn run(args: Args, _out: &Output) -> anyhow::Result<ExitCode> {
    let code = if args.exec {
        nest_init::run_exec(&args.command)?
    } else {
        let Some(system) = args.system else {
            anyhow::bail!("--system is required")
        };
        nest_init::run_system(nest_init::SystemConfig {
            system,
            state_dir: args.state_dir,
            etc_dir: args.etc_dir,
            log_limits: nest_init::LogLimits {
                max_bytes: args.log_max_bytes.max(1),
                keep: args.log_keep,
            },
            strict_activation: args.strict_activation,
            console: !args.quiet,
        })?
    };
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
