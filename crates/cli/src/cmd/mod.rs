//! One module per subcommand; each exposes its clap `Args` and a `run` function.

pub mod bridges;
pub mod build;
pub mod container;
pub mod daemon;
pub mod eval;
pub mod init;
pub mod manage;
pub mod options;
pub mod profile;
pub mod spawn;
pub mod store;
pub mod switch;
