//! `.drv` files and store paths written by nest's evaluator over the real store, compared
//! byte for byte with what `nix-instantiate` 2.8 writes for the same expression into a
//! store at the same directory. Expectations are checked in (`oracle.json`: base name
//! and SHA-256 of every written file) so the test also runs without Nix;
//! `NEST_UPDATE_ORACLE=1` rewrites them from nix-instantiate.

use nest_glue::{EvalRequest, Input};
use nest_store::{Store, StoreConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// A `filterSource` filter that leaves out `*.log` files.
const NO_LOGS: &str = "p: t: builtins.match \".*[.]log\" (baseNameOf p) == null";

/// Paths hash the store directory, so expectations need a fixed one; a lock file
/// keeps concurrent runs of this test apart.
const STORE: &str = "/tmp/nest-glue-oracle/store";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn cases() -> Vec<(&'static str, String)> {
    let f = fixtures();
    let f = f.display();
    let d = |body: &str| {
        format!("derivation ({{ system = \"x86_64-linux\"; builder = \"/bin/sh\"; }} // {body})")
    };
    vec![
        ("tofile", "builtins.toFile \"a\" \"hello\"".into()),
        ("tofile-refs", "let a = builtins.toFile \"a\" \"x\"; in builtins.toFile \"b\" \"see ${a}\"".into()),
        ("drv-simple", d("{ name = \"simple\"; }")),
        ("drv-args", d("{ name = \"args\"; args = [ \"-c\" \"echo hi > $out\" ]; }")),
        ("drv-outputs", d("{ name = \"multi\"; outputs = [ \"out\" \"dev\" \"lib\" ]; }")),
        ("drv-dep", format!("let a = {}; in {}", d("{ name = \"a\"; }"), d("{ name = \"b\"; dep = a; }"))),
        ("drv-dep-output", format!("let a = {}; in {}", d("{ name = \"a\"; outputs = [\"out\" \"dev\"]; }"), d("{ name = \"b\"; dep = a.dev; }"))),
        ("drv-chain", format!("let a = {}; b = {}; in {}", d("{ name = \"a\"; }"), d("{ name = \"b\"; x = a; }"), d("{ name = \"c\"; x = b; y = a; }"))),
        ("drv-tofile-input", d("{ name = \"t\"; script = builtins.toFile \"s.sh\" \"echo hi\"; }")),
        ("drv-src-dir", d(&format!("{{ name = \"src\"; src = {f}/dir; }}"))),
        ("drv-src-file", d(&format!("{{ name = \"srcf\"; src = {f}/file.txt; }}"))),
        ("path-interp", format!("\"${{{f}/dir}}/a\"")),
        ("path-builtin", format!("builtins.path {{ path = {f}/dir; name = \"renamed\"; }}")),
        ("path-flat", format!("builtins.path {{ path = {f}/file.txt; recursive = false; }}")),
        ("path-flat-sha", format!("builtins.path {{ path = {f}/file.txt; name = \"f\"; recursive = false; sha256 = builtins.hashFile \"sha256\" {f}/file.txt; }}")),
        ("drv-fixed", d("{ name = \"fixed\"; outputHashMode = \"flat\"; outputHashAlgo = \"sha256\"; outputHash = \"0000000000000000000000000000000000000000000000000000\"; }")),
        ("drv-fixed-rec", d("{ name = \"fixedr\"; outputHashMode = \"recursive\"; outputHash = \"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"; }")),
        ("drv-fixed-dep", format!("let f = {}; in {}", d("{ name = \"f\"; outputHash = \"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"; }"), d("{ name = \"user\"; f = f; }"))),
        ("drv-context-string", format!("let a = {}; in {}", d("{ name = \"a\"; }"), d("{ name = \"b\"; cmd = \"cat ${a}/x ${a.drvPath}\"; }"))),
        ("drv-list-of", format!("[ ({}) ({}) ]", d("{ name = \"l1\"; }"), d("{ name = \"l2\"; n = 1; b = true; nul = null; }"))),
        ("drv-env-types", d("{ name = \"types\"; i = 42; f = 1.5; l = [ 1 \"two\" ]; t = true; ff = false; }")),
        ("drv-src-and-dep", format!("let s = {f}/dir; a = {}; in {}", d("{ name = \"a\"; src = s; }"), d("{ name = \"b\"; src = s; a = a; }"))),
        ("filtersource", format!("builtins.filterSource (p: t: baseNameOf p != \"sub\") {f}/dir")),
        ("filtersource-tree", format!("builtins.filterSource ({NO_LOGS}) {f}/tree")),
        ("filtersource-nothing", format!("builtins.filterSource (p: t: false) {f}/tree")),
        ("path-filter", format!("builtins.path {{ path = {f}/tree; name = \"filtered\"; filter = p: t: t != \"symlink\"; }}")),
        ("path-filter-dirs-only", format!("builtins.path {{ path = {f}/tree; filter = p: t: t == \"directory\"; }}")),
        ("fetchurl-file", format!("builtins.fetchurl \"file://{f}/file.txt\"")),
        ("fetchurl-named-pinned", format!("builtins.fetchurl {{ url = \"file://{f}/file.txt\"; name = \"pinned\"; sha256 = builtins.hashFile \"sha256\" {f}/file.txt; }}")),
        ("path-sha256", format!("builtins.path {{ path = {f}/dir; name = \"pinned-dir\"; sha256 = \"0sqvd8y0116wmhaq2672xnmab7maiyzbrpichck1lkxzqgk36rxs\"; }}")),
        ("drv-src-filtered", d(&format!("{{ name = \"fsrc\"; src = builtins.filterSource ({NO_LOGS}) {f}/tree; }}"))),
    ]
}

/// Every file in `store` (not dot files) → sha256 hex of its NAR (files and trees alike).
fn snapshot(store: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(rd) = std::fs::read_dir(store) else {
        return out;
    };
    for e in rd.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with('.') || n.ends_with(".lock") {
            continue;
        }
        let (h, _) =
            nest_nixcompat::nar::nar_hash_fs(&e.path(), None).expect("hashing a written path");
        out.insert(n, h.to_base16());
    }
    out
}

fn clean(root: &Path) {
    if root.exists() {
        nest_store::add::remove_tree(root).expect("cleaning the oracle store");
    }
}

fn nest_writes(root: &Path, expr: &str) -> Result<BTreeMap<String, String>, String> {
    clean(root);
    let cfg = StoreConfig {
        store_dir: PathBuf::from(STORE),
        state_dir: root.join("var"),
    };
    let store = Arc::new(Store::open(&cfg).map_err(|e| e.to_string())?);
    let req = EvalRequest {
        input: Input::Expr(expr.into()),
        attr_path: String::new(),
        search_path: vec![],
        dry_run: false,
        show_trace: false,
        build: None,
    };
    nest_glue::with_evaluated(store.clone(), req, |ev, v| ev.deep_force(&v).map(|_| ()))
        .map_err(|e| e.to_string())?;
    // Every written path is registered with the references of its contents.
    for p in store.all_valid().map_err(|e| e.to_string())? {
        if p.is_derivation() {
            let text = std::fs::read(store.real_path(&p)).map_err(|e| e.to_string())?;
            let name = p.name().trim_end_matches(".drv");
            let d = nest_nixcompat::Derivation::parse(store.store_dir(), &text, name)
                .map_err(|e| e.to_string())?;
            let info = store
                .query(&p)
                .map_err(|e| e.to_string())?
                .ok_or("not registered")?;
            if info.references != d.references() {
                return Err(format!(
                    "{} registered with references {:?}",
                    p, info.references
                ));
            }
        }
    }
    Ok(snapshot(Path::new(STORE)))
}

fn nix_writes(root: &Path, expr: &str) -> Result<BTreeMap<String, String>, String> {
    clean(root);
    let out = Command::new("nix-instantiate")
        .env("NIX_STORE_DIR", STORE)
        .env("NIX_STATE_DIR", root.join("nixvar"))
        .env("NIX_LOG_DIR", root.join("nixlog"))
        .args(["--eval", "--strict", "--read-write-mode", "--expr", expr])
        .output()
        .map_err(|e| format!("running nix-instantiate: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "nix-instantiate failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(snapshot(Path::new(STORE)))
}

fn have_nix() -> bool {
    Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn written_store_matches_nix_instantiate() {
    let root = Path::new("/tmp/nest-glue-oracle");
    std::fs::create_dir_all(root).expect("mkdir");
    let _guard = nest_store::lock::PathLock::exclusive(Path::new("/tmp/nest-glue-oracle.lock"))
        .expect("lock");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle.json");
    let mut expected: BTreeMap<String, BTreeMap<String, String>> = std::fs::read_to_string(&file)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let update = std::env::var_os("NEST_UPDATE_ORACLE").is_some();
    let nix = have_nix();
    let mut failures = Vec::new();
    let cases = cases();
    assert!(cases.len() >= 20);
    for (name, expr) in &cases {
        if nix {
            match nix_writes(root, expr) {
                Ok(w) => {
                    if update {
                        expected.insert(name.to_string(), w);
                    } else if expected.get(*name) != Some(&w) {
                        failures.push(format!(
                            "{name}: checked-in expectation differs from nix-instantiate: {w:?}"
                        ));
                    }
                }
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        let Some(exp) = expected.get(*name) else {
            failures.push(format!("{name}: no expectation (run with NEST_UPDATE_ORACLE=1 where nix-instantiate is installed)"));
            continue;
        };
        match nest_writes(root, expr) {
            Ok(got) if &got == exp => {}
            Ok(got) => failures.push(format!("{name}: nest wrote {got:?}\n   nix wrote {exp:?}")),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    clean(root);
    if update && failures.is_empty() {
        std::fs::write(
            &file,
            serde_json::to_string_pretty(&expected).expect("json") + "\n",
        )
        .expect("write oracle.json");
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn temp_store() -> (tempfile::TempDir, Arc<Store>) {
    let t = tempfile::tempdir().expect("tempdir");
    let cfg = StoreConfig {
        store_dir: t.path().join("store"),
        state_dir: t.path().join("var"),
    };
    let store = Arc::new(Store::open(&cfg).expect("open"));
    (t, store)
}

fn eval_to_string(store: Arc<Store>, expr: String, dry_run: bool) -> Result<String, String> {
    let req = EvalRequest {
        input: Input::Expr(expr),
        attr_path: String::new(),
        search_path: vec![],
        dry_run,
        show_trace: false,
        build: None,
    };
    nest_glue::with_evaluated(store, req, |ev, v| {
        ev.force_str(&v, nest_eval::source::Pos::NONE)
    })
    .map_err(|e| e.to_string())
}

/// Every object under `root`, relative, with its type: `f` (file), `x` (executable
/// file), `d`, or `l -> target`.
fn listing(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .expect("read_dir")
            .flatten()
            .map(|e| e.path())
            .collect();
        names.sort();
        for p in names {
            let rel = p.strip_prefix(root).expect("prefix").display().to_string();
            let md = std::fs::symlink_metadata(&p).expect("lstat");
            if md.file_type().is_symlink() {
                out.push(format!(
                    "{rel} l -> {}",
                    std::fs::read_link(&p).expect("readlink").display()
                ));
            } else if md.is_dir() {
                out.push(format!("{rel} d"));
                walk(root, &p, out);
            } else {
                use std::os::unix::fs::PermissionsExt;
                let kind = if md.permissions().mode() & 0o100 != 0 {
                    "x"
                } else {
                    "f"
                };
                out.push(format!("{rel} {kind}"));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn filter_source_writes_exactly_the_filtered_tree() {
    let (_t, store) = temp_store();
    let expr = format!(
        "builtins.filterSource ({NO_LOGS}) {}/tree",
        fixtures().display()
    );
    let out = eval_to_string(store.clone(), expr, false).expect("filterSource evaluates");
    let sp = store.parse_path(&out).expect("a store path");
    assert!(
        store.is_valid(&sp).expect("query"),
        "{out} is not registered"
    );
    assert_eq!(
        listing(&store.real_path(&sp)),
        [
            "bin d",
            "bin/run.sh x",
            "keep.txt f",
            "ln l -> keep.txt",
            "sub d",
            "sub/deep d",
            "sub/deep/x f"
        ]
    );
    assert_eq!(
        std::fs::read(store.real_path(&sp).join("sub/deep/x")).expect("read"),
        b"deep\n"
    );
    // Registered with the NAR hash of what is on disk, as a content-addressed source.
    let info = store.query(&sp).expect("query").expect("registered");
    let (on_disk, _) = nest_nixcompat::nar::nar_hash_fs(&store.real_path(&sp), None).expect("hash");
    assert_eq!(info.nar_hash, on_disk);
    assert!(info.references.is_empty());
    // Only that path was added.
    assert_eq!(store.all_valid().expect("list"), vec![sp]);
}

#[test]
fn path_with_filter_writes_the_filtered_tree_under_its_name() {
    let (_t, store) = temp_store();
    let expr = format!(
        "builtins.path {{ path = {}/tree; name = \"only-dirs\"; filter = p: t: t == \"directory\"; }}",
        fixtures().display()
    );
    let out = eval_to_string(store.clone(), expr, false).expect("builtins.path evaluates");
    assert!(out.ends_with("-only-dirs"), "{out}");
    let sp = store.parse_path(&out).expect("a store path");
    assert_eq!(
        listing(&store.real_path(&sp)),
        ["bin d", "sub d", "sub/deep d"]
    );
}

#[test]
fn filter_source_dry_run_writes_nothing() {
    let (t, store) = temp_store();
    let expr = format!(
        "builtins.filterSource ({NO_LOGS}) {}/tree",
        fixtures().display()
    );
    let dry = eval_to_string(store.clone(), expr.clone(), true).expect("filterSource evaluates");
    assert!(store.all_valid().expect("list").is_empty());
    let written: Vec<_> = std::fs::read_dir(t.path().join("store"))
        .expect("read store")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && !n.ends_with(".lock"))
        .collect();
    assert!(written.is_empty(), "a dry run wrote {written:?}");
    // The same path as a real run into the same store computes.
    assert_eq!(
        eval_to_string(store.clone(), expr, false).expect("real run"),
        dry
    );
    assert_eq!(store.all_valid().expect("list").len(), 1);
}

fn lang_tarball(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/lang/data/tarballs")
        .join(name)
}

#[test]
fn fetch_tarball_writes_the_unpacked_tree() {
    let (_t, store) = temp_store();
    let expr = format!(
        "builtins.fetchTarball \"file://{}\"",
        lang_tarball("proj.tar.gz").display()
    );
    let out = eval_to_string(store.clone(), expr, false).expect("fetchTarball evaluates");
    let sp = store.parse_path(&out).expect("a store path");
    assert!(out.ends_with("-source"), "{out}");
    assert_eq!(
        listing(&store.real_path(&sp)),
        [
            "README f",
            "bin d",
            "bin/run x",
            "link l -> README",
            "sub d",
            "sub/deep d",
            "sub/deep/x f",
            "sub/same f"
        ]
    );
    assert_eq!(
        std::fs::read(store.real_path(&sp).join("sub/same")).expect("read"),
        b"read me\n"
    );
    // Reading inside the result goes to the store copy just written.
    let inside = format!(
        "builtins.readFile \"${{builtins.fetchTarball \"file://{}\"}}/bin/run\"",
        lang_tarball("proj.tar.gz").display()
    );
    assert_eq!(
        eval_to_string(store.clone(), inside, false).expect("readFile"),
        "#!/bin/sh\necho run\n"
    );
    assert_eq!(store.all_valid().expect("list"), vec![sp]);
}

/// Nix also keeps the downloaded archive in the store; nest writes only the unpacked
/// tree, which must be the same path with the same contents as Nix's.
#[test]
fn fetch_tarball_matches_nix_instantiate() {
    if !have_nix() {
        if std::env::var_os("CI").is_some() {
            panic!("nix-instantiate is not installed, but CI is set");
        }
        return;
    }
    let root = Path::new("/tmp/nest-glue-oracle");
    std::fs::create_dir_all(root).expect("mkdir");
    let _guard = nest_store::lock::PathLock::exclusive(Path::new("/tmp/nest-glue-oracle.lock"))
        .expect("lock");
    let expr = format!(
        "builtins.fetchTarball {{ url = \"file://{}\"; name = \"proj\"; }}",
        lang_tarball("proj.tar.gz").display()
    );
    let nix = nix_writes(root, &expr).expect("nix-instantiate");
    let nest = nest_writes(root, &expr).expect("nest");
    clean(root);
    assert_eq!(nest.len(), 1, "{nest:?}");
    for (name, hash) in &nest {
        assert_eq!(
            nix.get(name),
            Some(hash),
            "nest wrote {name}; nix wrote {nix:?}"
        );
    }
}

#[test]
fn dry_run_writes_nothing() {
    let t = tempfile::tempdir().expect("tempdir");
    let cfg = StoreConfig {
        store_dir: t.path().join("store"),
        state_dir: t.path().join("var"),
    };
    let store = Arc::new(Store::open(&cfg).expect("open"));
    let req = EvalRequest {
        input: Input::Expr("derivation { name = \"x\"; system = \"x\"; builder = \"/bin/sh\"; s = builtins.toFile \"t\" \"t\"; }".into()),
        attr_path: String::new(),
        search_path: vec![],
        dry_run: true,
        show_trace: false,
        build: None,
    };
    let w = nest_glue::instantiate(store.clone(), req).expect("instantiate");
    assert_eq!(w.len(), 1);
    assert!(w[0].drv_path.ends_with("-x.drv"));
    assert!(store.all_valid().expect("list").is_empty());
}
