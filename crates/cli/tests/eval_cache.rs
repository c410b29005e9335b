//! The evaluation cache through the real binary: `nest build -v` and `nest switch
//! --dry-run -v` say "evaluation cache: hit" only when nothing the evaluation read
//! (files, directories, existence of paths, environment variables), nest itself and
//! the store paths it wrote are unchanged; the result is then the same as evaluating.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "support/mod.rs"]
mod support;

struct Env {
    dir: tempfile::TempDir,
    exe: PathBuf,
}

/// One run: stdout, stderr and what the cache did (the `evaluation cache:` line).
struct Run {
    stdout: String,
    stderr: String,
    cache: String,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
            exe: PathBuf::from(env!("CARGO_BIN_EXE_nest")),
        }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.exe);
        c.args(args)
            .env("NEST_STORE_DIR", self.path("store"))
            .env("NEST_STATE_DIR", self.path("var"))
            .env("NO_COLOR", "1")
            .env_remove("NEST_NO_EVAL_CACHE")
            .env_remove("NEST_TEST_VAR")
            .current_dir(self.dir.path());
        c
    }
    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = self.command(args);
        for (k, v) in env {
            c.env(k, v);
        }
        finish(args, c.output().expect("running nest"))
    }
    /// `nest build --dry-run -v main.nix`: the evaluated `.drv` and output paths.
    fn dry(&self) -> Run {
        self.dry_with(&[])
    }
    fn dry_with(&self, env: &[(&str, &str)]) -> Run {
        self.run_with(&["build", "--dry-run", "-v", "main.nix"], env)
    }
    fn cache_files(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.path("var/eval-cache")) {
            Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

fn finish(args: &[&str], o: Output) -> Run {
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "nest {args:?} failed: {stderr}");
    let cache = stderr
        .lines()
        .find(|l| l.starts_with("evaluation cache: "))
        .unwrap_or("")
        .to_string();
    Run {
        stdout: String::from_utf8(o.stdout).expect("utf-8"),
        stderr,
        cache,
    }
}

fn is_hit(r: &Run) -> bool {
    r.cache == "evaluation cache: hit"
}

fn is_miss(r: &Run) -> bool {
    r.cache.starts_with("evaluation cache: miss")
}

/// A derivation whose attributes show what the evaluation read: `extra` is spliced
/// into its attribute set.
fn config(extra: &str) -> String {
    format!(
        r#"let lib = import ./lib.nix; in derivation {{
  name = "cached"; system = "x"; builder = "/bin/sh";
  args = [ "-c" "echo ${{lib.text}} > $out" ];
  {extra}
}}"#
    )
}

fn setup(e: &Env, extra: &str) {
    e.write("lib.nix", "{ text = \"aaa\"; }\n");
    e.write("main.nix", &config(extra));
}

#[test]
fn an_unchanged_config_is_a_hit_with_the_same_result() {
    let e = Env::new();
    setup(&e, "");
    let first = e.dry();
    assert!(is_miss(&first), "{}", first.stderr);
    assert!(first.cache.contains("no entry"), "{}", first.cache);
    assert!(first.cache.ends_with("result stored"), "{}", first.cache);
    let second = e.dry();
    assert!(is_hit(&second), "{}", second.stderr);
    assert_eq!(first.stdout, second.stdout);
    assert!(first.stdout.contains(".drv\tout\t"), "{}", first.stdout);
    // Turned off, it evaluates, and gets the same.
    let off = e.run_with(
        &["build", "--dry-run", "-v", "--no-eval-cache", "main.nix"],
        &[],
    );
    assert_eq!(off.cache, "evaluation cache: off");
    assert_eq!(off.stdout, first.stdout);
    let off = e.dry_with(&[("NEST_NO_EVAL_CACHE", "1")]);
    assert_eq!(off.cache, "evaluation cache: off");
    assert_eq!(off.stdout, first.stdout);
    // Without -v nothing is said about the cache.
    let quiet = e.run_with(&["build", "--dry-run", "main.nix"], &[]);
    assert!(
        !quiet.stderr.contains("evaluation cache"),
        "{}",
        quiet.stderr
    );
    assert_eq!(quiet.stdout, first.stdout);
}

#[test]
fn a_file_is_the_same_entry_from_any_working_directory() {
    let e = Env::new();
    setup(&e, "");
    std::fs::create_dir_all(e.path("sub")).expect("mkdir");
    let first = e.dry();
    assert!(is_miss(&first), "{}", first.stderr);
    let main = e.path("main.nix");
    let abs = main.to_str().expect("UTF-8 temp path");
    let run_in = |dir: &Path, file: &str| {
        let mut c = e.command(&["build", "--dry-run", "-v", file]);
        c.current_dir(dir);
        finish(&[file], c.output().expect("running nest"))
    };
    for (dir, file) in [
        (e.path("sub"), "../main.nix"),
        (e.path("sub"), abs),
        (PathBuf::from("/"), abs),
    ] {
        let r = run_in(&dir, file);
        assert!(is_hit(&r), "{file} from {}: {}", dir.display(), r.stderr);
        assert_eq!(r.stdout, first.stdout);
    }
    // An expression's relative paths are resolved against the working directory: there
    // the directory is part of the key.
    e.write("sub/lib.nix", "{ text = \"bbb\"; }\n");
    let expr = |dir: &Path| {
        let mut c = e.command(&["build", "--dry-run", "-v", "-E", "import ./main.nix"]);
        c.current_dir(dir);
        finish(&["-E"], c.output().expect("running nest"))
    };
    std::fs::copy(&main, e.path("sub/main.nix")).expect("copy");
    let top = expr(e.dir.path());
    assert!(is_miss(&top), "{}", top.stderr);
    let sub = expr(&e.path("sub"));
    assert!(is_miss(&sub), "{}", sub.stderr);
    assert_ne!(top.stdout, sub.stdout, "each directory's lib.nix");
    assert!(is_hit(&expr(&e.path("sub"))));
}

#[test]
fn editing_an_imported_file_is_a_miss() {
    let e = Env::new();
    setup(&e, "");
    let first = e.dry();
    assert!(is_hit(&e.dry()));
    e.write("lib.nix", "{ text = \"a longer text\"; }\n");
    let edited = e.dry();
    assert!(is_miss(&edited), "{}", edited.stderr);
    assert!(
        edited.cache.contains("lib.nix' changed"),
        "{}",
        edited.cache
    );
    assert_ne!(edited.stdout, first.stdout);
    let again = e.dry();
    assert!(is_hit(&again), "{}", again.stderr);
    assert_eq!(again.stdout, edited.stdout);
    // Back to the first contents: evaluated again, the first result.
    e.write("lib.nix", "{ text = \"aaa\"; }\n");
    let back = e.dry();
    assert!(is_miss(&back), "{}", back.stderr);
    assert_eq!(back.stdout, first.stdout);
}

#[test]
fn same_size_and_restored_mtime_still_miss_on_the_contents() {
    let e = Env::new();
    setup(&e, "");
    let lib = e.path("lib.nix");
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let set_mtime = |t| {
        std::fs::File::options()
            .write(true)
            .open(&lib)
            .expect("open")
            .set_modified(t)
            .expect("set mtime")
    };
    set_mtime(old);
    let first = e.dry();
    assert!(is_hit(&e.dry()));
    let before = std::fs::metadata(&lib).expect("stat");
    e.write("lib.nix", "{ text = \"bbb\"; }\n");
    set_mtime(before.modified().expect("mtime"));
    let after = std::fs::metadata(&lib).expect("stat");
    assert_eq!(before.len(), after.len());
    assert_eq!(before.modified().ok(), after.modified().ok());
    let changed = e.dry();
    assert!(is_miss(&changed), "{}", changed.stderr);
    assert_ne!(changed.stdout, first.stdout);
}

#[test]
fn a_file_added_to_a_listed_directory_is_a_miss() {
    let e = Env::new();
    setup(&e, "files = builtins.attrNames (builtins.readDir ./d);");
    e.write("d/one", "1");
    let first = e.dry();
    assert!(is_hit(&e.dry()));
    e.write("d/two", "2");
    let added = e.dry();
    assert!(is_miss(&added), "{}", added.stderr);
    assert!(added.cache.contains("/d' changed"), "{}", added.cache);
    assert_ne!(added.stdout, first.stdout);
    // Contents of a listed (not read) file do not matter.
    e.write("d/two", "22");
    assert!(is_hit(&e.dry()));
}

#[test]
fn creating_a_file_that_did_not_exist_is_a_miss() {
    let e = Env::new();
    setup(
        &e,
        "there = builtins.pathExists ./maybe; opt = if builtins.pathExists ./opt.nix then import ./opt.nix else \"none\";",
    );
    let first = e.dry();
    assert!(is_hit(&e.dry()));
    e.write("maybe", "");
    let created = e.dry();
    assert!(is_miss(&created), "{}", created.stderr);
    assert_ne!(created.stdout, first.stdout);
    assert!(is_hit(&e.dry()));
    e.write("opt.nix", "\"some\"");
    let created = e.dry();
    assert!(is_miss(&created), "{}", created.stderr);
    assert!(is_hit(&e.dry()));
}

#[test]
fn changing_a_variable_read_by_get_env_is_a_miss() {
    let e = Env::new();
    setup(&e, "v = builtins.getEnv \"NEST_TEST_VAR\";");
    let unset = e.dry();
    assert!(is_hit(&e.dry()));
    let set = e.dry_with(&[("NEST_TEST_VAR", "x")]);
    assert!(is_miss(&set), "{}", set.stderr);
    assert!(
        set.cache.contains("$NEST_TEST_VAR changed"),
        "{}",
        set.cache
    );
    assert_ne!(set.stdout, unset.stdout);
    assert!(is_hit(&e.dry_with(&[("NEST_TEST_VAR", "x")])));
    // Set but empty is not unset, though getEnv gives "" for both.
    let empty = e.dry_with(&[("NEST_TEST_VAR", "")]);
    assert!(is_miss(&empty), "{}", empty.stderr);
    assert_eq!(empty.stdout, unset.stdout);
    // A variable the evaluation did not read changes nothing.
    assert!(is_hit(
        &e.dry_with(&[("NEST_TEST_VAR", ""), ("UNREAD_VAR", "y")])
    ));
}

/// Copies an executable with `cp`: a file this test process had open for writing
/// could be inherited by a child another test forks at that moment, and executing the
/// copy would then fail with "Text file busy".
fn copy_exe(from: &Path, to: &Path) {
    let st = Command::new("cp")
        .arg(from)
        .arg(to)
        .status()
        .expect("running cp");
    assert!(st.success(), "cp {} {}", from.display(), to.display());
}

#[test]
fn another_nest_binary_does_not_reuse_results() {
    let mut e = Env::new();
    setup(&e, "");
    let copy = e.path("bin/nest");
    std::fs::create_dir_all(e.path("bin")).expect("mkdir");
    copy_exe(&e.exe, &copy);
    e.exe = copy.clone();
    let first = e.dry();
    assert!(is_miss(&first), "{}", first.stderr);
    assert!(is_hit(&e.dry()));
    // A new build of nest installed in the same place.
    std::fs::remove_file(&copy).expect("rm");
    copy_exe(Path::new(env!("CARGO_BIN_EXE_nest")), &copy);
    let new = e.dry();
    assert!(is_miss(&new), "{}", new.stderr);
    assert!(new.cache.contains("no entry"), "{}", new.cache);
    assert_eq!(new.stdout, first.stdout);
}

#[test]
fn a_collected_derivation_is_a_miss_and_is_written_again() {
    let e = Env::new();
    setup(&e, "");
    let args = ["build", "--no-sandbox", "--no-out-link", "-v", "main.nix"];
    let first = e.run_with(&args, &[]);
    assert!(is_miss(&first), "{}", first.stderr);
    let out = first.stdout.trim().to_string();
    assert!(Path::new(&out).exists());
    let second = e.run_with(&args, &[]);
    assert!(is_hit(&second), "{}", second.stderr);
    assert_eq!(second.stdout, first.stdout);
    // Nothing roots them: gc removes the output and the .drv files.
    let gc = e.command(&["store", "gc"]).output().expect("gc");
    assert!(
        gc.status.success(),
        "{}",
        String::from_utf8_lossy(&gc.stderr)
    );
    assert!(!Path::new(&out).exists(), "gc kept {out}");
    let third = e.run_with(&args, &[]);
    assert!(is_miss(&third), "{}", third.stderr);
    assert!(
        third.cache.contains("is no longer in the store"),
        "{}",
        third.cache
    );
    assert_eq!(third.stdout, first.stdout);
    assert!(Path::new(&out).exists());
    let verify = e.command(&["store", "verify"]).output().expect("verify");
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    // A dry run and a build are cached apart: the dry run does not reuse the build's.
    let dry = e.dry();
    assert!(is_miss(&dry), "{}", dry.stderr);
}

#[test]
fn reading_the_clock_is_never_cached() {
    let e = Env::new();
    setup(&e, "late = builtins.currentTime > 0;");
    for _ in 0..2 {
        let r = e.dry();
        assert_eq!(
            r.cache,
            "evaluation cache: not stored: the evaluation read the clock (builtins.currentTime)",
            "{}",
            r.stderr
        );
    }
    assert!(e.cache_files().is_empty(), "{:?}", e.cache_files());
}

#[test]
fn traces_are_printed_again_on_a_hit() {
    let e = Env::new();
    setup(&e, "t = builtins.trace \"hello from the config\" 1;");
    let first = e.dry();
    let second = e.dry();
    assert!(is_hit(&second), "{}", second.stderr);
    for r in [&first, &second] {
        assert_eq!(
            r.stderr.matches("trace: hello from the config\n").count(),
            1,
            "{}",
            r.stderr
        );
    }
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn a_corrupt_entry_is_evaluated_again_and_rewritten() {
    let e = Env::new();
    setup(&e, "");
    let first = e.dry();
    let files = e.cache_files();
    assert_eq!(files.len(), 1, "{files:?}");
    for (i, garbage) in ["", "{\"version\":1,", "not json at all \u{0}\u{1}"]
        .iter()
        .enumerate()
    {
        std::fs::write(&files[0], garbage).expect("corrupt");
        let r = e.dry();
        assert!(is_miss(&r), "round {i}: {}", r.stderr);
        assert!(r.cache.contains("unreadable entry"), "{}", r.cache);
        assert_eq!(r.stdout, first.stdout);
        let r = e.dry();
        assert!(is_hit(&r), "round {i}: {}", r.stderr);
        assert_eq!(r.stdout, first.stdout);
    }
}

#[test]
fn concurrent_runs_leave_one_complete_entry() {
    let e = Env::new();
    setup(&e, "");
    let children: Vec<_> = (0..6)
        .map(|_| {
            e.command(&["build", "--dry-run", "-v", "main.nix"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn nest")
        })
        .collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|c| finish(&["build"], c.wait_with_output().expect("wait")))
        .collect();
    for r in &runs {
        assert_eq!(r.stdout, runs[0].stdout);
        assert!(is_miss(r) || is_hit(r), "{}", r.stderr);
    }
    let files = e.cache_files();
    assert_eq!(files.len(), 1, "temporary files left behind: {files:?}");
    let r = e.dry();
    assert!(is_hit(&r), "{}", r.stderr);
    assert_eq!(r.stdout, runs[0].stdout);
}

#[test]
fn old_entries_are_dropped_beyond_the_limit() {
    let e = Env::new();
    setup(&e, "");
    for i in 0..40 {
        let expr = format!("import ./main.nix // {{ n = {i}; }}");
        let r = e.run_with(&["build", "--dry-run", "-v", "-E", &expr], &[]);
        assert!(is_miss(&r), "{}", r.stderr);
    }
    let n = e.cache_files().len();
    assert_eq!(n, 32, "entries kept");
}

#[test]
fn a_no_op_switch_dry_run_is_a_hit_and_warnings_are_printed_again() {
    let e = Env::new();
    e.write(
        "host.nix",
        "{ warnings = [ \"this host is only a test\" ]; containers.c1.config = { }; }\n",
    );
    let run = |e: &Env| {
        let mut c = support::nest_under(
            e.dir.path(),
            &["switch", "--dry-run", "-v", "-f", "host.nix"],
        );
        c.current_dir(e.dir.path()).env_remove("NEST_NO_EVAL_CACHE");
        finish(&["switch"], c.output().expect("nest switch"))
    };
    let first = run(&e);
    assert!(is_miss(&first), "{}", first.stderr);
    let second = run(&e);
    assert!(is_hit(&second), "{}", second.stderr);
    assert_eq!(first.stdout, second.stdout);
    assert!(first.stdout.contains("c1"), "{}", first.stdout);
    for r in [&first, &second] {
        assert_eq!(
            r.stderr.matches("this host is only a test").count(),
            1,
            "{}",
            r.stderr
        );
    }
    e.write(
        "host.nix",
        "{ warnings = [ \"this host is only a test\" ]; containers.c2.config = { }; }\n",
    );
    let third = run(&e);
    assert!(is_miss(&third), "{}", third.stderr);
    assert!(third.stdout.contains("c2"), "{}", third.stdout);
}

#[test]
fn a_changed_file_inside_a_copied_tree_is_a_miss() {
    let e = Env::new();
    setup(
        &e,
        "src = builtins.path { path = ./tree; name = \"tree\"; }; kept = builtins.filterSource (p: t: baseNameOf p != \"skipped\") ./tree;",
    );
    e.write("tree/a", "a");
    e.write("tree/sub/b", "b");
    e.write("tree/skipped", "1");
    let first = e.dry();
    assert!(is_hit(&e.dry()));
    e.write("tree/sub/b", "c");
    let changed = e.dry();
    assert!(is_miss(&changed), "{}", changed.stderr);
    assert!(
        changed.cache.contains("tree/sub/b' changed"),
        "{}",
        changed.cache
    );
    assert_ne!(changed.stdout, first.stdout);
    assert!(is_hit(&e.dry()));
}

#[test]
fn home_and_elf_files_are_inputs() {
    let e = Env::new();
    let prog = e.path("prog");
    std::fs::copy("/bin/sh", &prog).expect("copy /bin/sh");
    setup(
        &e,
        "needed = let i = builtins.nestElfInfo ./prog; in if i == null then [ \"not ELF\" ] else i.needed; home = builtins.pathExists ~/marker;",
    );
    let home = e.path("home");
    let home = home.to_str().expect("utf-8");
    let first = e.dry_with(&[("HOME", home)]);
    assert!(is_miss(&first), "{}", first.stderr);
    assert!(is_hit(&e.dry_with(&[("HOME", home)])));
    // `~/marker` now names an existing file.
    e.write("home/marker", "");
    let r = e.dry_with(&[("HOME", home)]);
    assert!(is_miss(&r), "{}", r.stderr);
    assert_ne!(r.stdout, first.stdout);
    let before = r.stdout;
    assert!(is_hit(&e.dry_with(&[("HOME", home)])));
    let other = e.dry_with(&[("HOME", "/nonexistent-home")]);
    assert!(is_miss(&other), "{}", other.stderr);
    assert!(other.cache.contains("$HOME changed"), "{}", other.cache);
    // Another program in the ELF file's place.
    std::fs::write(&prog, b"\x7fELF not really").expect("write");
    let r = e.run_with(&["build", "--dry-run", "-v", "main.nix"], &[("HOME", home)]);
    assert!(is_miss(&r), "{}", r.stderr);
    assert_ne!(r.stdout, before);
}

/// The cache is only as good as its view of what an evaluation reads: the evaluator
/// must reach the outside world only through `EvalIo` (which the cache records), never
/// through the standard library directly.
#[test]
fn the_evaluator_reaches_files_environment_and_clock_only_through_eval_io() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../eval/src");
    let mut files = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(d) = dirs.pop() {
        for ent in std::fs::read_dir(&d).expect("read eval/src") {
            let p = ent.expect("entry").path();
            if p.is_dir() && p.file_name().is_some_and(|n| n != "tests") {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs")
                && p.file_name().is_some_and(|n| n != "tests.rs")
                && p != src.join("io.rs")
                // The profiler reads a clock to time calls; what it measures goes to
                // the profile file, never into a value.
                && p != src.join("profile.rs")
            {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 10, "found {files:?}");
    let forbidden = [
        "std::fs",
        "std::env",
        "std::process",
        "std::net",
        "SystemTime",
        "Instant::now",
        "File::open",
        "libc::",
    ];
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        // Unit tests may use the file system.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for w in forbidden {
            if code.contains(w) {
                found.push(format!("{}: {w}", f.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the evaluator bypasses EvalIo: {found:#?}"
    );
}
