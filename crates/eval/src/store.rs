//! Store paths the evaluator computes (through `nest-nixcompat`): source paths of
//! `"${./p}"`/`builtins.path`/`filterSource` (NAR-hashed over `EvalIo`) and text paths
//! of `toFile`. Actually writing them is `EvalIo`'s business.

use crate::error::{EResult, ErrorKind, EvalError};
use crate::eval::Eval;
use crate::io::FileType;
use crate::source::Pos;
use crate::value::Value;
use nest_nixcompat::nar::{NarMetadata, NarSource};
use nest_nixcompat::{HashAlgo, StoreDir};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;

#[derive(Debug)]
pub enum AdapterError {
    Io(std::io::Error),
    Eval(Box<EvalError>),
}

impl From<std::io::Error> for AdapterError {
    fn from(e: std::io::Error) -> Self {
        AdapterError::Io(e)
    }
}

/// Serves NAR input from `EvalIo`, with an optional Nix filter function
/// (`path: type: bool`).
struct Adapter<'a> {
    ev: &'a mut Eval,
    filter: Option<Value>,
    pos: Pos,
}

fn ioe(e: crate::io::IoError) -> AdapterError {
    AdapterError::Io(std::io::Error::other(e.to_string()))
}

impl NarSource for Adapter<'_> {
    type Error = AdapterError;

    fn metadata(&mut self, path: &Path) -> Result<NarMetadata, AdapterError> {
        let p = path.to_string_lossy();
        let (t, exec, size) = self.ev.io.lstat(&p).map_err(ioe)?;
        Ok(match t {
            FileType::Regular => NarMetadata::Regular {
                executable: exec,
                size,
            },
            FileType::Directory => NarMetadata::Directory,
            FileType::Symlink => NarMetadata::Symlink {
                target: OsString::from(self.ev.io.read_link(&p).map_err(ioe)?),
            },
            FileType::Unknown => {
                return Err(AdapterError::Io(std::io::Error::other(format!(
                    "file '{p}' has an unsupported type"
                ))))
            }
        })
    }

    fn read_dir(&mut self, path: &Path) -> Result<Vec<OsString>, AdapterError> {
        let p = path.to_string_lossy();
        Ok(self
            .ev
            .io
            .read_dir(&p)
            .map_err(ioe)?
            .into_iter()
            .map(|(n, _)| OsString::from(n))
            .collect())
    }

    fn copy_contents(&mut self, path: &Path, out: &mut dyn Write) -> Result<(), AdapterError> {
        let bytes = self.ev.io.read_file(&path.to_string_lossy()).map_err(ioe)?;
        out.write_all(&bytes)?;
        Ok(())
    }

    fn include(&mut self, path: &Path, md: &NarMetadata) -> Result<bool, AdapterError> {
        let Some(f) = self.filter.clone() else {
            return Ok(true);
        };
        let r = (|| {
            // Nix passes the path to the filter as a string.
            let g = self
                .ev
                .apply(&f, Value::string(path.to_string_lossy()), self.pos)?;
            let b = self.ev.call(&g, Value::string(md.type_name()), self.pos)?;
            self.ev.expect_bool(&b, self.pos)
        })();
        r.map_err(AdapterError::Eval)
    }
}

fn eerr(msg: impl Into<String>, pos: Pos) -> Box<EvalError> {
    EvalError::new(ErrorKind::Eval, msg, pos)
}

/// A store path error, its message's bytes as Nix writes them (an illegal byte of a
/// name raw; see `StorePathError::message_bytes`).
pub(crate) fn store_path_err(
    e: &nest_nixcompat::store_path::StorePathError,
    pos: Pos,
) -> Box<EvalError> {
    EvalError::new_bytes(ErrorKind::Eval, e.message_bytes(), pos)
}

/// `store_path_err` of a path computation's error.
fn path_err(e: &nest_nixcompat::paths::PathError, pos: Pos) -> Box<EvalError> {
    match e {
        nest_nixcompat::paths::PathError::StorePath(e) => store_path_err(e, pos),
        e => eerr(e.to_string(), pos),
    }
}

pub fn store_dir(ev: &Eval, pos: Pos) -> EResult<StoreDir> {
    let mut cache = ev.parsed_store_dir.borrow_mut();
    if let Some((text, dir)) = &*cache {
        if *text == ev.opts.store_dir {
            return Ok(dir.clone());
        }
    }
    let dir = StoreDir::new(&ev.opts.store_dir).map_err(|e| eerr(e.to_string(), pos))?;
    *cache = Some((ev.opts.store_dir.clone(), dir.clone()));
    Ok(dir)
}

/// Adds `path` to the store as `name` (recursive NAR ingestion, optionally filtered)
/// and returns the store path.
pub fn add_path(
    ev: &mut Eval,
    path: &str,
    name: &str,
    filter: Option<Value>,
    pos: Pos,
) -> EResult<String> {
    let dir = store_dir(ev, pos)?;
    if ev.io.file_type(path).is_none() {
        return Err(eerr(crate::builtins::io::stat_failure(ev, path), pos));
    }
    let adapter_err = |e: AdapterError| match e {
        AdapterError::Eval(e) => e,
        AdapterError::Io(e) => eerr(e.to_string(), pos),
    };
    // A filtered tree cannot be copied from `path` later without running the filter
    // again (which may be impure or costly): when the store is really written, keep
    // the NAR the filter produced and hand that over.
    let keep_nar = filter.is_some() && ev.io.writes_store();
    let (hash, nar) = {
        let mut a = Adapter { ev, filter, pos };
        if keep_nar {
            let nar =
                nest_nixcompat::nar::dump_to_vec(&mut a, Path::new(path)).map_err(adapter_err)?;
            (HashAlgo::Sha256.digest(&nar), Some(nar))
        } else {
            let (h, _) = nest_nixcompat::nar::nar_hash(&mut a, Path::new(path), HashAlgo::Sha256)
                .map_err(adapter_err)?;
            (h, None)
        }
    };
    let sp =
        nest_nixcompat::paths::source_path(&dir, name, &hash).map_err(|e| path_err(&e, pos))?;
    let printed = dir.print(&sp);
    match nar {
        Some(nar) => ev.io.store_add_nar(&printed, &nar),
        None => ev.io.store_add_path(path, &printed),
    }
    .map_err(|e| eerr(e.to_string(), pos))?;
    Ok(printed)
}

/// `builtins.path { recursive = false; }`: the file's flat hash, as a fixed-output path.
pub fn add_path_flat(ev: &mut Eval, path: &str, name: &str, pos: Pos) -> EResult<String> {
    let dir = store_dir(ev, pos)?;
    let bytes = ev
        .io
        .read_file(path)
        .map_err(|e| eerr(e.to_string(), pos))?;
    let hash = HashAlgo::Sha256.digest(&bytes);
    let foh = nest_nixcompat::FixedOutputHash {
        method: nest_nixcompat::FileIngestionMethod::Flat,
        hash,
    };
    let sp =
        nest_nixcompat::paths::make_fixed_output_path(&dir, &foh, name, &BTreeSet::new(), false)
            .map_err(|e| path_err(&e, pos))?;
    let printed = dir.print(&sp);
    ev.io
        .store_add_path(path, &printed)
        .map_err(|e| eerr(e.to_string(), pos))?;
    Ok(printed)
}

/// `builtins.toFile name text` with `refs` (plain store paths from the context).
pub fn add_text(
    ev: &mut Eval,
    name: &str,
    text: &[u8],
    refs: &[String],
    pos: Pos,
) -> EResult<String> {
    let dir = store_dir(ev, pos)?;
    let mut set = BTreeSet::new();
    for r in refs {
        set.insert(dir.parse(r).map_err(|e| eerr(e.to_string(), pos))?);
    }
    let sp = nest_nixcompat::paths::text_path(&dir, name, text, &set)
        .map_err(|e| store_path_err(&e, pos))?;
    let printed = dir.print(&sp);
    ev.io
        .store_add_text(&printed, text, refs)
        .map_err(|e| eerr(e.to_string(), pos))?;
    Ok(printed)
}
