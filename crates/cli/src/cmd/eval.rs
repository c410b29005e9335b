//! `nest eval` and the `nix-instantiate` compatibility entry point: argument handling
//! only; evaluation lives in `nest-eval`.

use crate::output::Output;
use nest_eval::{EvalOptions, OutputFormat};
use std::ffi::OsString;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The file to evaluate (default: ./default.nix).
    pub file: Option<std::path::PathBuf>,
    /// Evaluate this expression instead of a file; may be repeated (each result is
    /// printed in turn).
    // Taken even when it starts with `-`, so that `-E -1` gets nix-instantiate's answer
    // (its `-E` takes no value: the word is a flag it does not know) instead of clap's.
    #[arg(
        short = 'E',
        long = "expr",
        value_name = "EXPR",
        allow_hyphen_values = true
    )]
    pub expr: Vec<String>,
    /// Select an attribute of the result (`a.b.0.c`); may be repeated.
    #[arg(short = 'A', long = "attr", value_name = "ATTRPATH")]
    pub attr: Vec<String>,
    /// Pass NAME = EXPR to a top-level function.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
    pub arg: Vec<String>,
    /// Pass NAME = "STR" to a top-level function.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STR"])]
    pub argstr: Vec<String>,
    /// Evaluate the result completely instead of only to its outermost constructor.
    #[arg(long)]
    pub strict: bool,
    /// Print the result as JSON.
    #[arg(long, conflicts_with = "xml")]
    pub json: bool,
    /// Print the result as XML.
    #[arg(long)]
    pub xml: bool,
    /// Add a search path entry (`PATH` or `PREFIX=PATH`) for `<...>` lookups.
    #[arg(short = 'I', long = "include", value_name = "PATH")]
    pub include: Vec<String>,
    /// Show the full evaluation trace on errors.
    #[arg(long)]
    pub show_trace: bool,
    /// Profile the evaluation: `flamegraph` writes the time spent in each Nix call path
    /// as folded stacks (for flamegraph.pl, inferno or speedscope) to the profile file.
    #[arg(long = "eval-profiler", value_name = "KIND", value_parser = ["flamegraph", "disabled"])]
    pub eval_profiler: Option<String>,
    /// Where `--eval-profiler flamegraph` writes its profile (replaced atomically).
    #[arg(
        long = "eval-profile-file",
        value_name = "FILE",
        default_value = "nest.profile"
    )]
    pub eval_profile_file: std::path::PathBuf,
}

#[derive(clap::Args)]
pub struct NixInstantiateArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<OsString>,
}

/// Everything an evaluation needs, independent of how the flags were spelled.
#[derive(Default, Clone)]
struct Request {
    /// Files, or expressions when `exprs_are_text`.
    inputs: Vec<String>,
    exprs_are_text: bool,
    attrs: Vec<String>,
    args: Vec<(String, ArgValue)>,
    strict: bool,
    format: OutputFormat,
    include: Vec<String>,
    show_trace: bool,
    /// Where to write the `--eval-profiler flamegraph` profile, if asked for.
    profile: Option<std::path::PathBuf>,
}

#[derive(Clone)]
enum ArgValue {
    Expr(String),
    Str(String),
}

const STACK_SIZE: usize = 1 << 30;

pub(crate) fn parse_search_entry(s: &str) -> (String, String) {
    match s.split_once('=') {
        Some((p, path)) => (p.to_string(), path.to_string()),
        None => (String::new(), s.to_string()),
    }
}

/// The search path as written (`builtins.nixPath` shows it so); the evaluator takes
/// relative entries relative to the working directory.
fn search_path(include: &[String]) -> Vec<(String, String)> {
    let mut sp: Vec<(String, String)> = include.iter().map(|s| parse_search_entry(s)).collect();
    if let Ok(np) = std::env::var("NIX_PATH") {
        for e in np.split(':').filter(|e| !e.is_empty()) {
            sp.push(parse_search_entry(e));
        }
    }
    sp
}

/// Runs the evaluation on a big-stack thread; returns (stdout bytes, error bytes: the
/// message's own, as Nix writes a Nix string quoted in it).
fn evaluate(req: Request) -> (Vec<u8>, Option<Vec<u8>>) {
    let opts = EvalOptions {
        search_path: search_path(&req.include),
        working_dir: std::env::current_dir()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default(),
        store_dir: std::env::var("NIX_STORE_DIR").unwrap_or_else(|_| "/nix/store".to_string()),
        stack_size: STACK_SIZE,
        show_trace: req.show_trace,
        eager_args: req.strict,
        ..EvalOptions::default()
    };
    let cwd = std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".to_string());
    // The process ends right after (`finish`): the evaluator and its thread are left
    // as they are rather than freed value by value.
    let res = nest_eval::on_eval_thread_then_exit(STACK_SIZE, move || {
        let show_trace = req.show_trace;
        let mut ev = nest_eval::Eval::new(Box::new(nest_eval::StdIo), opts);
        if req.profile.is_some() {
            ev.profiler = Some(Box::default());
        }
        let mut out = Vec::new();
        let mut error = run_request(&mut ev, &req, &cwd, &mut out)
            .err()
            .map(|e| e.render_bytes(show_trace));
        // The profile of an evaluation that failed is written too: it shows the way
        // to the failure.
        if let (Some(path), Some(mut p)) = (&req.profile, ev.profiler.take()) {
            if let Err(e) = write_profile(path, &mut p) {
                let msg = format!("error: writing the profile to {}: {e}", path.display());
                error = Some(match error {
                    Some(mut first) => {
                        first.push(b'\n');
                        first.extend_from_slice(msg.as_bytes());
                        first
                    }
                    None => msg.into_bytes(),
                });
            }
        }
        std::mem::forget(ev);
        (out, error)
    });
    match res {
        Ok(r) => r,
        Err(e) => (Vec::new(), Some(format!("error: {e}").into_bytes())),
    }
}

/// Writes a profile as folded stacks, atomically (a reader sees the old file or the
/// whole new one).
fn write_profile(
    path: &std::path::Path,
    p: &mut nest_eval::profile::Profiler,
) -> Result<(), String> {
    let mut text = Vec::new();
    p.write_folded(&mut text).map_err(|e| e.to_string())?;
    nest_supervisor::files::write_atomic(path, &text).map_err(|e| e.to_string())
}

fn run_request(
    ev: &mut nest_eval::Eval,
    req: &Request,
    cwd: &str,
    out: &mut Vec<u8>,
) -> nest_eval::EResult<()> {
    use nest_eval::source::{Origin, Pos};
    use nest_eval::value::{Attr, Attrs, Value};
    let mut auto_args = Vec::new();
    for (name, v) in &req.args {
        let value = match v {
            ArgValue::Str(s) => Value::string(s.clone()),
            // Lazy like Nix's: an argument the function does not use is never evaluated.
            ArgValue::Expr(text) => {
                let e = ev.compile(text, Origin::String, cwd)?;
                nest_eval::value::Thunk::expr(e, nest_eval::value::Env::new(None, 0))
            }
        };
        auto_args.push(Attr::new(
            nest_eval::symbol::Sym::new(name),
            value,
            Pos::NONE,
        ));
    }
    let auto_args = Attrs::from_unsorted(auto_args);
    let inputs: Vec<String> = if req.inputs.is_empty() {
        vec![if req.exprs_are_text {
            String::new()
        } else {
            "./default.nix".to_string()
        }]
    } else {
        req.inputs.clone()
    };
    for input in &inputs {
        let root = if req.exprs_are_text {
            let e = ev.compile(input, Origin::String, cwd)?;
            ev.eval_root(e)?
        } else {
            let abs = if input.starts_with('/') {
                input.clone()
            } else {
                format!("{cwd}/{input}")
            };
            let abs = nest_eval::eval::canon_path(&abs);
            nest_eval::builtins::io::import_file(ev, &abs, Pos::NONE)?
        };
        let attrs = if req.attrs.is_empty() {
            vec![String::new()]
        } else {
            req.attrs.clone()
        };
        for path in &attrs {
            let mut v = root.clone();
            for comp in split_attr_path(path) {
                v = auto_call(ev, &v, &auto_args, true)?;
                v = select_component(ev, &v, &comp, path)?;
            }
            v = auto_call(ev, &v, &auto_args, false)?;
            let r = nest_eval::render_into(ev, &v, req.strict, req.format, out);
            // nix-instantiate 2.8 ends JSON output without a newline; a partial XML
            // document (an error while printing) ends with one, like a whole one.
            if req.format == OutputFormat::Xml || (r.is_ok() && req.format != OutputFormat::Json) {
                out.push(b'\n');
            }
            r?;
        }
    }
    Ok(())
}

/// Splits `a."b.c".0` into components, honouring double quotes.
fn split_attr_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().filter(|c| !c.is_empty()).collect()
}

fn select_component(
    ev: &mut nest_eval::Eval,
    v: &nest_eval::Value,
    comp: &str,
    path: &str,
) -> nest_eval::EResult<nest_eval::Value> {
    use nest_eval::source::Pos;
    use nest_eval::Value;
    let v = ev.force(v)?;
    if let Ok(i) = comp.parse::<usize>() {
        if let Value::List(l) = &v {
            return match l.get(i) {
                Some(x) => ev.force(x),
                None => nest_eval::error::err(
                    format!("list index {i} in selection path '{path}' is out of range"),
                    Pos::NONE,
                ),
            };
        }
    }
    match &v {
        Value::Attrs(a) => match a.get(nest_eval::symbol::Sym::new(comp)) {
            Some(x) => {
                let x = x.clone();
                ev.force(&x)
            }
            None => nest_eval::error::err(
                format!("attribute '{comp}' in selection path '{path}' not found"),
                Pos::NONE,
            ),
        },
        other => nest_eval::error::err(
            format!(
                "the expression selected by the selection path '{path}' should be a set but is {}",
                other.type_phrase()
            ),
            Pos::NONE,
        ),
    }
}

/// nix-instantiate calls a top-level function that takes a set of arguments, using
/// `--arg`/`--argstr` values and the function's defaults.
fn auto_call(
    ev: &mut nest_eval::Eval,
    v: &nest_eval::Value,
    args: &nest_eval::value::Attrs,
    always: bool,
) -> nest_eval::EResult<nest_eval::Value> {
    use nest_eval::source::Pos;
    use nest_eval::value::{Attr, Attrs, Value};
    let f = ev.force(v)?;
    let Value::Lambda(c) = &f else { return Ok(f) };
    let Some(formals) = &c.lambda.formals else {
        return Ok(f);
    };
    let missing = |name: nest_eval::symbol::Sym, pos| {
        nest_eval::error::err::<Value>(
            format!(
                "cannot evaluate a function that has an argument without a value ('{name}')\n\n\
                 Nix attempted to evaluate a function as a top level expression; in\n\
                 this case it must have its arguments supplied either by default\n\
                 values, or passed explicitly with '--arg' or '--argstr'. See\n\
                 https://nixos.org/manual/nix/stable/#ss-functions."
            ),
            pos,
        )
    };
    if args.is_empty() && !always {
        // nix-instantiate 2.8 calls the final value only when --arg/--argstr were given
        // (values along an -A path are always called).
        return Ok(f);
    }
    let mut pass = Vec::new();
    if formals.ellipsis {
        pass = args.entries().to_vec();
    } else {
        for fm in formals.entries.iter() {
            if let Some(a) = args.get_attr(fm.name) {
                pass.push(a.clone());
            } else if fm.default.is_none() {
                return missing(fm.name, fm.pos);
            }
        }
    }
    for fm in formals.entries.iter() {
        if fm.default.is_none() && args.get(fm.name).is_none() {
            return missing(fm.name, fm.pos);
        }
    }
    let arg = Value::attrs(Attrs::from_unsorted(
        pass.into_iter().map(|a: Attr| a).collect(),
    ));
    ev.call(&f, arg, Pos::NONE)
}

fn finish(req: Request, out: &Output) -> ExitCode {
    let (stdout, error) = evaluate(req);
    if !stdout.is_empty() {
        out.stdout_bytes(&stdout);
    }
    let code = match error {
        None => crate::exit::OK,
        Some(e) => {
            out.error_bytes(&e);
            crate::exit::FAILURE
        }
    };
    // Everything is written (`Output` flushes stdout; stderr is unbuffered), and an
    // evaluation leaves nothing to clean up: end here rather than through `exit`, whose
    // handlers include mimalloc's final collection, which walks every page the
    // evaluation thread left behind (2% of the CPU time of bench/eval derivations).
    nest_sys::process::exit_now(i32::from(code))
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let mut req = Request {
        attrs: args.attr,
        strict: args.strict,
        format: if args.json {
            OutputFormat::Json
        } else if args.xml {
            OutputFormat::Xml
        } else {
            OutputFormat::Nix
        },
        include: args.include,
        show_trace: args.show_trace,
        profile: (args.eval_profiler.as_deref() == Some("flamegraph"))
            .then_some(args.eval_profile_file),
        ..Request::default()
    };
    for pair in args.arg.chunks(2) {
        if let [n, e] = pair {
            req.args.push((n.clone(), ArgValue::Expr(e.clone())));
        }
    }
    for pair in args.argstr.chunks(2) {
        if let [n, s] = pair {
            req.args.push((n.clone(), ArgValue::Str(s.clone())));
        }
    }
    if !args.expr.is_empty() {
        for e in args.expr {
            if e.starts_with('-') && e != "-" {
                return Ok(usage_error(out, format!("unrecognised flag '{e}'")));
            }
            req.exprs_are_text = true;
            req.inputs.push(e);
        }
    } else if let Some(f) = args.file {
        req.inputs.push(f.to_string_lossy().into_owned());
    }
    Ok(finish(req, out))
}

pub fn run_nix_instantiate(args: NixInstantiateArgs, out: &Output) -> anyhow::Result<ExitCode> {
    Ok(nix_instantiate(args.args.into_iter(), out))
}

pub fn nix_instantiate_from_argv(args: impl Iterator<Item = OsString>) -> ExitCode {
    let out = Output::from_env();
    nix_instantiate(args, &out)
}

fn usage_error(out: &Output, msg: String) -> ExitCode {
    out.error(&anyhow::anyhow!(
        "error: {msg}\nTry 'nix-instantiate --help' for more information."
    ));
    ExitCode::from(crate::exit::FAILURE)
}

/// Parses `nix-instantiate`'s own flag syntax by hand, like Nix does.
fn nix_instantiate(args: impl Iterator<Item = OsString>, out: &Output) -> ExitCode {
    let args: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    let mut req = Request::default();
    let mut eval_mode = false;
    let mut i = 0;
    let next = |i: &mut usize, flag: &str| -> Result<String, String> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| format!("flag '{flag}' requires an argument"))
    };
    while i < args.len() {
        let a = args[i].clone();
        let r: Result<(), String> = (|| {
            match a.as_str() {
                "--eval" | "--eval-only" => eval_mode = true,
                "--strict" => req.strict = true,
                "--json" => req.format = OutputFormat::Json,
                "--xml" => req.format = OutputFormat::Xml,
                "--show-trace" => req.show_trace = true,
                "--read-write-mode" | "--readonly-mode" | "--parse" => {}
                "-E" | "--expr" => req.exprs_are_text = true,
                "--timeout" | "--max-jobs" | "-j" | "--cores" => {
                    next(&mut i, &a)?;
                }
                "--option" => {
                    next(&mut i, &a)?;
                    next(&mut i, &a)?;
                }
                "-A" | "--attr" => req.attrs.push(next(&mut i, &a)?),
                "-I" | "--include" => req.include.push(next(&mut i, &a)?),
                "--arg" => {
                    let n = next(&mut i, &a)?;
                    let e = next(&mut i, &a)?;
                    req.args.push((n, ArgValue::Expr(e)));
                }
                "--argstr" => {
                    let n = next(&mut i, &a)?;
                    let s = next(&mut i, &a)?;
                    req.args.push((n, ArgValue::Str(s)));
                }
                s if s.starts_with("-I") && s.len() > 2 => req.include.push(s[2..].to_string()),
                s if s.starts_with('-') && s != "-" => {
                    return Err(format!("unrecognised flag '{s}'"))
                }
                s => req.inputs.push(s.to_string()),
            }
            Ok(())
        })();
        if let Err(msg) = r {
            return usage_error(out, msg);
        }
        i += 1;
    }
    if !eval_mode {
        return usage_error(
            out,
            "nest's nix-instantiate only supports --eval (instantiating derivations is not available)".into(),
        );
    }
    finish(req, out)
}

// The evaluator allocates many small, short-lived objects (thunks, frames); mimalloc
// is markedly faster than glibc malloc for that. Binary-wide, declared here because
// evaluation is its reason. The `system-alloc` feature leaves the system allocator in
// place, for heap profilers that only see malloc (valgrind's dhat and massif).
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: nest_sys::alloc::MiMalloc = nest_sys::alloc::MiMalloc;
