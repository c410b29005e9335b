//! `nest store …`: argument handling for the store (add, path-info, verify, gc,
//! profiles); the work is in `nest-store`.

use crate::output::Output;
use anyhow::Context;
use nest_store::gc::GcOptions;
use nest_store::{Store, StoreConfig, StorePath};
use std::path::PathBuf;
use std::process::ExitCode;

/// Where the store is (shared by `nest store` and `nest build`).
#[derive(clap::Args, Debug, Clone)]
pub struct StoreArgs {
    /// The store directory.
    #[arg(long = "store", value_name = "DIR", env = "NEST_STORE_DIR", default_value = nest_store::DEFAULT_STORE_DIR)]
    pub store: PathBuf,
    /// The state directory (database, GC roots, profiles, logs).
    #[arg(long = "state-dir", value_name = "DIR", env = "NEST_STATE_DIR", default_value = nest_store::DEFAULT_STATE_DIR)]
    pub state_dir: PathBuf,
}

impl StoreArgs {
    pub fn open(&self) -> anyhow::Result<Store> {
        let abs = |p: &PathBuf| -> anyhow::Result<PathBuf> {
            Ok(if p.is_absolute() {
                p.clone()
            } else {
                std::env::current_dir()
                    .context("current directory")?
                    .join(p)
            })
        };
        let cfg = StoreConfig {
            store_dir: abs(&self.store)?,
            state_dir: abs(&self.state_dir)?,
        };
        Store::open(&cfg)
            .with_context(|| format!("opening the store at '{}'", cfg.store_dir.display()))
    }
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// Add a file or directory to the store (like `nix-store --add`); prints its path.
    Add {
        path: PathBuf,
        /// The name of the store path (default: the file's name).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Show registration data of store paths (like `nix path-info`).
    PathInfo {
        #[arg(required = true)]
        paths: Vec<String>,
        /// The whole closure.
        #[arg(short = 'r', long)]
        recursive: bool,
        /// Closure sizes.
        #[arg(short = 'S', long = "closure-size")]
        closure_size: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Check that every registered path exists (and with --check-contents, has its
    /// recorded hash). Exit code 1 when something is wrong.
    Verify {
        #[arg(long = "check-contents")]
        check_contents: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Delete store paths not reachable from a GC root (see `nest store roots`).
    Gc {
        /// Only print what would be deleted.
        #[arg(long = "dry-run")]
        dry_run: bool,
        /// An extra root (e.g. a running container's system); may be repeated.
        #[arg(long = "root", value_name = "PATH")]
        roots: Vec<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Build the outputs of `.drv` files already in the store (like `nix-store
    /// --realise`), without evaluating anything; prints the output paths.
    Realise {
        #[arg(required = true, value_name = "DRV")]
        drvs: Vec<String>,
        /// Builds at once.
        #[arg(short = 'j', long = "max-jobs", value_name = "N", default_value_t = 1)]
        max_jobs: usize,
        /// Run builders without the namespace sandbox (not isolated; for hosts without root).
        #[arg(long = "no-sandbox")]
        no_sandbox: bool,
        /// Kill a builder after this many seconds.
        #[arg(long, value_name = "SECS", default_value_t = 3600)]
        timeout: u64,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the GC roots (links under `<state>/gcroots` and `<state>/profiles`, paths
    /// in use by running builds, and the systems of configured containers).
    Roots {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Profiles and their generations (the same as `nest profile`).
    #[command(subcommand)]
    Profile(crate::cmd::profile::Command),
}

fn parse_paths(store: &Store, paths: &[String]) -> anyhow::Result<Vec<StorePath>> {
    let mut out = Vec::new();
    for p in paths {
        // A `result` symlink or a path inside a store path names that store path.
        let s = if store.store_dir().is_in_store(p) {
            p.clone()
        } else {
            std::fs::canonicalize(p)
                .with_context(|| format!("path '{p}'"))?
                .to_string_lossy()
                .into_owned()
        };
        out.push(store.parse_path(&s)?);
    }
    Ok(out)
}

/// The systems of the containers the supervisor knows (running or not): roots, so a
/// gc never deletes a system a container boots.
fn container_roots(store: &Store) -> anyhow::Result<Vec<StorePath>> {
    let paths = nest_supervisor::Paths::from_env();
    let mut out = Vec::new();
    for name in nest_supervisor::config::names(&paths).context("listing the containers")? {
        let Ok(cfg) = nest_supervisor::config::load(&paths, &name) else {
            continue;
        };
        let Some(sys) = cfg.system().and_then(|p| p.to_str()) else {
            continue;
        };
        if store.store_dir().is_in_store(sys) {
            if let Ok(p) = store.parse_path(sys) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

fn human(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

pub fn run(cmd: Command, out: &Output) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Add { path, name, store } => {
            let s = store.open()?;
            let name = match name {
                Some(n) => n,
                None => path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .context("the path has no file name; pass --name")?,
            };
            let p = s.add_path(&path, &name)?;
            out.stdout(&format!("{}\n", s.print(&p)));
        }
        Command::PathInfo {
            paths,
            recursive,
            closure_size,
            json,
            store,
        } => {
            let s = store.open()?;
            let ps = parse_paths(&s, &paths)?;
            let infos = s.path_info(&ps, recursive, closure_size)?;
            if json {
                out.json(&infos);
            } else {
                let mut text = String::new();
                for i in &infos {
                    text.push_str(&i.path);
                    text.push_str(&format!("\t{}", i.nar_size));
                    if let Some(c) = i.closure_size {
                        text.push_str(&format!("\t{c}"));
                    }
                    text.push('\n');
                }
                out.stdout(&text);
            }
        }
        Command::Verify {
            check_contents,
            json,
            store,
        } => {
            let s = store.open()?;
            let r = s.verify(check_contents)?;
            if json {
                out.json(&r);
            } else {
                for m in &r.missing {
                    out.warn(&format!("path '{m}' disappeared"));
                }
                for m in &r.modified {
                    out.warn(&format!("path '{m}' was modified"));
                }
                out.status(&format!(
                    "checked {} paths{}; {} missing, {} modified, {} unregistered entries",
                    r.checked,
                    if check_contents {
                        format!(" ({} of NAR)", human(r.nar_bytes))
                    } else {
                        String::new()
                    },
                    r.missing.len(),
                    r.modified.len(),
                    r.unregistered.len()
                ));
            }
            if !r.ok() {
                return Ok(ExitCode::from(crate::exit::FAILURE));
            }
        }
        Command::Gc {
            dry_run,
            roots,
            json,
            store,
        } => {
            let s = store.open()?;
            let mut extra = parse_paths(&s, &roots)?;
            extra.extend(container_roots(&s)?);
            let r = s.gc(&GcOptions {
                dry_run,
                extra_roots: extra,
            })?;
            if json {
                out.json(&r);
            } else {
                let mut text = String::new();
                for d in &r.deleted {
                    text.push_str(d);
                    text.push('\n');
                }
                out.stdout(&text);
                out.status(&format!(
                    "{} {} store paths, {}",
                    if dry_run { "would delete" } else { "deleted" },
                    r.deleted.len(),
                    human(r.bytes_freed)
                ));
            }
        }
        Command::Realise {
            drvs,
            max_jobs,
            no_sandbox,
            timeout,
            store,
        } => {
            let s = store.open()?;
            let mut wanted = Vec::new();
            for d in parse_paths(&s, &drvs)? {
                if !d.name().ends_with(".drv") {
                    anyhow::bail!("'{}' is not a derivation", s.print(&d));
                }
                let text = std::fs::read(s.real_path(&d))
                    .with_context(|| format!("reading '{}'", s.print(&d)))?;
                let name = d.name().trim_end_matches(".drv");
                let drv = nest_nixcompat::Derivation::parse(s.store_dir(), &text, name)
                    .with_context(|| format!("reading '{}'", s.print(&d)))?;
                wanted.push((d, drv.outputs.keys().cloned().collect()));
            }
            let sandbox = if no_sandbox {
                nest_build::Sandbox::None
            } else {
                nest_build::Sandbox::Namespaces {
                    exe: std::env::current_exe()
                        .context("finding the nest executable for the sandbox helper")?,
                }
            };
            let cfg = nest_build::BuildConfig {
                max_jobs: max_jobs.max(1),
                sandbox,
                timeout: std::time::Duration::from_secs(timeout.max(1)),
                ..nest_build::BuildConfig::default()
            };
            let progress = crate::cmd::build::Lines::new(out);
            let built = nest_build::Builder::new(&s, cfg).realise(&wanted, &progress);
            progress.finish();
            let mut text = String::new();
            for b in built? {
                for p in b.outputs.values() {
                    text.push_str(p);
                    text.push('\n');
                }
            }
            out.stdout(&text);
        }
        Command::Roots { store } => {
            let s = store.open()?;
            let mut text = String::new();
            for r in s.roots(&container_roots(&s)?) {
                text.push_str(&s.print(&r));
                text.push('\n');
            }
            out.stdout(&text);
        }
        Command::Profile(p) => return crate::cmd::profile::run(p, out),
    }
    Ok(ExitCode::SUCCESS)
}
