//! `nest container …`: the low-level runtime commands (`run-spec`, `exec`). Lifecycle
//! commands of the supervisor (`list`, `start`, `stop`, …) are added as further
//! variants of [`Command`].

use crate::output::Output;
use anyhow::Context;
use nest_container::exec::ExecOptions;
use nest_container::{ContainerName, Spec};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Start a container spec (JSON) in the foreground; exits with PID 1's status.
    RunSpec {
        /// The spec file (`-` for stdin).
        spec: PathBuf,
    },
    /// Run a command inside a running container (with a pty when stdin is a terminal).
    Exec {
        /// The container's name.
        name: String,
        /// Never allocate a pty.
        #[arg(short = 'T', long)]
        no_pty: bool,
        /// Runtime state root (the container's state is in RUN_DIR/containers/NAME).
        #[arg(
            long,
            value_name = "DIR",
            env = "NEST_RUN_DIR",
            default_value = "/run/nest"
        )]
        run_dir: PathBuf,
        /// The command (default: /bin/sh).
        #[arg(last = true, value_name = "CMD")]
        command: Vec<String>,
    },
    #[command(flatten)]
    Manage(super::manage::Command),
}

pub fn run(cmd: Command, _out: &Output) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::RunSpec { spec } => {
            let text = if spec.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading the spec from stdin")?
            } else {
                std::fs::read_to_string(&spec)
                    .with_context(|| format!("reading {}", spec.display()))?
            };
            let spec =
                Spec::from_json(&text).with_context(|| format!("spec {}", spec.display()))?;
            let status = nest_container::run(&spec, None)?;
            Ok(ExitCode::from(status.code().clamp(0, 255) as u8))
        }
        Command::Manage(c) => super::manage::run(c, _out),
        Command::Exec {
            name,
            no_pty,
            run_dir,
            command,
        } => {
            let name = ContainerName::new(&name)?;
            let state_dir = run_dir.join("containers").join(name.as_str());
            let command = if command.is_empty() {
                vec!["/bin/sh".to_string()]
            } else {
                command
            };
            let pty = !no_pty && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
            let status = nest_container::exec::exec(&ExecOptions {
                name: name.as_str(),
                state_dir: &state_dir,
                command: &command,
                pty,
            })?;
            Ok(ExitCode::from(status.code().clamp(0, 255) as u8))
        }
    }
}
