//! `nest options [FILE] [--json] [QUERY]`: the options of nest's host modules (and
//! the modules a host config imports), as a list or in the shape of NixOS's
//! options.json. Also where the CLI finds nest's Nix files.

use crate::output::Output;
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A host config whose modules (imports, option declarations) are included;
    /// default: nest's host modules alone. A lone argument that is not a file is
    /// taken as QUERY.
    pub file: Option<PathBuf>,
    /// Only options whose name contains this text (case-insensitive).
    pub query: Option<String>,
    /// Print JSON in the shape of NixOS's options.json.
    #[arg(long)]
    pub json: bool,
    /// Where nest's Nix files (`lib/`, `modules/`) are.
    #[arg(long = "nix-dir", value_name = "DIR", env = "NEST_NIX_DIR")]
    pub nix_dir: Option<PathBuf>,
}

/// nest's Nix files: `--nix-dir`/`NEST_NIX_DIR`, else `share/nest/nix` next to the
/// binary's prefix, else the source tree it was built from.
pub fn nix_dir(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(d) = given {
        return Ok(d.to_path_buf());
    }
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(prefix) = exe.parent().and_then(Path::parent) {
            candidates.push(prefix.join("share/nest/nix"));
        }
    }
    candidates.push(PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../nix"
    )));
    for c in &candidates {
        if c.join("modules/eval-host.nix").is_file() {
            return Ok(c.canonicalize().unwrap_or_else(|_| c.clone()));
        }
    }
    bail!(
        "nest's Nix files not found (looked in {}); set NEST_NIX_DIR",
        candidates
            .iter()
            .map(|c| c.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A Nix string literal for a path (quotes and `${` escaped).
pub fn nix_string(p: &Path) -> String {
    let s = p.to_string_lossy();
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace("${", "\\${")
    )
}

/// A Nix path expression for an absolute file.
pub fn nix_path(p: &Path) -> String {
    format!("(/. + {})", nix_string(p))
}

/// `configuration = …;` for eval-host.nix: the host file as a path, or `{ }`.
pub fn configuration_arg(file: Option<&Path>) -> anyhow::Result<String> {
    Ok(match file {
        None => "{ }".to_string(),
        Some(f) => {
            let abs =
                std::fs::canonicalize(f).with_context(|| format!("reading '{}'", f.display()))?;
            nix_path(&abs)
        }
    })
}

/// Evaluates `expr` (strictly) with nest's evaluator and returns it as JSON.
pub fn eval_json(expr: String) -> anyhow::Result<serde_json::Value> {
    const STACK: usize = 1 << 30;
    let opts = nest_eval::EvalOptions {
        store_dir: std::env::var("NIX_STORE_DIR").unwrap_or_else(|_| "/nix/store".to_string()),
        stack_size: STACK,
        ..nest_eval::EvalOptions::default()
    };
    let text = nest_eval::with_eval_thread(STACK, move || {
        let mut ev = nest_eval::Eval::new(Box::new(nest_eval::StdIo), opts);
        let r = ev
            .compile(&expr, nest_eval::source::Origin::String, "/")
            .and_then(|e| ev.eval_root(e))
            .and_then(|v| nest_eval::render(&mut ev, &v, true, nest_eval::OutputFormat::Json));
        r.map_err(|e| e.render(false))
    })
    .context("evaluation thread")?;
    let text = text.map_err(anyhow::Error::msg)?;
    serde_json::from_str(&text).context("the evaluator printed invalid JSON")
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let dir = nix_dir(args.nix_dir.as_deref())?;
    // `nest options QUERY`: a lone argument that is no file is the query.
    let (file, query) = match (args.file, args.query) {
        (Some(f), None) if !f.exists() => (None, Some(f.to_string_lossy().into_owned())),
        (f, q) => (f, q),
    };
    let expr = format!(
        "let r = import {} {{ configuration = {}; }}; in r.lib.optionsJSON r.options",
        nix_path(&dir.join("modules/eval-host.nix")),
        configuration_arg(file.as_deref())?
    );
    let all = eval_json(expr)?;
    let serde_json::Value::Object(all) = all else {
        bail!("options.json is not an object")
    };
    let q = query.as_deref().map(str::to_lowercase);
    let selected: serde_json::Map<String, serde_json::Value> = all
        .into_iter()
        .filter(|(k, _)| q.as_ref().is_none_or(|q| k.to_lowercase().contains(q)))
        .collect();
    if args.json {
        out.json(&selected);
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::new();
    for (name, o) in &selected {
        text.push_str(&out.paint_stdout("1", name));
        text.push('\n');
        let field = |k: &str| o.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        text.push_str(&format!("    type: {}\n", field("type")));
        if let Some(d) = o.get("default") {
            text.push_str(&format!("    default: {}\n", literal(d)));
        }
        let desc = field("description");
        if !desc.is_empty() {
            text.push_str(&format!("    {}\n", desc.trim().replace('\n', "\n    ")));
        }
    }
    out.stdout(&text);
    Ok(ExitCode::SUCCESS)
}

/// `literalExpression` defaults show their text; others their JSON.
fn literal(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) if m.get("_type").and_then(|t| t.as_str()).is_some() => m
            .get("text")
            .and_then(|t| t.as_str())
            .unwrap_or("")
            .to_string(),
        other => other.to_string(),
    }
}
