//! `nest build`: evaluate, write the derivations, realise them in the sandbox, link the
//! results. Also the hidden `--sandbox-child` entry the builder sandbox re-executes.

use crate::cmd::store::StoreArgs;
use crate::output::Output;
use anyhow::Context;
use nest_build::{BuildConfig, Builder, Progress, Sandbox};
use nest_glue::{EvalRequest, Input};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// The file to build (default: ./default.nix).
    pub file: Option<PathBuf>,
    /// The file to build, as a flag (`nest build -f foo.nix -A system`).
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        conflicts_with = "file"
    )]
    pub file_flag: Option<PathBuf>,
    /// Make the result the new generation of this profile instead of linking
    /// `result` (like `nix-env --set -p PROFILE`): a path, or a name under
    /// `<state>/profiles` such as `containers/foo`.
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Build this expression instead of a file.
    #[arg(short = 'E', long = "expr", value_name = "EXPR")]
    pub expr: Option<String>,
    /// The attribute to build (`a.b.c`).
    #[arg(short = 'A', long = "attr", value_name = "ATTRPATH")]
    pub attr: Option<String>,
    /// Name of the result symlink (outputs other than `out` get `-<output>`).
    #[arg(
        short = 'o',
        long = "out-link",
        value_name = "RESULT",
        default_value = "result"
    )]
    pub out_link: PathBuf,
    /// Do not create a result symlink.
    #[arg(long = "no-out-link")]
    pub no_out_link: bool,
    /// Print the result as JSON (one line: `[{"drvPath":…,"outputs":{…}}]`).
    #[arg(long)]
    pub json: bool,
    /// Builds at once.
    #[arg(short = 'j', long = "max-jobs", value_name = "N", default_value_t = 1)]
    pub max_jobs: usize,
    /// Only evaluate and print what would be built; write nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Run builders without the namespace sandbox (not isolated; for hosts without root).
    #[arg(long = "no-sandbox")]
    pub no_sandbox: bool,
    /// Kill a builder after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub timeout: u64,
    /// Add a search path entry (`PATH` or `PREFIX=PATH`) for `<...>` lookups.
    #[arg(short = 'I', long = "include", value_name = "PATH")]
    pub include: Vec<String>,
    /// Show the full evaluation trace on errors.
    #[arg(long)]
    pub show_trace: bool,
    /// Evaluate even when the evaluation cache holds the result of an unchanged
    /// evaluation (also `NEST_NO_EVAL_CACHE=1`).
    #[arg(long = "no-eval-cache")]
    pub no_eval_cache: bool,
    /// Say what the evaluation cache did (hit, or why it missed).
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Internal: run as the sandbox helper described by SPEC.
    #[arg(long = "sandbox-child", value_name = "SPEC", hide = true)]
    pub sandbox_child: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Build progress through the output object: a bar on a terminal, one line per
/// finished build otherwise; failures always get their own line.
pub(crate) struct Lines<'a> {
    out: &'a Output,
    /// (running, done, total)
    state: Mutex<(usize, usize, usize)>,
    bar: Mutex<Option<crate::output::Progress>>,
}

impl Lines<'_> {
    pub(crate) fn new(out: &Output) -> Lines<'_> {
        Lines {
            out,
            state: Mutex::new((0, 0, 0)),
            bar: Mutex::new(None),
        }
    }

    pub(crate) fn finish(&self) {
        if let Ok(b) = self.bar.lock() {
            if let Some(b) = b.as_ref() {
                b.finish();
            }
        }
    }
}

impl Progress for Lines<'_> {
    fn planned(&self, n: usize) {
        if let Ok(mut s) = self.state.lock() {
            s.2 = n;
        }
        if n > 0 {
            self.out.status(&format!("{n} derivations will be built"));
            if let Ok(mut b) = self.bar.lock() {
                *b = Some(self.out.progress(n as u64));
            }
        }
    }
    fn started(&self, _drv: &str) {
        if let Ok(mut s) = self.state.lock() {
            s.0 += 1;
        }
    }
    fn finished(&self, drv: &str, ok: bool) {
        let line = {
            let Ok(mut s) = self.state.lock() else { return };
            s.0 = s.0.saturating_sub(1);
            if ok {
                s.1 += 1;
            }
            format!(
                "[{}/{} done, {} running] {} '{drv}'",
                s.1,
                s.2,
                s.0,
                if ok { "built" } else { "FAILED" }
            )
        };
        if let Ok(b) = self.bar.lock() {
            match b.as_ref() {
                Some(b) => b.step(&line, !ok),
                None => self.out.status(&line),
            }
        }
    }
}

fn search_path(include: &[String]) -> Vec<(String, String)> {
    // Relative entries made absolute here: the request (and the evaluation cache's key)
    // then means the same from any working directory.
    let cwd = std::env::current_dir().unwrap_or_default();
    let entry = |s: &str| {
        let (prefix, path) = crate::cmd::eval::parse_search_entry(s);
        if path.starts_with('/') || path.contains("://") {
            (prefix, path)
        } else {
            let path = nest_eval::eval::canon_path(&cwd.join(path).to_string_lossy());
            (prefix, path)
        }
    };
    let mut sp: Vec<(String, String)> = include.iter().map(|s| entry(s)).collect();
    if let Ok(np) = std::env::var("NIX_PATH") {
        sp.extend(np.split(':').filter(|e| !e.is_empty()).map(entry));
    }
    // Last, so -I and NIX_PATH win: `<nest/modules/eval-system.nix>` finds nest's own
    // Nix files, as `<nixpkgs/nixos>` does for nix-build on NixOS.
    let given = std::env::var_os("NEST_NIX_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    if let Ok(dir) = crate::cmd::options::nix_dir(given.as_deref()) {
        sp.push(("nest".to_string(), dir.to_string_lossy().into_owned()));
    }
    sp
}

/// The evaluation cache in the store's state directory, unless `--no-eval-cache` or
/// `NEST_NO_EVAL_CACHE` (set, and not `0`) turns it off.
pub(crate) fn eval_cache(store: &nest_store::Store, off: bool) -> nest_glue::EvalCache {
    let env_off = std::env::var("NEST_NO_EVAL_CACHE").is_ok_and(|v| !v.is_empty() && v != "0");
    if off || env_off {
        nest_glue::EvalCache::disabled()
    } else {
        nest_glue::EvalCache::in_state_dir(store.state_dir())
    }
}

/// Prints again what a reused evaluation traced, exactly as the evaluator printed it
/// (`trace: …`, `warning: …` lines on stderr), and with `verbose`, what the cache did.
pub(crate) fn report_cache(
    out: &Output,
    outcome: &nest_glue::CacheOutcome,
    replay: &[String],
    verbose: bool,
) {
    for line in replay {
        out.status(line);
    }
    if verbose {
        out.status(&outcome.to_string());
    }
}

/// `result` → `/abs/result`, replacing an older link atomically; registered as an
/// indirect GC root (`<state>/gcroots/auto/<hash>` → the link).
fn link_result(store: &nest_store::Store, link: &Path, target: &str) -> anyhow::Result<()> {
    let abs = if link.is_absolute() {
        link.to_path_buf()
    } else {
        std::env::current_dir()?.join(link)
    };
    let tmp = abs.with_file_name(format!(
        ".{}.tmp-{}",
        abs.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)
        .with_context(|| format!("creating '{}'", tmp.display()))?;
    std::fs::rename(&tmp, &abs).with_context(|| format!("creating '{}'", abs.display()))?;
    let auto = store.state_dir().join("gcroots").join("auto");
    std::fs::create_dir_all(&auto).with_context(|| format!("creating '{}'", auto.display()))?;
    let key = nest_nixcompat::HashAlgo::Sha256
        .digest(abs.to_string_lossy().as_bytes())
        .to_nixbase32();
    let root = auto.join(&key[..32]);
    let rtmp = auto.join(format!(".{}.tmp", &key[..32]));
    let _ = std::fs::remove_file(&rtmp);
    std::os::unix::fs::symlink(&abs, &rtmp)
        .with_context(|| format!("creating '{}'", rtmp.display()))?;
    std::fs::rename(&rtmp, &root).with_context(|| format!("creating '{}'", root.display()))?;
    Ok(())
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    if let Some(spec) = &args.sandbox_child {
        let code = nest_build::sandbox::child_main(spec);
        return Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)));
    }
    let store = Arc::new(args.store.open()?);
    let input = match (&args.expr, args.file.as_ref().or(args.file_flag.as_ref())) {
        (Some(e), _) => Input::Expr(e.clone()),
        (None, Some(f)) => Input::File(f.clone()),
        (None, None) => Input::File(PathBuf::from("./default.nix")),
    };
    let sandbox = if args.no_sandbox {
        Sandbox::None
    } else {
        Sandbox::Namespaces {
            exe: std::env::current_exe()
                .context("finding the nest executable for the sandbox helper")?,
        }
    };
    let cfg = BuildConfig {
        max_jobs: args.max_jobs.max(1),
        sandbox,
        timeout: Duration::from_secs(args.timeout.max(1)),
        ..BuildConfig::default()
    };
    let req = EvalRequest {
        input,
        attr_path: args.attr.clone().unwrap_or_default(),
        search_path: search_path(&args.include),
        dry_run: args.dry_run,
        show_trace: args.show_trace,
        build: Some(cfg.clone()),
    };
    let cached =
        nest_glue::instantiate_cached(store.clone(), req, &eval_cache(&store, args.no_eval_cache))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    report_cache(out, &cached.outcome, &cached.replay, args.verbose);
    let wanted = cached.value;
    if args.dry_run {
        let mut text = String::new();
        for w in &wanted {
            text.push_str(&format!("{}\t{}\t{}\n", w.drv_path, w.output, w.out_path));
        }
        out.stdout(&text);
        return Ok(ExitCode::SUCCESS);
    }
    let mut by_drv: BTreeMap<nest_store::StorePath, BTreeSet<String>> = BTreeMap::new();
    for w in &wanted {
        by_drv
            .entry(store.parse_path(&w.drv_path)?)
            .or_default()
            .insert(w.output.clone());
    }
    let progress = Lines {
        out,
        state: Mutex::new((0, 0, 0)),
        bar: Mutex::new(None),
    };
    let wanted_list: Vec<_> = by_drv.into_iter().collect();
    let built = Builder::new(&store, cfg).realise(&wanted_list, &progress);
    progress.finish();
    let built = built?;
    if let Some(profile) = &args.profile {
        let outs: Vec<&String> = built.iter().flat_map(|b| b.outputs.values()).collect();
        let [one] = outs.as_slice() else {
            anyhow::bail!(
                "--profile needs exactly one output to point at; the expression built {}",
                outs.len()
            );
        };
        let p = store.parse_path(one)?;
        let profile = crate::cmd::profile::profile_of(&store, profile);
        let n = profile.switch(&store, &p)?;
        out.status(&format!("'{}': generation {n}", profile.path().display()));
    } else if !args.no_out_link {
        for (i, b) in built.iter().enumerate() {
            for (o, p) in &b.outputs {
                let mut name = args.out_link.as_os_str().to_os_string();
                if i > 0 {
                    name.push(format!("-{}", i + 1));
                }
                if o != "out" {
                    name.push(format!("-{o}"));
                }
                link_result(&store, Path::new(&name), p)?;
            }
        }
    }
    if args.json {
        out.json(&built);
    } else {
        let mut text = String::new();
        for b in &built {
            for p in b.outputs.values() {
                text.push_str(p);
                text.push('\n');
            }
        }
        out.stdout(&text);
    }
    Ok(ExitCode::SUCCESS)
}
