//! `nest switch -f HOST.nix [--dry-run]` and `nest switch --rollback`: evaluate a host
//! config with nest's host modules (or take a previous host generation), compare each
//! container with what the supervisor knows (start, create, stop, re-activate,
//! restart, update), and unless it is a dry run, build the systems (`nest build`),
//! record the generation (host profile `<state>/profiles/host`, each container's
//! `<state>/profiles/containers/<name>`) and carry the plan out through the
//! supervisor. Also `nest generations`.
//!
//! A host generation is a store path (`nest-host-generation`, JSON) that names every
//! container's system and evaluated settings and refers to the systems, so each
//! generation keeps its systems alive across `nest store gc` and a rollback needs no
//! evaluation.

use crate::cmd::bridges;
use crate::cmd::options::{configuration_arg, nix_dir, nix_path};
use crate::cmd::profile::utc;
use crate::cmd::store::StoreArgs;
use crate::output::Output;
use anyhow::{bail, Context};
use nest_glue::{EvalRequest, Input};
use nest_store::profile::{Generation, Profile};
use nest_store::Store;
use nest_supervisor::config::{self, Origin};
use nest_supervisor::ops::Supervisor;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The host config.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "HOST.nix",
        required_unless_present = "rollback",
        conflicts_with = "rollback"
    )]
    pub file: Option<PathBuf>,
    /// Switch back to the previous host generation: every container's system and
    /// settings as they were (nothing is evaluated).
    #[arg(long)]
    pub rollback: bool,
    /// Only print what would start, stop, re-activate or restart.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
    /// Evaluate even when the evaluation cache holds the result of an unchanged
    /// evaluation (also `NEST_NO_EVAL_CACHE=1`).
    #[arg(long = "no-eval-cache")]
    pub no_eval_cache: bool,
    /// Say what the evaluation cache did (hit, or why it missed).
    #[arg(short = 'v', long)]
    pub verbose: bool,
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
    /// Gone from the host config since the last switch and not running: nothing to do.
    Removed,
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

/// `nest generations [--json]`.
#[derive(clap::Args)]
pub struct GenerationsArgs {
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// One container as the switch wants it: the evaluated settings (`nest.containerSpecs.<name>`)
/// and the system it boots, resolved (a `path` profile is followed to its target at
/// switch time, so a profile that points elsewhere is a change).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Desired {
    pub system: Option<String>,
    pub data: Value,
}

pub const HOST_GENERATION_VERSION: u32 = 1;

/// What a host generation's store path holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostGeneration {
    pub version: u32,
    /// The host config it was evaluated from.
    pub host_config: Option<String>,
    pub containers: BTreeMap<String, Desired>,
    /// `networking.bridges` (left out when empty, so such generations stay as before).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bridges: bridges::DeclaredBridges,
}

/// The host's switch generations.
fn host_profile(store: &Store) -> Profile {
    Profile::in_store(store, "host")
}

fn container_profile(store: &Store, name: &str) -> Profile {
    Profile::in_store(store, &format!("containers/{name}"))
}

fn read_generation(g: &Generation) -> anyhow::Result<HostGeneration> {
    let text = std::fs::read_to_string(&g.path)
        .with_context(|| format!("reading host generation {} ('{}')", g.number, g.path))?;
    let hg: HostGeneration = serde_json::from_str(&text).with_context(|| {
        format!(
            "host generation {} ('{}') is not a host generation",
            g.number, g.path
        )
    })?;
    if hg.version != HOST_GENERATION_VERSION {
        bail!(
            "host generation {} has version {} (this nest reads {HOST_GENERATION_VERSION})",
            g.number,
            hg.version
        );
    }
    Ok(hg)
}

/// The host generation last switched to, if any.
fn current_generation(store: &Store) -> anyhow::Result<Option<HostGeneration>> {
    match host_profile(store).current_generation()? {
        Some(g) => Ok(Some(read_generation(&g)?)),
        None => Ok(None),
    }
}

/// Follows `path` (a profile or a system directory) to where it points now.
fn resolve_path(name: &str, path: &str) -> anyhow::Result<String> {
    let real = std::fs::canonicalize(path).with_context(|| {
        format!("containers.{name}.path: '{path}' does not resolve to a system")
    })?;
    if !real.join("services.json").is_file() {
        bail!("containers.{name}.path: '{path}' ({}) is not a system directory: it has no services.json", real.display());
    }
    Ok(real.to_string_lossy().into_owned())
}

fn resolve(data: BTreeMap<String, Value>) -> anyhow::Result<BTreeMap<String, Desired>> {
    let mut out = BTreeMap::new();
    for (name, d) in data {
        let system = match (d["path"].as_str(), d["toplevel"].as_str()) {
            (Some(p), _) => Some(resolve_path(&name, p)?),
            (None, t) => t.map(str::to_string),
        };
        out.insert(name, Desired { system, data: d });
    }
    Ok(out)
}

/// What `evaluate` returns.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Evaluated {
    containers: BTreeMap<String, Value>,
    host_network: bridges::HostNetwork,
}

/// Per container: the evaluated spec data, the system's store path (`toplevel`) and
/// its derivation (`toplevelDrv`); and the host's bridges. With `write`, the
/// derivations are written to the store as they are evaluated, so the build needs no
/// second evaluation.
fn evaluate(args: &Args, file: &Path, store: Arc<Store>, write: bool) -> anyhow::Result<Evaluated> {
    let dir = nix_dir(args.nix_dir.as_deref())?;
    let expr = format!(
        "let r = import {} {{ configuration = {}; }}; c = r.config; in \
         r.lib.asserts.checkAssertWarn c.assertions c.warnings {{ \
         containers = builtins.mapAttrs (n: s: s // (if s.toplevel == null then {{ toplevel = null; toplevelDrv = null; }} \
           else {{ toplevel = s.toplevel.outPath; toplevelDrv = s.toplevel.drvPath; }})) c.nest.containerSpecs; \
         hostNetwork = c.nest.hostNetwork or {{ }}; }}",
        nix_path(&dir.join("modules/eval-host.nix")),
        configuration_arg(Some(file))?
    );
    let req = EvalRequest {
        input: Input::Expr(expr),
        attr_path: String::new(),
        search_path: Vec::new(),
        dry_run: !write,
        show_trace: false,
        build: write.then(build_config).transpose()?,
    };
    let cache = crate::cmd::build::eval_cache(&store, args.no_eval_cache);
    let cached = nest_glue::with_evaluated_cached(store, req, &cache, |ev, v| {
        nest_eval::render(ev, &v, true, nest_eval::OutputFormat::Json)
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    crate::cmd::build::report_cache(
        &Output::from_env(),
        &cached.outcome,
        &cached.replay,
        args.verbose,
    );
    let text = cached.value;
    serde_json::from_str(&text).context("the evaluator printed invalid JSON")
}

/// How `nest switch` builds: in the namespace sandbox, as many builds at once as
/// there are CPUs.
fn build_config() -> anyhow::Result<nest_build::BuildConfig> {
    let exe =
        std::env::current_exe().context("finding the nest executable for the sandbox helper")?;
    Ok(nest_build::BuildConfig {
        max_jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        sandbox: nest_build::Sandbox::Namespaces { exe },
        ..nest_build::BuildConfig::default()
    })
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

/// `last`: the host generation switched to before, whose containers a stopped
/// container must be missing from to count as re-added (and be started again).
pub fn plan(
    desired: &BTreeMap<String, Desired>,
    last: Option<&HostGeneration>,
    sup: &Supervisor,
) -> anyhow::Result<Vec<Step>> {
    let mut steps = Vec::new();
    let known = sup.names().context("listing the supervisor's containers")?;
    for (name, want) in desired {
        let d = &want.data;
        let system = want.system.clone();
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
        // A container the last switch stopped because it was gone from the host
        // config, now back in it.
        let readded = !running && auto && last.is_some_and(|g| !g.containers.contains_key(name));
        let (action, why) = match (spec_changed, system_changed, running) {
            _ if readded => (Action::Start, "back in the host config".to_string()),
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
        if cfg.origin != Origin::Declarative {
            continue;
        }
        let info = sup
            .inspect(name)
            .with_context(|| format!("inspecting '{name}'"))?;
        if nest_supervisor::lifecycle::can_stop(info.phase) {
            steps.push(Step {
                name: name.to_string(),
                action: Action::Stop,
                system: None,
                why: "removed from the host config".into(),
            });
        } else if last.is_some_and(|g| g.containers.contains_key(name)) {
            // Said once, in the switch that removes it; later switches leave it out.
            steps.push(Step {
                name: name.to_string(),
                action: Action::Removed,
                system: None,
                why: "removed from the host config; already stopped".into(),
            });
        }
    }
    Ok(steps)
}

/// The bridges' lines come first (created before the containers start) and last
/// (deleted after the removed containers stop), in the order they are carried out.
fn print_plan(steps: &[Step], net: &bridges::Plan, json: bool, out: &Output) {
    let lines = |ops: &[bridges::Op]| ops.iter().map(bridges::Op::line).collect::<Vec<_>>();
    let (before, after) = (lines(&net.before), lines(&net.after));
    if json {
        let mut all: Vec<Value> = Vec::new();
        all.extend(before.iter().filter_map(|l| serde_json::to_value(l).ok()));
        all.extend(steps.iter().filter_map(|s| serde_json::to_value(s).ok()));
        all.extend(after.iter().filter_map(|l| serde_json::to_value(l).ok()));
        out.json(&all);
        return;
    }
    let bridge_line =
        |l: &bridges::Line| format!("{:<10} bridge {}  ({})\n", l.action, l.bridge, l.why);
    let mut text: String = before.iter().map(bridge_line).collect();
    for s in steps {
        let verb = verb(s.action);
        text.push_str(&format!("{verb:<10} {}  ({})\n", s.name, s.why));
    }
    text.extend(after.iter().map(bridge_line));
    out.stdout(&text);
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let store = Arc::new(args.store.open()?);
    // Two switches at once would plan against the same state and interleave their
    // generations; a dry run changes nothing and need not wait.
    let _switch_lock = if args.dry_run {
        None
    } else {
        Some(nest_store::lock::PathLock::exclusive(
            &store.state_dir().join("switch.lock"),
        )?)
    };
    let sup = Supervisor::from_env();
    let host = host_profile(&store);
    let last = current_generation(&store)?;
    // What to switch to: a previous generation, or the evaluated host config.
    let (desired, declared, back_to) = if args.rollback {
        let prev = host.previous().context("nothing to roll back to")?;
        let hg = read_generation(&prev)?;
        (hg.containers, hg.bridges, Some(prev))
    } else {
        let file = args.file.as_deref().context("no host config (-f)")?;
        let write = !args.dry_run;
        let ev = evaluate(&args, file, store.clone(), write)?;
        (resolve(ev.containers)?, ev.host_network.bridges, None)
    };
    let steps = plan(&desired, last.as_ref(), &sup)?;
    let net_state_path = bridges::state_path(store.state_dir());
    let mut net_state = bridges::load_state(&net_state_path)?;
    let net = bridges::plan_on_host(
        &declared,
        desired.iter().map(|(n, d)| (n, &d.data)),
        &net_state,
    )?;
    print_plan(&steps, &net, args.json, out);
    if args.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    match &back_to {
        None => build(&store, &desired, &steps, out)?,
        Some(g) => {
            for (name, d) in &desired {
                if let Some(sys) = d.system.as_deref().filter(|s| !Path::new(s).exists()) {
                    bail!("container '{name}': system '{sys}' of generation {} is gone; nothing was changed", g.number);
                }
            }
        }
    }
    record(&store, &args, &desired, &declared, back_to.as_ref(), out)?;
    let warn = |w: &str| out.warn(w);
    bridges::realise(&net.before, &net_state_path, &mut net_state, &warn)?;
    let applied = apply(&sup, &desired, &steps, out);
    // Also after a failed container: a bridge is deleted only once nothing uses it.
    bridges::realise(&net.after, &net_state_path, &mut net_state, &warn)?;
    applied?;
    Ok(ExitCode::SUCCESS)
}

/// Makes the switch a generation: the host profile (a new generation, or for a
/// rollback the previous one made current again) and every container's profile.
/// Like NixOS's profile update before `switch-to-configuration`, this happens before
/// the containers are touched, so a switch that fails half-way is still the current
/// generation and can be rolled back.
fn record(
    store: &Store,
    args: &Args,
    desired: &BTreeMap<String, Desired>,
    declared: &bridges::DeclaredBridges,
    back_to: Option<&Generation>,
    out: &Output,
) -> anyhow::Result<()> {
    let host = host_profile(store);
    // Identical containers share a system: ask the store once per distinct system.
    let mut checked: BTreeMap<&str, Option<nest_store::StorePath>> = BTreeMap::new();
    for s in desired.values().filter_map(|d| d.system.as_deref()) {
        checked.entry(s).or_insert_with(|| {
            let p = store.parse_path(s).ok()?;
            store.is_valid(&p).ok()?.then_some(p)
        });
    }
    let valid = |s: &str| checked.get(s).cloned().flatten();
    let n = match back_to {
        Some(g) => {
            host.switch_generation(g.number)?;
            g.number
        }
        None => {
            let hg = HostGeneration {
                version: HOST_GENERATION_VERSION,
                host_config: args.file.as_deref().map(|f| {
                    std::fs::canonicalize(f)
                        .unwrap_or_else(|_| f.to_path_buf())
                        .to_string_lossy()
                        .into_owned()
                }),
                containers: desired.clone(),
                bridges: declared.clone(),
            };
            let refs: BTreeSet<_> = desired
                .values()
                .filter_map(|d| d.system.as_deref().and_then(valid))
                .collect();
            let text = serde_json::to_vec(&hg).context("serialising the host generation")?;
            let path = store.add_text("nest-host-generation", &text, &refs)?;
            host.switch(store, &path)?
        }
    };
    for (name, d) in desired {
        let Some(sys) = d.system.as_deref() else {
            continue;
        };
        let Some(p) = valid(sys) else {
            out.warn(&format!("container '{name}': system '{sys}' is not in the store; its profile is not updated"));
            continue;
        };
        let profile = container_profile(store, name);
        // Already there (the common case: a no-op switch, or N unchanged containers
        // when one changed): `switch` would only find that out after listing every
        // profile's generations in the shared directory.
        if back_to.is_none()
            && std::fs::canonicalize(profile.path()).is_ok_and(|t| t == store.real_path(&p))
        {
            continue;
        }
        if back_to.is_some() {
            profile.select(store, &p)?;
        } else {
            profile.switch(store, &p)?;
        }
    }
    out.status(&format!("host generation {n}"));
    Ok(())
}

/// One host generation as `nest generations` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct GenerationInfo {
    number: u64,
    /// Seconds since the epoch.
    created: i64,
    date: String,
    current: bool,
    path: String,
    host_config: Option<String>,
    /// Container name → its system.
    containers: BTreeMap<String, Option<String>>,
    /// The generation's `networking.bridges` (left out when it has none).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    bridges: bridges::DeclaredBridges,
}

pub fn generations(args: GenerationsArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let store = args.store.open()?;
    let mut list = Vec::new();
    for g in host_profile(&store).generations()? {
        let hg = read_generation(&g)?;
        list.push(GenerationInfo {
            number: g.number,
            created: g.created,
            date: utc(g.created),
            current: g.current,
            path: g.path.clone(),
            host_config: hg.host_config,
            containers: hg
                .containers
                .into_iter()
                .map(|(n, d)| (n, d.system))
                .collect(),
            bridges: hg.bridges,
        });
    }
    if args.json {
        out.json(&list);
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::new();
    for g in &list {
        text.push_str(&format!(
            "{:>4}   {}   {} container{}{}\n",
            g.number,
            g.date,
            g.containers.len(),
            if g.containers.len() == 1 { "" } else { "s" },
            if g.current { "   (current)" } else { "" }
        ));
        for (name, sys) in &g.containers {
            text.push_str(&format!(
                "         {name}  {}\n",
                sys.as_deref().unwrap_or("-")
            ));
        }
        for (name, b) in &g.bridges {
            text.push_str(&format!("         bridge {name}{}\n", bridge_details(b)));
        }
    }
    out.stdout(&text);
    Ok(ExitCode::SUCCESS)
}

/// A bridge's addresses and ports for `nest generations`: `  10.0.0.1/24  ports eth1`.
fn bridge_details(b: &bridges::Declared) -> String {
    let mut s = String::new();
    if !b.addresses.is_empty() {
        s.push_str(&format!("  {}", b.addresses.join(" ")));
    }
    if !b.interfaces.is_empty() {
        s.push_str(&format!("  ports {}", b.interfaces.join(" ")));
    }
    s
}

/// Build progress as status lines on stderr.
struct BuildLines<'a> {
    out: &'a Output,
    done: std::sync::atomic::AtomicUsize,
    total: std::sync::atomic::AtomicUsize,
}

impl nest_build::Progress for BuildLines<'_> {
    fn planned(&self, n: usize) {
        self.total.store(n, std::sync::atomic::Ordering::Relaxed);
        if n > 0 {
            self.out.status(&format!("{n} derivations will be built"));
        }
    }
    fn finished(&self, drv: &str, ok: bool) {
        use std::sync::atomic::Ordering::Relaxed;
        let done = if ok {
            self.done.fetch_add(1, Relaxed) + 1
        } else {
            self.done.load(Relaxed)
        };
        let total = self.total.load(Relaxed);
        let what = if ok { "built" } else { "FAILED" };
        self.out.status(&format!("[{done}/{total}] {what} '{drv}'"));
    }
}

/// Builds every planned system that is not in the store yet, in this process from
/// the derivations the evaluation wrote: one build for all of them, so a derivation
/// that several containers share (their common closure) is built once.
fn build(
    store: &Store,
    desired: &BTreeMap<String, Desired>,
    steps: &[Step],
    out: &Output,
) -> anyhow::Result<()> {
    let mut wanted: BTreeMap<nest_store::StorePath, BTreeSet<String>> = BTreeMap::new();
    for s in steps {
        if matches!(s.action, Action::Stop | Action::Unchanged | Action::Removed) {
            continue;
        }
        if s.system.as_deref().is_none_or(|p| Path::new(p).exists()) {
            continue;
        }
        let Some(drv) = desired
            .get(&s.name)
            .and_then(|d| d.data["toplevelDrv"].as_str())
        else {
            continue;
        };
        let drv = store
            .parse_path(drv)
            .with_context(|| format!("container '{}': its system's derivation", s.name))?;
        wanted.entry(drv).or_default().insert("out".to_string());
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let progress = BuildLines {
        out,
        done: Default::default(),
        total: Default::default(),
    };
    let list: Vec<_> = wanted.into_iter().collect();
    nest_build::Builder::new(store, build_config()?)
        .realise(&list, &progress)
        .context("building the container systems failed; nothing was changed")?;
    Ok(())
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

/// How many containers a switch starts, stops or re-activates at once (as many as
/// `nest daemon` starts at once).
const PARALLEL: usize = 16;

/// Carries the plan out: first every stop (a removed container may hold an address or
/// a port a new one needs), then the rest, each phase `PARALLEL` containers at a time.
/// A failed container does not stop the others; every failure is reported, with its
/// container's name, at the end.
fn apply(
    sup: &Supervisor,
    desired: &BTreeMap<String, Desired>,
    steps: &[Step],
    out: &Output,
) -> anyhow::Result<()> {
    let (stops, rest): (Vec<&Step>, Vec<&Step>) = steps
        .iter()
        .filter(|s| !matches!(s.action, Action::Unchanged | Action::Removed))
        .partition(|s| s.action == Action::Stop);
    let total = stops.len() + rest.len();
    if total == 0 {
        return Ok(());
    }
    let progress = out.progress(total as u64);
    let mut failed = Vec::new();
    for phase in [stops, rest] {
        for (s, r) in phase.iter().zip(in_pool(&phase, PARALLEL, |s| {
            let r = apply_one(sup, desired, s);
            match &r {
                Ok(line) => progress.step(line, false),
                // The error itself is printed with the others at the end.
                Err(_) => progress.step(&format!("{} failed", s.name), true),
            }
            r
        })) {
            if let Err(e) = r {
                failed.push((s.name.as_str(), e));
            }
        }
    }
    progress.finish();
    if failed.is_empty() {
        return Ok(());
    }
    for (_, e) in &failed {
        out.error(e);
    }
    let names: Vec<&str> = failed.iter().map(|(n, _)| *n).collect();
    bail!(
        "{} of {total} containers failed: {}",
        failed.len(),
        names.join(", ")
    )
}

/// `f` over `items` on at most `n` threads; the results in the items' order.
fn in_pool<T: Sync, R: Send>(items: &[T], n: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<Option<R>>> =
        std::sync::Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..n.clamp(1, items.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                // A worker that panicked poisons the lock; the others' results still count.
                let mut all = results.lock().unwrap_or_else(|p| p.into_inner());
                all[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

/// One step of the plan; returns the line that says what was done.
fn apply_one(
    sup: &Supervisor,
    desired: &BTreeMap<String, Desired>,
    s: &Step,
) -> anyhow::Result<String> {
    let timeout = std::time::Duration::from_secs(60);
    let name = s.name.as_str();
    let sys = s.system.as_deref();
    let ctx = || format!("container '{name}': {}", verb(s.action));
    match s.action {
        Action::Unchanged | Action::Removed => Ok(format!("{name}: unchanged")),
        Action::Stop => {
            let r = sup.stop(name, None).with_context(ctx)?;
            Ok(match r {
                nest_supervisor::ops::StopOutcome::Killed => {
                    format!("stopped {name} (killed after its stop timeout)")
                }
                _ => format!("stopped {name}"),
            })
        }
        Action::Create | Action::Start | Action::Update | Action::Restart => {
            let d = desired
                .get(name)
                .context("a planned container is missing")
                .with_context(ctx)?;
            save_config(sup, name, &d.data, sys).with_context(ctx)?;
            match s.action {
                Action::Start => {
                    sup.start(name, timeout).with_context(ctx)?;
                    Ok(format!("started {name}"))
                }
                Action::Restart => {
                    sup.restart(name, timeout).with_context(ctx)?;
                    Ok(format!("restarted {name}"))
                }
                Action::Create => Ok(format!("created {name}")),
                _ => Ok(format!("updated {name} (used at its next start)")),
            }
        }
        Action::Reactivate => {
            let system = sys
                .map(PathBuf::from)
                .context("no system to activate")
                .with_context(ctx)?;
            let r = sup
                .update(name, Some(&system), None, None)
                .with_context(ctx)?;
            Ok(match r {
                nest_supervisor::ops::UpdateOutcome::Activated(a) => {
                    let mut line = format!("re-activated {name} in place");
                    for (what, list) in [
                        ("started", &a.started),
                        ("stopped", &a.stopped),
                        ("restarted", &a.restarted),
                        ("changed, not restarted", &a.changed_not_restarted),
                    ] {
                        if !list.is_empty() {
                            line.push_str(&format!("; {what}: {}", list.join(" ")));
                        }
                    }
                    line
                }
                nest_supervisor::ops::UpdateOutcome::Restarted => {
                    format!("restarted {name} (its new system is not visible inside)")
                }
                nest_supervisor::ops::UpdateOutcome::Saved => {
                    format!("updated {name} (not running: used at its next start)")
                }
            })
        }
    }
}

/// An action as the plan prints it (`start`, `reactivate`, …).
fn verb(a: Action) -> String {
    serde_json::to_value(a)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
