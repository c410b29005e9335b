//! `nest eval` and the `nix-instantiate` compatibility entry point.

use crate::output::Output;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The file to evaluate (default: ./default.nix).
    pub file: Option<std::path::PathBuf>,
}

#[derive(clap::Args)]
pub struct NixInstantiateArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<std::ffi::OsString>,
}

pub fn run(_args: Args, _out: &Output) -> anyhow::Result<ExitCode> {
    anyhow::bail!("nest eval is not implemented yet")
}

pub fn run_nix_instantiate(_args: NixInstantiateArgs, _out: &Output) -> anyhow::Result<ExitCode> {
    anyhow::bail!("nest nix-instantiate is not implemented yet")
}

pub fn nix_instantiate_from_argv(_args: impl Iterator<Item = std::ffi::OsString>) -> ExitCode {
    eprintln!("error: nix-instantiate compatibility is not implemented yet");
    ExitCode::from(crate::exit::FAILURE)
}
