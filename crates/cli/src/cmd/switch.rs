//! `nest switch -f HOST.nix [--dry-run]`: evaluate a host config with nest's host
//! modules and compare each container with what the supervisor knows. This first cut
//! plans (start, stop, re-activate, restart); carrying the plan out is not wired yet.

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
    bail!(
        "nest switch: only --dry-run works yet; building the systems and handing them to the supervisor \
         (create/update/start/stop) is not implemented in this first cut"
    )
}
