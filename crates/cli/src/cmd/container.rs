//! `nest container …`: the `nixos-container` commands and the low-level runtime ones.

use crate::output::Output;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Start a container spec (JSON) in the foreground.
    RunSpec {
        /// The spec file.
        spec: std::path::PathBuf,
    },
}

pub fn run(_cmd: Command, _out: &Output) -> anyhow::Result<ExitCode> {
    anyhow::bail!("nest container is not implemented yet")
}
