//! `nest spawn`.

use crate::output::Output;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _out: &Output) -> anyhow::Result<ExitCode> {
    anyhow::bail!("nest spawn is not implemented yet")
}
