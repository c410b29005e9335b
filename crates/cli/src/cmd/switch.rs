//! `nest switch -f HOST.nix [--dry-run]`: evaluate a host config with nest's host
//! modules, compare each container with what the supervisor knows (start, create,
//! stop, re-activate, restart, update), and unless it is a dry run, build the systems
//! (`nest build`) and carry the plan out through the supervisor.

use crate::cmd::options::{configuration_arg, nix_dir, nix_path};
use crate::cmd::store::StoreArgs;
use crate::output::Output;
use anyhow::{bail, Context};
use nest_glue::{EvalRequest, Input};
use nest_supervisor::config::{self, Origin};
use nest_supervisor::ops::Supervisor;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The host config.
    #[arg(short = 'f', long = "file", value_name = "HOST.nix")]
    pub file: PathBuf,
    /// Only print what would start, stop, re-activate or restart.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
    /// Where nest's Nix files (`lib/`, `modules/`) are.
    #[arg(long = "nix-dir", value_name = "DIR", env = "NEST_NIX_DIR")]
    pub nix_dir: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// What switching does to one container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// New, autoStart: created and started.
    Start,
    /// New, not autoStart: created only.
    Create,
    /// Gone from the host config: stopped, its root kept.
    Stop,
    /// Running, its system changed: the new system is activated in place.
    Reactivate,
    /// Something activation cannot change did (namespaces, network, mounts, limits).
    Restart,
    /// Its system or settings changed while it is not running: saved for the next start.
    Update,
    /// Nothing changed (or restartIfChanged = false keeps a running one as it is).
    Unchanged,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    pub name: String,
    pub action: Action,
    /// The system to boot: the built toplevel's store path (computed, not built) or `path`.
    pub system: Option<String>,
    pub why: String,
}

/// Per container: the evaluated spec data and the system's store path.
fn evaluate(args: &Args) -> anyhow::Result<BTreeMap<String, Value>> {
    let dir = nix_dir(args.nix_dir.as_deref())?;
    let expr = format!(
        "let r = import {} {{ configuration = {}; }}; c = r.config; in \
         r.lib.asserts.checkAssertWarn c.assertions c.warnings \
         (builtins.mapAttrs (n: s: s // {{ toplevel = if s.toplevel == null then null else s.toplevel.outPath; }}) c.nest.containerSpecs)",
        nix_path(&dir.join("modules/eval-host.nix")),
        configuration_arg(Some(&args.file))?
    );
    let store = Arc::new(args.store.open()?);
    let req = EvalRequest {
        input: Input::Expr(expr),
        attr_path: String::new(),
        search_path: Vec::new(),
        dry_run: true,
        show_trace: false,
        build: None,
    };
    let text = nest_glue::with_evaluated(store, req, |ev, v| {
        nest_eval::render(ev, &v, true, nest_eval::OutputFormat::Json)
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    serde_json::from_str(&text).context("the evaluator printed invalid JSON")
}

/// The spec fields a running container cannot change without a restart: all of it
/// but the system and the directories the supervisor fills in. Both sides go through
/// the runtime's `Spec`, so defaults compare equal to absent fields.
fn restart_relevant(spec: &nest_container::spec::Spec) -> anyhow::Result<Value> {
    let mut s = spec.clone();
    // A system outside the store is bind-mounted by the supervisor (see `path`).
    if let Some(init) = &s.init {
        let init = init.clone();
        s.bind_mounts.retain(|b| b.mount_point != init);
    }
    s.init = None;
    s.state_dir = None;
    s.root_dir = None;
    s.store_dir = None;
    serde_json::to_value(&s).context("serialising a spec")
}

/// The evaluated spec data of `name` as the runtime's `Spec` (validated).
fn desired_spec(name: &str, d: &Value) -> anyhow::Result<nest_container::spec::Spec> {
    let mut spec = d["spec"].clone();
    // A placeholder system: validation asks for something to run.
    spec["init"] = Value::String("/nest/store/system".into());
    nest_container::spec::Spec::from_json(&spec.to_string())
        .with_context(|| format!("containers.{name}"))
}

pub fn plan(desired: &BTreeMap<String, Value>, sup: &Supervisor) -> anyhow::Result<Vec<Step>> {
    let mut steps = Vec::new();
    let known = sup.names().context("listing the supervisor's containers")?;
    for (name, d) in desired {
        let system = d["path"]
            .as_str()
            .or(d["toplevel"].as_str())
            .map(str::to_string);
        let auto = d["autoStart"].as_bool().unwrap_or(false);
        let spec = desired_spec(name, d)?;
        if !known.contains(name) {
            let action = if auto { Action::Start } else { Action::Create };
            steps.push(Step {
                name: name.clone(),
                action,
                system,
                why: "new".into(),
            });
            continue;
        }
        let cfg = config::load(&sup.paths, name)
            .with_context(|| format!("reading the supervisor's config of '{name}'"))?;
        let info = sup
            .inspect(name)
            .with_context(|| format!("inspecting '{name}'"))?;
        let running = info.status == "up";
        let spec_changed = restart_relevant(&cfg.spec)? != restart_relevant(&spec)?;
        let old_system = cfg.system().map(|p| p.to_string_lossy().into_owned());
        let system_changed = old_system != system;
        let (action, why) = match (spec_changed, system_changed, running) {
            (false, false, _) => (Action::Unchanged, "same spec and system".to_string()),
            (_, _, false) => (Action::Update, "changed; not running".to_string()),
            _ if d["restartIfChanged"] == Value::Bool(false) => (
                Action::Unchanged,
                "changed, but restartIfChanged = false".to_string(),
            ),
            (true, _, true) => (
                Action::Restart,
                "container settings changed (network, mounts, limits, …)".to_string(),
            ),
            (false, true, true) => (
                Action::Reactivate,
                format!(
                    "system {} -> {}",
                    old_system.unwrap_or_default(),
                    system.clone().unwrap_or_default()
                ),
            ),
        };
        steps.push(Step {
            name: name.clone(),
            action,
            system,
            why,
        });
    }
    for name in known.iter().filter(|n| !desired.contains_key(*n)) {
        let cfg = config::load(&sup.paths, name)
            .with_context(|| format!("reading the supervisor's config of '{name}'"))?;
        if cfg.origin == Origin::Declarative {
            steps.push(Step {
                name: name.to_string(),
                action: Action::Stop,
                system: None,
                why: "removed from the host config".into(),
            });
        }
    }
    Ok(steps)
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let desired = evaluate(&args)?;
    let sup = Supervisor::from_env();
    let steps = plan(&desired, &sup)?;
    if args.json {
        out.json(&steps);
    } else {
        let mut text = String::new();
        for s in &steps {
            let verb = serde_json::to_value(s.action)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            text.push_str(&format!("{verb:<10} {}  ({})\n", s.name, s.why));
        }
        out.stdout(&text);
    }
    if args.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    build(&args, &desired, &steps)?;
    apply(&sup, &desired, &steps, out)?;
    Ok(ExitCode::SUCCESS)
}

/// Builds every planned system that is not in the store yet, with `nest build` (one
/// run for all of them, so shared paths are built once).
fn build(args: &Args, desired: &BTreeMap<String, Value>, steps: &[Step]) -> anyhow::Result<()> {
    let wanted: Vec<&str> = steps
        .iter()
        .filter(|s| s.action != Action::Stop && s.action != Action::Unchanged)
        .filter(|s| {
            desired
                .get(&s.name)
                .is_some_and(|d| d["toplevel"].is_string())
        })
        .filter(|s| {
            s.system
                .as_deref()
                .is_some_and(|p| !std::path::Path::new(p).exists())
        })
        .map(|s| s.name.as_str())
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let dir = nix_dir(args.nix_dir.as_deref())?;
    let names: Vec<String> = wanted.iter().map(|n| nix_path_string(n)).collect();
    let expr = format!(
        "let c = (import {} {{ configuration = {}; }}).config; in map (n: c.containers.${{n}}.config.system.build.toplevel) [ {} ]",
        nix_path(&dir.join("modules/eval-host.nix")),
        configuration_arg(Some(&args.file))?,
        names.join(" ")
    );
    let exe = std::env::current_exe().context("finding the nest executable")?;
    let status = std::process::Command::new(exe)
        .arg("build")
        .arg("--store")
        .arg(&args.store.store)
        .arg("--state-dir")
        .arg(&args.store.state_dir)
        .arg("--no-out-link")
        .arg("-E")
        .arg(&expr)
        .stdout(std::process::Stdio::null())
        .status()
        .context("running nest build")?;
    if !status.success() {
        bail!("building the container systems failed ({status}); nothing was changed");
    }
    Ok(())
}

fn nix_path_string(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace("${", "\\${")
    )
}

/// Writes a container's supervisor config (under its lock), keeping its restart
/// settings when it exists.
fn save_config(
    sup: &Supervisor,
    name: &str,
    d: &Value,
    system: Option<&str>,
) -> anyhow::Result<()> {
    let paths = &sup.paths;
    let _lock = nest_supervisor::files::FileLock::exclusive(&paths.lock_file(name))?;
    let mut spec = desired_spec(name, d)?;
    spec.init = None;
    spec.root_dir = Some(paths.root_dir(name));
    if paths.store.is_dir() {
        spec.store_dir = Some(paths.store.clone());
    }
    let old = config::load(paths, name).ok();
    let system = system
        .map(PathBuf::from)
        .or_else(|| old.as_ref().and_then(|c| c.spec.init.clone()));
    if let Some(sys) = system {
        let in_store = spec.store_dir.as_ref().is_some_and(|s| sys.starts_with(s));
        if !in_store {
            spec.bind_mounts.push(nest_container::spec::BindMount {
                host_path: Some(sys.clone()),
                mount_point: sys.clone(),
                is_read_only: true,
            });
        }
        spec.init = Some(sys);
    }
    spec.validate()
        .with_context(|| format!("containers.{name}"))?;
    let cfg = config::ContainerConfig {
        version: config::CONFIG_VERSION,
        origin: Origin::Declarative,
        auto_start: d["autoStart"].as_bool().unwrap_or(false),
        restart: old.as_ref().map(|c| c.restart.clone()).unwrap_or_default(),
        stop_timeout_sec: old.as_ref().map(|c| c.stop_timeout_sec).unwrap_or(10.0),
        spec,
    };
    let root = paths.root_dir(name);
    std::fs::create_dir_all(&root).with_context(|| format!("creating '{}'", root.display()))?;
    config::save(paths, &cfg)?;
    Ok(())
}

/// Carries the plan out, container by container; stops at the first failure.
fn apply(
    sup: &Supervisor,
    desired: &BTreeMap<String, Value>,
    steps: &[Step],
    out: &Output,
) -> anyhow::Result<()> {
    let timeout = std::time::Duration::from_secs(60);
    for s in steps {
        let name = s.name.as_str();
        let sys = s.system.as_deref();
        let ctx = || format!("{name}: {:?}", s.action);
        match s.action {
            Action::Unchanged => {}
            Action::Stop => {
                sup.stop(name, None).with_context(ctx)?;
            }
            Action::Create | Action::Start | Action::Update | Action::Restart => {
                let d = desired
                    .get(name)
                    .context("a planned container is missing")?;
                save_config(sup, name, d, sys).with_context(ctx)?;
                if s.action == Action::Start {
                    sup.start(name, timeout).with_context(ctx)?;
                } else if s.action == Action::Restart {
                    sup.restart(name, timeout).with_context(ctx)?;
                }
            }
            Action::Reactivate => {
                let system = sys.map(PathBuf::from).context("no system to activate")?;
                let r = sup
                    .update(name, Some(&system), None, None)
                    .with_context(ctx)?;
                out.status(&format!("{name}: {r:?}"));
            }
        }
    }
    Ok(())
}
