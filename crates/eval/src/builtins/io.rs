//! Builtins that reach files, the environment or the store (all through `EvalIo`):
//! `import scopedImport readFile readDir pathExists getEnv findFile toPath storePath path
//! filterSource toFile placeholder hashFile` (the `fetch*` family is in `fetch`).

use super::make_attrs;
use crate::error::{err, AddTrace, EResult, ErrorKind, EvalError};
use crate::eval::{canon_path, Eval};
use crate::io::FileType;
use crate::prim;
use crate::source::{Origin, Pos};
use crate::symbol::Sym;
use crate::value::{Attr, Attrs, Context, Env, PrimOp, Value};

pub static OPS: &[PrimOp] = &[
    prim!("import", 1, import),
    prim!("scopedImport", 2, scoped_import),
    prim!("readFile", 1, read_file),
    prim!("readDir", 1, read_dir),
    prim!("pathExists", 1, path_exists),
    prim!("getEnv", 1, get_env),
    prim!("findFile", 2, find_file),
    prim!("toPath", 1, to_path),
    prim!("storePath", 1, store_path),
    prim!("path", 1, path),
    prim!("filterSource", 2, filter_source),
    prim!("toFile", 2, to_file),
    prim!("placeholder", 1, placeholder),
    prim!("hashFile", 2, hash_file),
];

/// Nix 2.8's system errors carry no position.
fn io_err(e: crate::io::IoError) -> Box<EvalError> {
    EvalError::new(ErrorKind::Eval, e.to_string(), Pos::NONE)
}

/// The path argument of `import`, `readFile` and the others that go through Nix 2.8's
/// `realisePath`, which adds a trace frame to any error of the coercion. A string is
/// taken as written, not made canonical: the file system reads it (`"/a/file/."` is
/// not a file, `"/gone/../a"` does not exist), as in Nix.
fn realise_path(ev: &mut Eval, v: &Value, pos: Pos) -> EResult<String> {
    coerce_to_path_as_written(ev, v, pos)
        .map(|(p, _)| p)
        .trace(pos, || "while realising the context of a path".to_string())
}

/// A path argument: a path value, or a string holding an absolute path, made
/// canonical.
pub fn coerce_to_path(ev: &mut Eval, v: &Value, pos: Pos) -> EResult<(String, Context)> {
    coerce_to_path_as_written(ev, v, pos).map(|(p, ctx)| (canon_path(&p), ctx))
}

/// A path argument as written (path values are canonical already).
fn coerce_to_path_as_written(ev: &mut Eval, v: &Value, pos: Pos) -> EResult<(String, Context)> {
    let (s, ctx) = ev.coerce_to_bytes(v, pos, false, false)?;
    if !s.starts_with(b"/") {
        let mut msg = b"string '".to_vec();
        msg.extend_from_slice(&s);
        msg.extend_from_slice(b"' doesn't represent an absolute path");
        return Err(EvalError::new_bytes(ErrorKind::Eval, msg, pos));
    }
    Ok((String::from_utf8_lossy(&s).into_owned(), ctx))
}

/// The message of a failed `stat` of `p`, with the system's reason (`Not a directory`
/// when a component is a file).
pub(crate) fn stat_failure(ev: &Eval, p: &str) -> String {
    match ev.io.lstat(p) {
        Err(e) => e.to_string(),
        Ok(_) => format!("getting status of '{p}': No such file or directory"),
    }
}

fn read_source(ev: &mut Eval, path: &str) -> EResult<(String, String)> {
    let Some((p, bytes)) = ev.io.read_source(path).map_err(io_err)? else {
        return err(stat_failure(ev, path), Pos::NONE);
    };
    // Read as written; known (cached, in positions, relative paths) by its canonical
    // name.
    let p = canon_path(&p);
    // Valid UTF-8 (nearly every file) is taken as is: no lossy pass, no copy.
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok((p, text))
}

fn dir_name(p: &str) -> String {
    match p.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => p[..i].to_string(),
    }
}

/// `import path`: parsed and evaluated once per file. For the file a program is
/// given (no "while evaluating the file" frame, as nix-instantiate's own file has none).
pub fn import_file(ev: &mut Eval, path: &str, _pos: Pos) -> EResult<Value> {
    import_file_with(ev, path, false)
}

fn import_file_with(ev: &mut Eval, path: &str, file_frame: bool) -> EResult<Value> {
    if let Some(v) = ev.import_cache.get(path) {
        return Ok(v.clone());
    }
    let (real, text) = read_source(ev, path)?;
    if let Some(v) = ev.import_cache.get(&real) {
        let v = v.clone();
        ev.import_cache.insert(path.to_string(), v.clone());
        return Ok(v);
    }
    let e = ev.compile(text, Origin::File(real.clone()), &dir_name(&real))?;
    let v = match ev.eval_root(e) {
        Err(mut e) if file_frame => {
            // Nix 2.8's evalFile, which `import` goes through, adds this frame.
            e.add_trace(Pos::NONE, format!("while evaluating the file '{real}':"));
            return Err(e);
        }
        r => r?,
    };
    ev.import_cache.insert(real, v.clone());
    ev.import_cache.insert(path.to_string(), v.clone());
    Ok(v)
}

fn import(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let p = realise_path(ev, &a[0], pos)?;
    import_file_with(ev, &p, true)
}

fn scoped_import(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let p = realise_path(ev, &a[1], pos)?;
    let scope = ev.expect_attrs(&a[0], pos)?;
    let (real, text) = read_source(ev, &p)?;
    let (file, src) = crate::source::add_source_owned(Origin::File(real.clone()), text);
    let names: Vec<Sym> = scope.entries().iter().map(|e| e.name).collect();
    let e = crate::lower::parse_and_lower_scoped(
        &src.text,
        file,
        &dir_name(&real),
        &ev.globals,
        &names,
    )?;
    let env = Env::with_values(None, scope.entries().iter().map(|e| e.value()).collect());
    ev.eval(e, &env)
}

fn read_file(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let p = realise_path(ev, &a[0], pos)?;
    if ev.io.file_type_follow(&p) == Some(FileType::Directory) {
        return err("reading from file: Is a directory", Pos::NONE);
    }
    let bytes = ev.io.read_file(&p).map_err(io_err)?;
    // The file's bytes as they are, UTF-8 or not.
    Ok(Value::string_bytes(bytes, crate::value::Context::default()))
}

fn read_dir(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let p = realise_path(ev, &a[0], pos)?;
    let entries = ev.io.read_dir(&p).map_err(io_err)?;
    let mut attrs = Vec::with_capacity(entries.len());
    for (name, t) in entries {
        let t = if t == FileType::Unknown {
            ev.io
                .file_type(&format!("{p}/{name}"))
                .unwrap_or(FileType::Unknown)
        } else {
            t
        };
        // The name's bytes as they are, UTF-8 or not.
        attrs.push(Attr::new(
            Sym::from_bytes(&crate::text::decode(&name)),
            Value::string(t.as_nix()),
            Pos::NONE,
        ));
    }
    Ok(Value::attrs(Attrs::from_unsorted(attrs)))
}

fn path_exists(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let p = realise_path(ev, &a[0], pos)?;
    Ok(Value::Bool(ev.io.file_type_follow(&p).is_some()))
}

fn get_env(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let n = ev.force_str_no_ctx(&a[0], pos)?;
    let v = ev.io.get_env(&n).unwrap_or_default();
    // The value's bytes as they are, UTF-8 or not.
    Ok(Value::string_bytes(
        &*crate::text::decode(&v),
        crate::value::Context::default(),
    ))
}

/// The `nixPath` / `__nixPath` value: a list of `{ path; prefix; }`.
pub fn nix_path_value(sp: &[(String, String)]) -> Value {
    Value::list(
        sp.iter()
            .map(|(prefix, path)| {
                make_attrs(vec![
                    ("path", Value::string(path.clone())),
                    ("prefix", Value::string(prefix.clone())),
                ])
            })
            .collect(),
    )
}

fn resolve_in(ev: &mut Eval, entries: &[(String, String)], name: &str) -> Option<String> {
    for (prefix, path) in entries {
        let rest = if prefix.is_empty() {
            Some(name.to_string())
        } else if name == prefix {
            Some(String::new())
        } else {
            name.strip_prefix(&format!("{prefix}/"))
                .map(|r| r.to_string())
        };
        let Some(rest) = rest else { continue };
        // The entry itself first, relative to the working directory; a missing one is
        // skipped with a warning, once per entry (URLs are not fetched: skipped).
        let wd = &ev.opts.working_dir;
        let base = if path.starts_with('/') || wd.is_empty() || path.contains("://") {
            path.clone()
        } else {
            canon_path(&format!("{wd}/{path}"))
        };
        if ev.io.file_type_follow(&base).is_none() {
            if !path.contains("://") && ev.missing_search_entries.insert(path.clone()) {
                let w = format!("warning: Nix search path entry '{path}' does not exist, ignoring");
                ev.io.trace(w.as_bytes());
            }
            continue;
        }
        let cand = if rest.is_empty() {
            base
        } else {
            format!("{base}/{rest}")
        };
        if ev.io.file_type_follow(&cand).is_some() {
            return Some(canon_path(&cand));
        }
    }
    None
}

/// A search-path miss: thrown (Nix 2.8 throws it as `throw` does, so `tryEval` catches
/// it, which is how expressions test for `<nixpkgs>`).
fn not_found(name: &str, pos: Pos) -> Box<EvalError> {
    EvalError::new(
        ErrorKind::Throw,
        format!(
            "file '{name}' was not found in the Nix search path (add it using $NIX_PATH or -I)"
        ),
        pos,
    )
}

/// `<name>` syntax.
pub fn find_in_search_path(ev: &mut Eval, name: &str, pos: Pos) -> EResult<Value> {
    let sp = ev.opts.search_path.clone();
    match resolve_in(ev, &sp, name) {
        Some(p) => Ok(Value::path(p)),
        None => Err(not_found(name, pos)),
    }
}

fn find_file(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let l = ev.expect_list(&a[0], pos)?;
    let mut entries = Vec::new();
    for item in l.iter() {
        let s = ev.expect_attrs(item, pos)?;
        let prefix = match s.get(Sym::new("prefix")) {
            Some(p) => ev.force_str(&p, pos)?,
            None => String::new(),
        };
        let Some(path) = s.get(Sym::new("path")) else {
            return err(
                "attribute 'path' missing for call to 'findFile'",
                s.pos().or(pos),
            );
        };
        let (path, _) = ev.coerce_to_string(&path, pos, false, false)?;
        entries.push((prefix, path));
    }
    // Nix 2.8 reads the whole search path before the name.
    let name = ev.force_str_no_ctx(&a[1], pos)?;
    match resolve_in(ev, &entries, &name) {
        Some(p) => Ok(Value::path(p)),
        None => Err(not_found(&name, pos)),
    }
}

fn to_path(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let (p, ctx) = coerce_to_path(ev, &a[0], pos)?;
    Ok(Value::string_ctx(p, ctx))
}

fn store_path(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let (p, mut ctx) = coerce_to_path(ev, &a[0], pos)?;
    let dir = format!("{}/", ev.opts.store_dir);
    let Some(rest) = p.strip_prefix(&dir) else {
        // Nix 2.8 first canonicalises the path, resolving symlinks, which fails at the
        // first component that does not exist.
        let mut prefix = String::new();
        for c in p.split('/').filter(|c| !c.is_empty()) {
            prefix.push('/');
            prefix.push_str(c);
            if ev.io.file_type(&prefix).is_none() {
                return err(stat_failure(ev, &prefix), Pos::NONE);
            }
        }
        return err(format!("path '{p}' is not in the Nix store"), pos);
    };
    let top = match rest.find('/') {
        Some(i) => format!("{dir}{}", &rest[..i]),
        None => p.clone(),
    };
    ctx.insert(std::rc::Rc::from(top.as_str()));
    Ok(Value::string_ctx(p, ctx))
}

/// Copies a path to the store (through `EvalIo`) and returns the store path.
/// Its errors carry no position: in Nix 2.8 they are the store's, not the evaluator's.
pub fn copy_path_to_store(ev: &mut Eval, path: &str, _pos: Pos) -> EResult<String> {
    if let Some(v) = ev.path_cache.get(path) {
        return Ok(v.clone());
    }
    let name = path.rsplit('/').next().unwrap_or("source").to_string();
    let sp = crate::store::add_path(ev, path, &name, None, Pos::NONE)?;
    ev.path_cache.insert(path.to_string(), sp.clone());
    Ok(sp)
}

fn path(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    use nest_nixcompat::{Hash, HashAlgo};
    let args = ev.expect_attrs(&a[0], pos)?;
    let (mut p, mut name, mut filter, mut recursive, mut expected) = (None, None, None, true, None);
    for attr in args.entries().iter() {
        let apos = attr.pos().or(pos);
        match attr.name.as_str() {
            "path" => p = Some(coerce_to_path(ev, &attr.value(), apos)?.0),
            "name" => name = Some(ev.force_str_no_ctx(&attr.value(), apos)?),
            // Forced, not checked: a filter that is no function fails when called.
            "filter" => filter = Some(ev.force(&attr.value())?),
            "recursive" => recursive = ev.expect_bool(&attr.value(), apos)?,
            "sha256" => {
                let h = ev.force_str(&attr.value(), apos)?;
                let h = Hash::parse_any(&h, Some(HashAlgo::Sha256))
                    .map_err(|e| EvalError::new(ErrorKind::Eval, e.to_string(), Pos::NONE))?;
                expected = Some(h);
            }
            other => return err(format!("unsupported argument '{other}' to 'addPath'"), apos),
        }
    }
    let Some(p) = p else {
        return err("'path' required", pos);
    };
    // An empty name is no name: the path's own (as Nix 2.8 has it).
    let name = name
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| p.rsplit('/').next().unwrap_or("source").to_string());
    let sp = add_path_traced(ev, &p, &name, filter, recursive, expected, pos)?;
    let mut ctx = Context::default();
    ctx.insert(std::rc::Rc::from(sp.as_str()));
    Ok(Value::string_ctx(sp, ctx))
}

/// Nix 2.8's `addPath` (under `path` and `filterSource`): any error gets the frame
/// "while adding path"; the store's own errors carry no position.
fn add_path_traced(
    ev: &mut Eval,
    p: &str,
    name: &str,
    filter: Option<Value>,
    recursive: bool,
    expected: Option<nest_nixcompat::Hash>,
    pos: Pos,
) -> EResult<String> {
    let added = (|| -> EResult<String> {
        use nest_nixcompat::FileIngestionMethod;
        if ev.io.file_type(p).is_none() {
            return err(stat_failure(ev, p), Pos::NONE);
        }
        // Only the filter's errors have the call's position.
        let store_pos = if filter.is_some() { pos } else { Pos::NONE };
        let sp = if recursive {
            crate::store::add_path(ev, p, name, filter, store_pos)?
        } else {
            if ev.io.file_type_follow(p) == Some(FileType::Directory) {
                return err("reading from file: Is a directory", Pos::NONE);
            }
            crate::store::add_path_flat(ev, p, name, Pos::NONE)?
        };
        if let Some(hash) = expected {
            let dir = crate::store::store_dir(ev, Pos::NONE)?;
            let method = if recursive {
                FileIngestionMethod::Recursive
            } else {
                FileIngestionMethod::Flat
            };
            let want = nest_nixcompat::paths::make_fixed_output_path(
                &dir,
                &nest_nixcompat::FixedOutputHash { method, hash },
                name,
                &Default::default(),
                false,
            )
            .map_err(|e| EvalError::new(ErrorKind::Eval, e.to_string(), Pos::NONE))?;
            if dir.print(&want) != sp {
                return err(
                    format!("store path mismatch in (possibly filtered) path added from '{p}'"),
                    Pos::NONE,
                );
            }
        }
        Ok(sp)
    })();
    added.trace(pos, || format!("while adding path '{p}'"))
}

fn filter_source(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    // Nix 2.8 coerces the path before it looks at the filter.
    let (p, _) = coerce_to_path(ev, &a[1], pos)?;
    let f = ev.force(&a[0])?;
    if !f.is_function() {
        return err(
            format!(
                "first argument in call to 'filterSource' is not a function but {}",
                f.type_phrase()
            ),
            pos,
        );
    }
    let name = p.rsplit('/').next().unwrap_or("source").to_string();
    let sp = add_path_traced(ev, &p, &name, Some(f), true, None, pos)?;
    let mut ctx = Context::default();
    ctx.insert(std::rc::Rc::from(sp.as_str()));
    Ok(Value::string_ctx(sp, ctx))
}

fn to_file(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let name = ev.force_str_no_ctx(&a[0], pos)?;
    let text = ev.expect_string(&a[1], pos)?;
    let mut refs = Vec::new();
    for c in text.ctx().0.iter() {
        if c.starts_with('=') || c.starts_with('!') {
            return err(
                format!("in 'toFile': the file named '{name}' must not contain a reference to a derivation but contains ({c})"),
                pos,
            );
        }
        refs.push(c.to_string());
    }
    // Nix 2.8's errors of adding to the store (a bad name, a bad reference) carry
    // no position.
    let sp = crate::store::add_text(ev, &name, text.as_bytes(), &refs, Pos::NONE)?;
    let mut ctx = Context::default();
    ctx.insert(std::rc::Rc::from(sp.as_str()));
    Ok(Value::string_ctx(sp, ctx))
}

fn placeholder(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    use sha2::Digest;
    let out = ev.expect_string_no_ctx(&a[0], pos)?;
    let h = sha2::Sha256::digest([&b"nix-output:"[..], out.as_bytes()].concat());
    Ok(Value::string(format!(
        "/{}",
        nest_nixcompat::nixbase32::encode(&h)
    )))
}

fn hash_file(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let algo = super::strings::hash_algo(ev.expect_string_no_ctx(&a[0], pos)?.as_bytes())?;
    let p = realise_path(ev, &a[1], pos)?;
    let bytes = ev.io.read_file(&p).map_err(io_err)?;
    Ok(Value::string(algo.digest(&bytes).to_base16()))
}
