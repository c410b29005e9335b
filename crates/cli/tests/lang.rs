//! The Nix language suite: runs every case under `tests/lang/` through `nest eval` and
//! re-checks the checked-in expectations against the real `nix-instantiate`.
//!
//! # Layout
//! - `tests/lang/eval-okay-<topic>-<what>.nix` with `<case>.exp`: the exact stdout of
//!   `nix-instantiate --eval --strict <case>.nix` (Nix 2.8), trailing newline included.
//!   An optional `<case>.trace.exp` holds the exact stderr (e.g. `trace:` lines); when
//!   it exists, stderr must match it too.
//! - `tests/lang/eval-fail-<topic>-<what>.nix` with `<case>.err.exp`: nix-instantiate's
//!   stderr for a case that must fail.
//! - `<case>.flags` (optional, both kinds): one line of extra arguments, split like a
//!   shell would (whitespace, `'…'`, `"…"` with `\"` and `\\`), passed to both
//!   programs, e.g. `--json`, `-A foo.bar`, `--arg x "{ a = 1; }"`, `-I name=tests/lang/lib`.
//!   The token `--no-strict` is the harness's own: it drops `--strict` (for lazy
//!   printing with `<CODE>`) and is passed to neither program.
//! - `<case>.env` (optional): `NAME=VALUE` lines added to both programs' environment,
//!   e.g. `NIX_PATH=langlib=tests/lang/lib` (the harness sets `NIX_PATH` empty otherwise).
//! - `tests/lang/lib/` and `tests/lang/data/`: files that cases import or read.
//! - `tests/lang/notyetpassing/`: cases nest is known to fail. They are run too, and
//!   the suite fails if one of them now passes (move it up to `tests/lang/`).
//!   `notyetpassing/lib` and `notyetpassing/data` are symlinks to `../lib` and
//!   `../data`, so `./lib/…` means the same file from both places.
//!   `tests/lang/tools/triage.sh` moves cases between the two directories (it runs this
//!   test with `NEST_LANG_TRIAGE=<file>`, which makes it write one verdict per case).
//! - `tests/lang/tools/mkexp.sh`: (re)writes the expectations of given cases with
//!   nix-instantiate, in the same environment and with the same normalisation.
//!
//! # How a case runs
//! Both programs run with the repository root as working directory and the case's
//! path relative to it (`nest eval --strict [flags] tests/lang/….nix`, and
//! `nix-instantiate --eval --strict [flags] tests/lang/….nix`), with a cleared and fixed
//! environment (see [`TestEnv`]): `NIX_STORE_DIR=/nix/store`, `NIX_PATH` empty,
//! `HOME=/homeless-shelter` (never created, so `~/x` and `getEnv "HOME"` are
//! deterministic), `NEST_LANG_TEST_VAR` for `getEnv` cases, Nix's state, config and
//! cache directories and store root (`NIX_REMOTE=local?root=…`) in a temp dir.
//!
//! # Normalisation
//! Before comparing, stdout and stderr of both programs are normalised: the absolute
//! path of `tests/lang/notyetpassing` becomes that of `tests/lang`, then the absolute
//! repository root followed by `/` is removed, so paths read `tests/lang/…` wherever the
//! checkout lives and whichever of the two directories holds the case. (Cases avoid
//! values whose *length or hash* would depend on those paths.)
//!
//! # Matching rules for `nest`
//! - okay case: exit status 0 and stdout byte-identical to `.exp`; stderr identical to
//!   `.trace.exp` when that file exists, otherwise stderr is not checked.
//! - fail case: exit status 1 and
//!   - the *message* must be identical: the first line starting with `error:` plus the
//!     indented, non-empty lines right after it (multi-line `throw` messages), compared
//!     with the same block of `.err.exp`;
//!   - when `.err.exp` has a location line (`at FILE:LINE:COL:`), the first location
//!     line of stderr must be identical to it (leading whitespace ignored);
//!   - source excerpts with carets, hints such as `(use '--show-trace' …)` and traces
//!     need not match.
//! - Every program run has a timeout; a hang counts as a failure, the child is killed
//!   by its pid.
//!
//! # The oracle re-check
//! `expectations_match_nix_instantiate` runs `nix-instantiate` (or the program named
//! by `NEST_NIX_INSTANTIATE`) on every case and requires its normalised output to equal
//! the checked-in files *exactly* (stdout, whole stderr, exit status), so expectations
//! cannot drift. Without nix-instantiate it skips with a note, unless `CI` is set, in
//! which case it fails.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MIN_CASES: usize = 400;
const MIN_FAIL_CASES: usize = 60;
const NEST_TIMEOUT: Duration = Duration::from_secs(30);
const NIX_TIMEOUT: Duration = Duration::from_secs(60);
const THREADS: usize = 4;
const OUTPUT_CAP: u64 = 8 << 20;

/// Which directory a case lives in, which decides what "success" means for it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Set {
    /// `tests/lang/`: nest must pass it.
    Passing,
    /// `tests/lang/notyetpassing/`: nest must still fail it.
    NotYetPassing,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Okay,
    Fail,
}

#[derive(Clone, Debug)]
struct Case {
    /// `eval-okay-…` / `eval-fail-…`, without extension.
    name: String,
    set: Set,
    kind: Kind,
    /// The `.nix` file, relative to the repository root.
    rel_path: PathBuf,
    /// Absolute path without extension, to find the sidecar files.
    base: PathBuf,
}

impl Case {
    fn sidecar(&self, ext: &str) -> PathBuf {
        let mut s = self.base.clone().into_os_string();
        s.push(ext);
        PathBuf::from(s)
    }

    fn display(&self) -> String {
        match self.set {
            Set::Passing => self.name.clone(),
            Set::NotYetPassing => format!("notyetpassing/{}", self.name),
        }
    }
}

/// What a case expects, read from its sidecar files.
struct Expected {
    strict: bool,
    flags: Vec<String>,
    /// Extra environment variables from `<case>.env`.
    env: Vec<(String, String)>,
    stdout: Option<Vec<u8>>,
    trace: Option<Vec<u8>>,
    stderr: Option<Vec<u8>>,
}

fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("../..");
    root.canonicalize().unwrap_or(root)
}

fn lang_dir() -> PathBuf {
    repo_root().join("tests/lang")
}

/// Every case in `tests/lang/` and `tests/lang/notyetpassing/`, sorted by name.
fn discover() -> Result<Vec<Case>, String> {
    let root = repo_root();
    let mut cases = Vec::new();
    for (dir, set) in [
        (lang_dir(), Set::Passing),
        (lang_dir().join("notyetpassing"), Set::NotYetPassing),
    ] {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && set == Set::NotYetPassing => {
                continue
            }
            Err(e) => return Err(format!("reading {}: {e}", dir.display())),
        };
        for entry in entries {
            let entry = entry.map_err(|e| format!("reading {}: {e}", dir.display()))?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let Some(name) = file_name.strip_suffix(".nix") else {
                continue;
            };
            let kind = if name.starts_with("eval-okay-") {
                Kind::Okay
            } else if name.starts_with("eval-fail-") {
                Kind::Fail
            } else {
                continue;
            };
            let abs = entry.path();
            let rel_path = abs
                .strip_prefix(&root)
                .map(Path::to_path_buf)
                .unwrap_or(abs.clone());
            cases.push(Case {
                name: name.to_string(),
                set,
                kind,
                rel_path,
                base: dir.join(name),
            });
        }
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name).then((a.set as u8).cmp(&(b.set as u8))));
    Ok(cases)
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("reading {}: {e}", path.display())),
    }
}

fn load_expected(case: &Case) -> Result<Expected, String> {
    let flags_text = read_optional(&case.sidecar(".flags"))?;
    let mut flags = match flags_text {
        Some(t) => split_flags(&String::from_utf8_lossy(&t))
            .map_err(|e| format!("{}.flags: {e}", case.name))?,
        None => Vec::new(),
    };
    let strict = !flags.iter().any(|f| f == "--no-strict");
    flags.retain(|f| f != "--no-strict");
    let mut env = Vec::new();
    if let Some(text) = read_optional(&case.sidecar(".env"))? {
        for line in String::from_utf8_lossy(&text)
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            match line.split_once('=') {
                Some((k, v)) if !k.is_empty() => env.push((k.to_string(), v.to_string())),
                _ => return Err(format!("{}.env: not NAME=VALUE: {line:?}", case.name)),
            }
        }
    }
    let stdout = read_optional(&case.sidecar(".exp"))?;
    let trace = read_optional(&case.sidecar(".trace.exp"))?;
    let stderr = read_optional(&case.sidecar(".err.exp"))?;
    match case.kind {
        Kind::Okay if stdout.is_none() => return Err(format!("{}: missing .exp file", case.name)),
        Kind::Fail if stderr.is_none() => {
            return Err(format!("{}: missing .err.exp file", case.name))
        }
        _ => {}
    }
    Ok(Expected {
        strict,
        flags,
        env,
        stdout,
        trace,
        stderr,
    })
}

/// Splits a `.flags` line like a POSIX shell would, without expansions.
fn split_flags(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.trim_end_matches(['\n', '\r']).chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => cur.push(ch),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => cur.push(ch),
                            Some(ch) => {
                                cur.push('\\');
                                cur.push(ch);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(ch) => cur.push(ch),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(ch) = chars.next() {
                    cur.push(ch);
                }
            }
            ch => {
                in_word = true;
                cur.push(ch);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// The fixed environment both programs run in; its temp dir lives as long as it does.
/// Each worker thread has its own, so runs never share Nix's store database: concurrent
/// writers make Nix warn "SQLite database … is busy" on stderr, and concurrent first
/// uses race on creating the store root.
struct TestEnv {
    dir: tempfile::TempDir,
}

impl TestEnv {
    fn new() -> TestEnv {
        let dir = match tempfile::Builder::new().prefix("nest-lang-").tempdir() {
            Ok(d) => d,
            Err(e) => panic!("cannot create a temp dir for the language suite: {e}"),
        };
        for sub in ["conf", "state", "log", "config", "cache", "data", "root"] {
            if let Err(e) = std::fs::create_dir_all(dir.path().join(sub)) {
                panic!("cannot create {sub} in {}: {e}", dir.path().display());
            }
        }
        TestEnv { dir }
    }

    fn vars(&self) -> Vec<(&'static str, OsString)> {
        let t = self.dir.path();
        let p = |s: &str| t.join(s).into_os_string();
        let mut root = OsString::from("local?root=");
        root.push(t.join("root"));
        vec![
            (
                "PATH",
                std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
            ),
            ("HOME", "/homeless-shelter".into()),
            ("NIX_STORE_DIR", "/nix/store".into()),
            ("NIX_PATH", "".into()),
            ("NIX_REMOTE", root),
            ("NIX_STATE_DIR", p("state")),
            ("NIX_LOG_DIR", p("log")),
            ("NIX_CONF_DIR", p("conf")),
            ("XDG_CONFIG_HOME", p("config")),
            ("XDG_CACHE_HOME", p("cache")),
            ("XDG_DATA_HOME", p("data")),
            ("TMPDIR", t.as_os_str().to_owned()),
            ("NO_COLOR", "1".into()),
            ("TZ", "UTC".into()),
            ("LC_ALL", "C".into()),
            ("NEST_LANG_TEST_VAR", "hello from the harness".into()),
        ]
    }
}

struct Outcome {
    /// `None` when killed by a signal or by the timeout.
    code: Option<i32>,
    timed_out: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Reads a child's pipe to its end, keeping at most [`OUTPUT_CAP`] bytes: a runaway
/// printer must neither exhaust memory nor block on a full pipe.
fn read_capped(pipe: Option<&mut impl Read>) -> Vec<u8> {
    let mut buf = Vec::new();
    if let Some(p) = pipe {
        let _ = p.by_ref().take(OUTPUT_CAP).read_to_end(&mut buf);
        let _ = std::io::copy(p, &mut std::io::sink());
    }
    buf
}

/// Runs `program args…` in the repository root with the test environment, killing the
/// child (by its own pid, through `Child::kill`) if it outlives `timeout`.
fn run_program(
    program: &Path,
    args: &[OsString],
    env: &TestEnv,
    extra_env: &[(String, String)],
    timeout: Duration,
) -> Result<Outcome, String> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(repo_root())
        .env_clear()
        .envs(env.vars())
        .envs(extra_env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("spawning {}: {e}", program.display()))?;
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_reader = std::thread::spawn(move || read_capped(out_pipe.as_mut()));
    let err_reader = std::thread::spawn(move || read_capped(err_pipe.as_mut()));
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {
                if start.elapsed() > timeout {
                    timed_out = true;
                    let _ = child.kill();
                    match child.wait() {
                        Ok(s) => break s,
                        Err(e) => return Err(format!("waiting for {}: {e}", program.display())),
                    }
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(format!("waiting for {}: {e}", program.display())),
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(Outcome {
        code: if timed_out { None } else { status.code() },
        timed_out,
        stdout,
        stderr,
    })
}

fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return haystack.to_vec();
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// See "Normalisation" in the module docs.
fn normalise(bytes: &[u8]) -> Vec<u8> {
    let root = repo_root();
    let root_s = root.to_string_lossy();
    // No trailing slash: `./.` in a case prints the directory itself.
    let lang_abs = format!("{root_s}/tests/lang");
    let nyp_abs = format!("{root_s}/tests/lang/notyetpassing");
    let b = replace_all(bytes, nyp_abs.as_bytes(), lang_abs.as_bytes());
    let b = replace_all(&b, format!("{root_s}/").as_bytes(), b"");
    replace_all(&b, b"tests/lang/notyetpassing", b"tests/lang")
}

/// The `error:` line and the indented lines that continue it.
fn message_block(stderr: &str) -> Option<Vec<&str>> {
    let mut lines = stderr.lines();
    let first = lines.by_ref().find(|l| l.starts_with("error:"))?;
    let mut block = vec![first];
    for l in lines {
        if l.trim().is_empty() || !l.starts_with(char::is_whitespace) {
            break;
        }
        block.push(l);
    }
    Some(block)
}

fn is_location_line(l: &str) -> bool {
    let t = l.trim();
    t.starts_with("at ") && t.ends_with(':') && t.len() > 4
}

fn first_location(stderr: &str) -> Option<&str> {
    stderr.lines().find(|l| is_location_line(l)).map(str::trim)
}

/// `text` with each byte that is not part of UTF-8 shown as `\xHH`, so that messages
/// quoting such bytes are compared byte for byte (U+FFFD would hide a difference).
fn visible(text: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for chunk in text.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

fn head(text: &[u8], n: usize) -> String {
    let s = String::from_utf8_lossy(text);
    let mut lines: Vec<&str> = s.lines().take(n).collect();
    if s.lines().count() > n {
        lines.push("…");
    }
    if lines.is_empty() {
        return "    (empty)".to_string();
    }
    lines
        .iter()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where two outputs first differ, with escaped context, for differences that the
/// line-oriented excerpt cannot show (a missing trailing newline, invisible bytes).
fn first_difference(want: &[u8], got: &[u8]) -> String {
    let at = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    let ctx = |b: &[u8]| {
        let from = at.saturating_sub(20);
        let to = (at + 20).min(b.len());
        let esc: String = b[from.min(to)..to].escape_ascii().to_string();
        if at >= b.len() {
            format!("{esc}<end>")
        } else {
            esc
        }
    };
    format!(
        "  first difference at byte {at} (expected {} bytes, got {}):\n    expected: …{}\n    actual:   …{}",
        want.len(),
        got.len(),
        ctx(want),
        ctx(got)
    )
}

fn describe_status(o: &Outcome) -> String {
    if o.timed_out {
        "timed out (killed)".to_string()
    } else {
        match o.code {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".to_string(),
        }
    }
}

fn build_args(case: &Case, exp: &Expected, lead: &[&str]) -> Vec<OsString> {
    let mut args: Vec<OsString> = lead.iter().map(OsString::from).collect();
    if exp.strict {
        args.push("--strict".into());
    }
    args.extend(exp.flags.iter().map(OsString::from));
    args.push(case.rel_path.clone().into_os_string());
    args
}

/// Checks nest's outcome against a case's expectation with the (lenient) nest rules.
fn check_nest(case: &Case, exp: &Expected, o: &Outcome) -> Result<(), String> {
    let stdout = normalise(&o.stdout);
    let stderr = normalise(&o.stderr);
    match case.kind {
        Kind::Okay => {
            let want = exp.stdout.as_deref().unwrap_or_default();
            if o.code != Some(0) {
                return Err(format!(
                    "{}, expected success\n  stderr:\n{}",
                    describe_status(o),
                    head(&stderr, 8)
                ));
            }
            if stdout != want {
                return Err(format!(
                    "stdout differs\n  expected:\n{}\n  actual:\n{}\n{}",
                    head(want, 6),
                    head(&stdout, 6),
                    first_difference(want, &stdout)
                ));
            }
            if let Some(trace) = &exp.trace {
                if &stderr != trace {
                    return Err(format!(
                        "stderr differs from .trace.exp\n  expected:\n{}\n  actual:\n{}\n{}",
                        head(trace, 6),
                        head(&stderr, 6),
                        first_difference(trace, &stderr)
                    ));
                }
            }
            Ok(())
        }
        Kind::Fail => {
            let want_text = visible(exp.stderr.as_deref().unwrap_or_default());
            let got_text = visible(&stderr);
            if o.code != Some(1) {
                return Err(format!(
                    "{}, expected exit status 1\n  stdout:\n{}\n  stderr:\n{}",
                    describe_status(o),
                    head(&stdout, 4),
                    head(&stderr, 6)
                ));
            }
            let want_msg = message_block(&want_text);
            let got_msg = message_block(&got_text);
            if want_msg != got_msg {
                let show = |m: Option<Vec<&str>>| match m {
                    Some(v) => v
                        .iter()
                        .map(|l| format!("    | {l}"))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    None => "    (no `error:` line)".to_string(),
                };
                return Err(format!(
                    "error message differs\n  expected:\n{}\n  actual:\n{}",
                    show(want_msg),
                    if got_msg.is_some() {
                        show(got_msg)
                    } else {
                        head(&stderr, 6)
                    }
                ));
            }
            if let Some(want_loc) = first_location(&want_text) {
                let got_loc = first_location(&got_text);
                if got_loc != Some(want_loc) {
                    return Err(format!(
                        "error location differs\n  expected: {want_loc}\n  actual:   {}",
                        got_loc.unwrap_or("(no `at FILE:LINE:COL:` line)")
                    ));
                }
            }
            Ok(())
        }
    }
}

/// Checks nix-instantiate's outcome against the checked-in files, exactly.
fn check_oracle(case: &Case, exp: &Expected, o: &Outcome) -> Result<(), String> {
    let stdout = normalise(&o.stdout);
    let stderr = normalise(&o.stderr);
    match case.kind {
        Kind::Okay => {
            let want = exp.stdout.as_deref().unwrap_or_default();
            if o.code != Some(0) {
                return Err(format!(
                    "{}, but the case is eval-okay\n  stderr:\n{}",
                    describe_status(o),
                    head(&stderr, 8)
                ));
            }
            if stdout != want {
                return Err(format!(
                    ".exp differs from nix-instantiate\n  .exp:\n{}\n  nix-instantiate:\n{}\n{}",
                    head(want, 6),
                    head(&stdout, 6),
                    first_difference(want, &stdout)
                ));
            }
            let want_trace = exp.trace.as_deref().unwrap_or_default();
            if stderr != want_trace {
                return Err(format!(
                    "stderr differs from .trace.exp (absent means empty)\n  .trace.exp:\n{}\n  nix-instantiate:\n{}",
                    head(want_trace, 6),
                    head(&stderr, 6)
                ));
            }
            Ok(())
        }
        Kind::Fail => {
            let want = exp.stderr.as_deref().unwrap_or_default();
            if o.code == Some(0) || o.code.is_none() {
                return Err(format!(
                    "{}, but the case is eval-fail\n  stdout:\n{}",
                    describe_status(o),
                    head(&stdout, 6)
                ));
            }
            if stderr != want {
                return Err(format!(
                    ".err.exp differs from nix-instantiate\n  .err.exp:\n{}\n  nix-instantiate:\n{}",
                    head(want, 8),
                    head(&stderr, 8)
                ));
            }
            Ok(())
        }
    }
}

/// Runs `work` on every case on a few threads, each with its own [`TestEnv`]; returns
/// (case, result) sorted by name.
fn run_all<F>(cases: Vec<Case>, work: F) -> Vec<(Case, Result<(), String>)>
where
    F: Fn(&Case, &TestEnv) -> Result<(), String> + Send + Sync + 'static,
{
    let queue = Arc::new(Mutex::new(cases.into_iter().collect::<VecDeque<_>>()));
    let results = Arc::new(Mutex::new(Vec::new()));
    let work = Arc::new(work);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, THREADS);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let queue = Arc::clone(&queue);
            let results = Arc::clone(&results);
            let work = Arc::clone(&work);
            std::thread::spawn(move || {
                let env = TestEnv::new();
                loop {
                    let next = match queue.lock() {
                        Ok(mut q) => q.pop_front(),
                        Err(_) => None,
                    };
                    let Some(case) = next else { break };
                    let r = work(&case, &env);
                    if let Ok(mut res) = results.lock() {
                        res.push((case, r));
                    }
                }
            })
        })
        .collect();
    for h in handles {
        if h.join().is_err() {
            panic!("a language-suite worker thread panicked");
        }
    }
    let mut res = match Arc::try_unwrap(results) {
        Ok(m) => m.into_inner().unwrap_or_default(),
        Err(_) => panic!("language-suite results still shared after all workers ended"),
    };
    res.sort_by_key(|r| r.0.display());
    res
}

fn discover_or_panic() -> Vec<Case> {
    match discover() {
        Ok(c) => c,
        Err(e) => panic!("cannot list the language suite: {e}"),
    }
}

#[test]
fn suite_has_enough_cases() {
    let cases = discover_or_panic();
    let fail = cases.iter().filter(|c| c.kind == Kind::Fail).count();
    assert!(
        cases.len() >= MIN_CASES,
        "the language suite has only {} cases (at least {MIN_CASES} expected): were cases deleted?",
        cases.len()
    );
    assert!(
        fail >= MIN_FAIL_CASES,
        "the language suite has only {fail} eval-fail cases (at least {MIN_FAIL_CASES} expected)"
    );
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let dups: Vec<&str> = names
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    assert!(
        dups.is_empty(),
        "cases present both in tests/lang and notyetpassing: {dups:?}"
    );
}

/// Sidecar files whose case is gone (a rename or deletion that left them behind), or
/// that do not belong to their case's kind.
#[test]
fn no_stray_sidecar_files() {
    let mut stray = Vec::new();
    for dir in [lang_dir(), lang_dir().join("notyetpassing")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if !file.starts_with("eval-") || file.ends_with(".nix") {
                continue;
            }
            let known = [".err.exp", ".trace.exp", ".exp", ".flags", ".env"];
            let Some(ext) = known.iter().find(|e| file.ends_with(*e)) else {
                stray.push(format!("{}: unknown kind of file", entry.path().display()));
                continue;
            };
            let stem = &file[..file.len() - ext.len()];
            let wrong_kind = (stem.starts_with("eval-okay-") && *ext == ".err.exp")
                || (stem.starts_with("eval-fail-") && (*ext == ".exp" || *ext == ".trace.exp"));
            if !dir.join(format!("{stem}.nix")).exists() {
                stray.push(format!(
                    "{}: no {stem}.nix next to it",
                    entry.path().display()
                ));
            } else if wrong_kind {
                stray.push(format!(
                    "{}: does not belong to a case of this kind",
                    entry.path().display()
                ));
            }
        }
    }
    assert!(
        stray.is_empty(),
        "stray files in tests/lang:\n  {}",
        stray.join("\n  ")
    );
}

#[test]
fn flags_are_split_like_a_shell() {
    let got = split_flags("--arg s \"{ a = \\\"x\\\"; }\" -A 'b c' --no-strict\n");
    assert_eq!(
        got,
        Ok(vec![
            "--arg".to_string(),
            "s".to_string(),
            "{ a = \"x\"; }".to_string(),
            "-A".to_string(),
            "b c".to_string(),
            "--no-strict".to_string()
        ])
    );
    assert!(split_flags("'open").is_err());
}

#[test]
fn error_matching_rules() {
    let want = "error: first line\n       second line\n\n       at tests/lang/x.nix:1:2:\n\n            1| x\n";
    let got = "error: first line\n       second line\n(use '--show-trace' to show detailed location information)\n  at tests/lang/x.nix:1:2:\n";
    assert_eq!(message_block(want), message_block(got));
    assert_eq!(
        message_block(want),
        Some(vec!["error: first line", "       second line"])
    );
    assert_eq!(first_location(want), Some("at tests/lang/x.nix:1:2:"));
    assert_eq!(first_location(got), first_location(want));
    assert_eq!(first_location("error: x\n"), None);
    assert_ne!(message_block("error: other\n"), message_block(want));
}

#[test]
fn lang_suite_under_nest() {
    let cases = discover_or_panic();
    let nest = PathBuf::from(env!("CARGO_BIN_EXE_nest"));
    let total = cases.len();
    let results = run_all(cases, move |case, env| {
        let exp = load_expected(case)?;
        let args = build_args(case, &exp, &["eval"]);
        let outcome = run_program(&nest, &args, env, &exp.env, NEST_TIMEOUT)?;
        check_nest(case, &exp, &outcome)
    });

    let mut failed = Vec::new();
    let mut now_passing = Vec::new();
    let mut passing = 0;
    let mut still_failing = 0;
    for (case, r) in &results {
        match (case.set, r) {
            (Set::Passing, Ok(())) => passing += 1,
            (Set::Passing, Err(e)) => failed.push(format!("FAIL {}\n  {e}", case.display())),
            (Set::NotYetPassing, Ok(())) => now_passing.push(case.display()),
            (Set::NotYetPassing, Err(_)) => still_failing += 1,
        }
    }
    // tests/lang/tools/triage.sh asks for the per-case verdicts in a file of its own.
    if let Some(path) = std::env::var_os("NEST_LANG_TRIAGE") {
        let mut lines = String::new();
        for (case, r) in &results {
            let verdict = if r.is_ok() { "pass" } else { "fail" };
            let dir = match case.set {
                Set::Passing => "lang",
                Set::NotYetPassing => "notyetpassing",
            };
            lines.push_str(&format!("{verdict} {dir} {}\n", case.name));
        }
        if let Err(e) = std::fs::write(&path, lines) {
            panic!(
                "writing the triage list to {}: {e}",
                PathBuf::from(path).display()
            );
        }
    }
    if failed.is_empty() && now_passing.is_empty() {
        return;
    }
    let mut report = String::new();
    for f in &failed {
        report.push_str(f);
        report.push('\n');
    }
    if !now_passing.is_empty() {
        report.push_str(&format!(
            "\nthese notyetpassing cases now PASS: move them up to tests/lang/ (or run tests/lang/tools/triage.sh):\n  {}\n",
            now_passing.join("\n  ")
        ));
    }
    report.push_str(&format!(
        "\nlanguage suite: {total} cases; {passing} passing, {} failing in tests/lang/; {still_failing} still failing and {} now passing in notyetpassing/\n",
        failed.len(),
        now_passing.len()
    ));
    panic!("{report}");
}

fn find_nix_instantiate() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NEST_NIX_INSTANTIATE") {
        return Some(PathBuf::from(p));
    }
    // Run it by its bare name when it is on PATH: Nix quotes argv[0] in some messages
    // ("Try 'nix-instantiate --help'").
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("nix-instantiate"))
        .find(|p| p.is_file())
        .map(|_| PathBuf::from("nix-instantiate"))
}

#[test]
fn expectations_match_nix_instantiate() {
    let Some(nix) = find_nix_instantiate() else {
        if std::env::var_os("CI").is_some() {
            panic!("nix-instantiate is not installed, but CI is set: the oracle re-check must run in CI (.ci/run installs nix-bin)");
        }
        eprintln!("note: nix-instantiate not found; skipping the re-check of tests/lang expectations (install nix-bin to run it)");
        return;
    };
    let cases = discover_or_panic();
    let total = cases.len();
    // A clear message when nix-instantiate cannot run here at all, before every case says so.
    let warm = ["--eval", "-E", "null"].map(OsString::from);
    match run_program(&nix, &warm, &TestEnv::new(), &[], NIX_TIMEOUT) {
        Ok(o) if o.code == Some(0) => {}
        Ok(o) => panic!(
            "nix-instantiate does not run in the test environment ({}):\n{}",
            describe_status(&o),
            head(&o.stderr, 10)
        ),
        Err(e) => panic!("{e}"),
    }
    let results = run_all(cases, move |case, env| {
        let exp = load_expected(case)?;
        let args = build_args(case, &exp, &["--eval"]);
        let outcome = run_program(&nix, &args, env, &exp.env, NIX_TIMEOUT)?;
        check_oracle(case, &exp, &outcome)
    });
    let failed: Vec<String> = results
        .iter()
        .filter_map(|(c, r)| {
            r.as_ref()
                .err()
                .map(|e| format!("DRIFT {}\n  {e}", c.display()))
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{}\n{} of {total} checked-in expectations differ from nix-instantiate (regenerate with tests/lang/tools/mkexp.sh)",
        failed.join("\n"),
        failed.len()
    );
}

#[test]
fn first_difference_shows_a_missing_newline() {
    let d = first_difference(b"{}", b"{}\n");
    assert!(d.contains("byte 2"), "{d}");
    assert!(d.contains("expected: …{}<end>"), "{d}");
    assert!(d.contains("actual:   …{}\\n"), "{d}");
}

#[test]
fn normalisation_maps_both_case_directories_to_tests_lang() {
    let root = repo_root();
    let r = root.to_string_lossy();
    let raw = format!(
        "at {r}/tests/lang/notyetpassing/eval-fail-x.nix:1:2:\n{r}/tests/lang/notyetpassing\n{r}/tests/lang/lib/a.nix\ntests/lang/notyetpassing/lib/b.nix\n/nix/store/x"
    );
    let want = "at tests/lang/eval-fail-x.nix:1:2:\ntests/lang\ntests/lang/lib/a.nix\ntests/lang/lib/b.nix\n/nix/store/x";
    assert_eq!(String::from_utf8_lossy(&normalise(raw.as_bytes())), want);
}

/// `nest nix-instantiate --eval …` and nest invoked as `nix-instantiate` must behave like
/// `nest eval …`: checked with the same rules on every case that uses flags and on every
/// fifth other case of `tests/lang/` (the notyetpassing ones fail under `nest eval` too).
#[test]
fn nix_instantiate_entry_points() {
    let cases: Vec<Case> = discover_or_panic()
        .into_iter()
        .filter(|c| c.set == Set::Passing)
        .enumerate()
        .filter(|(i, c)| i % 5 == 0 || c.sidecar(".flags").exists())
        .map(|(_, c)| c)
        .collect();
    let links = match tempfile::Builder::new()
        .prefix("nest-lang-argv0-")
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => panic!("cannot create a temp dir: {e}"),
    };
    let nest = PathBuf::from(env!("CARGO_BIN_EXE_nest"));
    let as_nix = links.path().join("nix-instantiate");
    if let Err(e) = std::os::unix::fs::symlink(&nest, &as_nix) {
        panic!(
            "cannot link {} to {}: {e}",
            as_nix.display(),
            nest.display()
        );
    }
    let total = cases.len();
    let results = run_all(cases, move |case, env| {
        let exp = load_expected(case)?;
        let shim = build_args(case, &exp, &["nix-instantiate", "--eval"]);
        let o = run_program(&nest, &shim, env, &exp.env, NEST_TIMEOUT)?;
        check_nest(case, &exp, &o).map_err(|e| format!("nest nix-instantiate --eval: {e}"))?;
        let argv0 = build_args(case, &exp, &["--eval"]);
        let o = run_program(&as_nix, &argv0, env, &exp.env, NEST_TIMEOUT)?;
        check_nest(case, &exp, &o).map_err(|e| format!("nest as nix-instantiate: {e}"))
    });
    drop(links);
    let failed: Vec<String> = results
        .iter()
        .filter_map(|(c, r)| {
            r.as_ref()
                .err()
                .map(|e| format!("FAIL {}\n  {e}", c.display()))
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{}\n{} of {total} sampled cases differ through the nix-instantiate entry points",
        failed.join("\n"),
        failed.len()
    );
}
