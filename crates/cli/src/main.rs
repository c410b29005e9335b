//! The `nest` binary: argument parsing, output and exit codes. No logic lives here;
//! every subcommand is a thin adapter over a library crate, one file per subcommand
//! under `cmd/`.

#![forbid(unsafe_code)]

mod cmd;
mod output;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

/// Exit codes, documented in `nest --help`.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// The command failed: bad input, an evaluation error, a container that did not start.
    pub const FAILURE: u8 = 1;
    /// The command line itself was wrong (unknown flag, missing argument).
    pub const USAGE: u8 = 2;
}

const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    success
  1    failure: bad input, an evaluation error, a container that failed
  2    usage error: unknown flag, missing argument
  N    `nest spawn` and `nest container run` exit with the command's own status";

#[derive(Parser)]
#[command(name = "nest", version, about, after_long_help = EXIT_CODES_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a Nix expression (like `nix-instantiate --eval`).
    Eval(cmd::eval::Args),
    /// Compatibility entry point: accepts `nix-instantiate`'s flags (also used when
    /// nest is invoked as `nix-instantiate`).
    #[command(name = "nix-instantiate", disable_help_flag = true)]
    NixInstantiate(cmd::eval::NixInstantiateArgs),
    /// Run a command (or boot a system) in a fresh container made from a root directory,
    /// like `systemd-nspawn`.
    Spawn(Box<cmd::spawn::Args>),
    /// Manage containers.
    #[command(subcommand)]
    Container(cmd::container::Command),
    /// The container supervisor: starts autoStart containers, re-adopts running ones,
    /// applies restart policies, serves a control socket.
    Daemon(cmd::daemon::Args),
    /// Write systemd units (`container-<name>.service`, `nest-daemon.service`).
    SystemdUnits(cmd::daemon::UnitsArgs),
    /// The store: add paths, path-info, verify, gc, profiles.
    #[command(subcommand)]
    Store(cmd::store::Command),
    /// Build a Nix expression's derivations in the sandbox (like `nix-build`).
    Build(cmd::build::Args),
    /// List the options of nest's host modules (and a host config's own), or
    /// `--json` in the shape of NixOS's options.json.
    Options(cmd::options::Args),
    /// Evaluate a host config, build the container systems, record a generation and
    /// reconcile the containers with it (`--dry-run`: only print the plan;
    /// `--rollback`: back to the previous generation).
    Switch(cmd::switch::Args),
    /// The host's switch generations: each `nest switch`, its date and the systems of
    /// its containers (`nest switch --rollback` goes back one).
    Generations(cmd::switch::GenerationsArgs),
    /// Profiles and their generations (`containers/<name>`, `host`, or a path).
    #[command(subcommand)]
    Profile(cmd::profile::Command),
    /// PID 1 inside a container (internal; started by the runtime).
    #[command(hide = true)]
    Init(cmd::init::Args),
    /// Print shell completions for nest.
    Completions {
        /// The shell to generate completions for.
        shell: clap_complete::Shell,
    },
    /// Print nest's man page (roff) on stdout.
    Manpage,
}

/// `nest spawn …` parsed with spawn's own flags only: building clap's tree of every
/// subcommand is a measurable part of a container's start (bench/runtime). Anything
/// that is not a clean parse (`--help`, a usage error) returns `None` and goes through
/// the full parser, so help and error output stay those of `nest`.
fn spawn_fast_path() -> Option<ExitCode> {
    use clap::{Args, FromArgMatches};
    let mut argv = std::env::args_os();
    let argv0 = argv.next()?;
    if argv.next()? != "spawn" {
        return None;
    }
    let command = cmd::spawn::Args::augment_args(clap::Command::new("spawn"));
    let matches = command
        .try_get_matches_from(std::iter::once(argv0).chain(argv))
        .ok()?;
    let args = cmd::spawn::Args::from_arg_matches(&matches).ok()?;
    let out = output::Output::from_env();
    Some(match cmd::spawn::run(args, &out) {
        Ok(code) => code,
        Err(e) => {
            out.error(&e);
            ExitCode::from(exit::FAILURE)
        }
    })
}

fn main() -> ExitCode {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let invoked_as = std::path::Path::new(&argv0)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if invoked_as == "nix-instantiate" {
        return cmd::eval::nix_instantiate_from_argv(std::env::args_os().skip(1));
    }

    nest_sys::startup::link_before_main();
    if let Some(code) = spawn_fast_path() {
        return code;
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let out = output::Output::from_env();
    let result = match cli.command {
        Command::Eval(args) => cmd::eval::run(args, &out),
        Command::NixInstantiate(args) => cmd::eval::run_nix_instantiate(args, &out),
        Command::Spawn(args) => cmd::spawn::run(*args, &out),
        Command::Container(c) => cmd::container::run(c, &out),
        Command::Store(c) => cmd::store::run(c, &out),
        Command::Build(args) => cmd::build::run(args, &out),
        Command::Init(args) => cmd::init::run(args, &out),
        Command::Options(args) => cmd::options::run(args, &out),
        Command::Switch(args) => cmd::switch::run(args, &out),
        Command::Generations(args) => cmd::switch::generations(args, &out),
        Command::Profile(c) => cmd::profile::run(c, &out),
        Command::Daemon(args) => cmd::daemon::run(args, &out),
        Command::SystemdUnits(args) => cmd::daemon::units(args, &out),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "nest", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Manpage => {
            let man = clap_mangen::Man::new(Cli::command());
            match man.render(&mut std::io::stdout()) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) => Err(e.into()),
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            out.error(&e);
            ExitCode::from(exit::FAILURE)
        }
    }
}
