//! The `fetch*` builtins. nest evaluates offline: only local `file://` URLs are
//! fetched (read through `EvalIo`), with Nix 2.8's arguments, names, store paths and
//! `sha256` checks; `fetchTarball` unpacks gzip-compressed or plain tar archives in
//! memory. Any other URL is a clear error.

use crate::error::{err, EResult, ErrorKind, EvalError};
use crate::eval::{canon_path, Eval};
use crate::io::{FileType, TreeOverlay};
use crate::prim;
use crate::source::Pos;
use crate::value::{Context, PrimOp, Value};
use nest_nixcompat::nar::NarNode;
use nest_nixcompat::{Hash, HashAlgo, HashEncoding};
use std::collections::BTreeMap;
use std::io::Read;
use std::rc::Rc;

pub static OPS: &[PrimOp] = &[
    prim!("fetchurl", 1, |ev, a, pos| fetch(ev, a, pos, Kind::Url)),
    prim!("fetchTarball", 1, |ev, a, pos| fetch(
        ev,
        a,
        pos,
        Kind::Tarball
    )),
    prim!("fetchGit", 1, |ev, a, pos| fetch_other(
        ev, a, pos, "fetchGit"
    )),
    prim!("fetchMercurial", 1, |ev, a, pos| fetch_other(
        ev,
        a,
        pos,
        "fetchMercurial"
    )),
    prim!("fetchTree", 1, |ev, a, pos| fetch_other(
        ev,
        a,
        pos,
        "fetchTree"
    )),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Url,
    Tarball,
}

impl Kind {
    fn who(self) -> &'static str {
        match self {
            Kind::Url => "fetchurl",
            Kind::Tarball => "fetchTarball",
        }
    }
}

fn eerr(msg: impl Into<String>, pos: Pos) -> Box<EvalError> {
    EvalError::new(ErrorKind::Eval, msg, pos)
}

fn store_string(p: String) -> Value {
    let mut ctx = Context::default();
    ctx.insert(Rc::from(p.as_str()));
    Value::string_ctx(p, ctx)
}

/// `fetchurl` and `fetchTarball`: a URL string or `{ url; name ? …; sha256 ? …; }`.
fn fetch(ev: &mut Eval, a: &[Value], pos: Pos, kind: Kind) -> EResult<Value> {
    let v = ev.force(&a[0])?;
    let mut url = None;
    let mut name = None;
    let mut expected = None;
    match &v {
        Value::Attrs(s) => {
            for attr in s.entries().iter() {
                let apos = attr.pos().or(pos);
                match attr.name.as_str() {
                    "url" => url = Some(ev.force_str_no_ctx(&attr.value(), apos)?),
                    "name" => name = Some(ev.force_str(&attr.value(), apos)?),
                    "sha256" => {
                        let text = ev.force_str(&attr.value(), apos)?;
                        expected = Some(if text.is_empty() {
                            Hash::zero(HashAlgo::Sha256)
                        } else {
                            Hash::parse_any(&text, Some(HashAlgo::Sha256))
                                .map_err(|e| eerr(e.to_string(), Pos::NONE))?
                        });
                    }
                    other => {
                        return err(
                            format!("unsupported argument '{other}' to '{}'", kind.who()),
                            apos,
                        );
                    }
                }
            }
        }
        other => url = Some(ev.force_str_no_ctx(other, pos)?),
    }
    let Some(url) = url else {
        return err("'url' argument required", pos);
    };
    let Some(local) = url.strip_prefix("file://") else {
        return err(
            format!("'{}' cannot fetch '{url}': fetching is not available (offline evaluator); use a local file:// URL", kind.who()),
            pos,
        );
    };
    let local = local.to_string();
    if kind == Kind::Tarball && ev.io.file_type_follow(&local) == Some(FileType::Directory) {
        // A local directory stands for its own unpacked contents.
        return Ok(Value::path(canon_path(&local)));
    }
    if ev.io.file_type_follow(&local) != Some(FileType::Regular) {
        return err(
            format!("unable to download '{url}': Couldn't read a file:// file (37)"),
            Pos::NONE,
        );
    }
    let name = match (name, kind) {
        (Some(n), _) => n,
        (None, Kind::Tarball) => "source".to_string(),
        (None, Kind::Url) => url.rsplit('/').next().unwrap_or_default().to_string(),
    };
    let mismatch = |got: &Hash, want: &Hash| {
        eerr(
            format!(
                "hash mismatch in file downloaded from '{url}':\n  specified: {}\n  got:       {}",
                want.to_string_as(HashEncoding::Nixbase32, true),
                got.to_string_as(HashEncoding::Nixbase32, true)
            ),
            Pos::NONE,
        )
    };
    match kind {
        Kind::Url => {
            let bytes = ev
                .io
                .read_file(&local)
                .map_err(|e| eerr(e.to_string(), pos))?;
            let got = HashAlgo::Sha256.digest(&bytes);
            if let Some(want) = &expected {
                if *want != got {
                    return Err(mismatch(&got, want));
                }
            }
            crate::store::add_path_flat(ev, &local, &name, pos).map(store_string)
        }
        Kind::Tarball => {
            let bytes = ev
                .io
                .read_file(&local)
                .map_err(|e| eerr(e.to_string(), pos))?;
            let tree =
                unpack(&bytes).map_err(|e| eerr(format!("unpacking '{url}': {e}"), Pos::NONE))?;
            let NarNode::Directory { mut entries } = tree else {
                return Err(eerr(
                    format!("unpacking '{url}': not an archive"),
                    Pos::NONE,
                ));
            };
            let top = match (entries.len(), entries.pop_first()) {
                (1, Some((_, top))) => top,
                _ => {
                    return Err(eerr(
                        format!("tarball '{url}' contains an unexpected number of top-level files"),
                        Pos::NONE,
                    ))
                }
            };
            let nar = top.to_nar();
            let got = HashAlgo::Sha256.digest(&nar);
            if let Some(want) = &expected {
                if *want != got {
                    return Err(mismatch(&got, want));
                }
            }
            let dir = crate::store::store_dir(ev, pos)?;
            let sp = nest_nixcompat::paths::source_path(&dir, &name, &got)
                .map_err(|e| eerr(e.to_string(), pos))?;
            let printed = dir.print(&sp);
            if ev.io.writes_store() {
                ev.io
                    .store_add_nar(&printed, &nar)
                    .map_err(|e| eerr(e.to_string(), pos))?;
            }
            let tree = Rc::new(top);
            if !ev.io.add_tree(&printed, tree.clone()) {
                let inner = std::mem::replace(&mut ev.io, Box::new(crate::io::MemIo::default()));
                ev.io = Box::new(TreeOverlay::new(inner));
                ev.io.add_tree(&printed, tree);
            }
            Ok(store_string(printed))
        }
    }
}

fn fetch_other(ev: &mut Eval, a: &[Value], pos: Pos, who: &str) -> EResult<Value> {
    let v = ev.force(&a[0])?;
    let url = match &v {
        Value::Attrs(s) => match s.get(crate::symbol::Sym::new("url")) {
            Some(u) => ev.coerce_to_string(&u, pos, false, false)?.0,
            None => String::new(),
        },
        other => ev.coerce_to_string(other, pos, false, false)?.0,
    };
    if let Some(local) = url.strip_prefix("file://") {
        if ev.io.file_type_follow(local) == Some(FileType::Directory) {
            return Ok(Value::path(canon_path(local)));
        }
    }
    err(format!("'{who}' cannot fetch '{url}': fetching is not available (offline evaluator); use a local file:// URL"), pos)
}

/// Unpacks a tar archive, gzip-compressed or not, into a directory tree in memory.
/// Entries that would land outside the archive's root (`..`) are refused, as Nix's
/// extraction refuses them; device files and FIFOs, which no store path can hold,
/// too.
pub fn unpack(bytes: &[u8]) -> Result<NarNode, String> {
    let data: Vec<u8>;
    let raw: &[u8] = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| format!("gzip: {e}"))?;
        data = out;
        &data
    } else {
        bytes
    };
    let mut root = NarNode::Directory {
        entries: BTreeMap::new(),
    };
    let mut archive = tar::Archive::new(raw);
    let entries = archive.entries().map_err(|e| e.to_string())?;
    for entry in entries {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path_bytes().into_owned();
        let comps = components(&path)?;
        let header = entry.header();
        let ty = header.entry_type();
        let node = if ty.is_dir() {
            NarNode::Directory {
                entries: BTreeMap::new(),
            }
        } else if ty.is_file()
            || ty == tar::EntryType::Continuous
            || ty == tar::EntryType::GNUSparse
        {
            let executable = header.mode().map_err(|e| e.to_string())? & 0o100 != 0;
            let mut contents = Vec::new();
            entry
                .read_to_end(&mut contents)
                .map_err(|e| e.to_string())?;
            NarNode::Regular {
                executable,
                contents,
            }
        } else if ty.is_symlink() {
            let target = entry
                .link_name_bytes()
                .ok_or("symlink without a target")?
                .into_owned();
            NarNode::Symlink { target }
        } else if ty.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .ok_or("hard link without a target")?
                .into_owned();
            let tcomps = components(&target)?;
            match get(&root, &tcomps) {
                Some(n @ NarNode::Regular { .. }) => n.clone(),
                _ => {
                    return Err(format!(
                        "hard link to '{}', which is not a file unpacked before it",
                        String::from_utf8_lossy(&target)
                    ))
                }
            }
        } else if ty.is_pax_global_extensions()
            || ty.is_pax_local_extensions()
            || ty.is_gnu_longname()
            || ty.is_gnu_longlink()
        {
            continue;
        } else {
            return Err(format!(
                "'{}' has a file type a store path cannot hold",
                String::from_utf8_lossy(&path)
            ));
        };
        if comps.is_empty() {
            // `./` itself: only a directory can be the archive's root.
            if matches!(node, NarNode::Directory { .. }) {
                continue;
            }
            return Err("an archive member without a name".into());
        }
        insert(&mut root, &comps, node);
    }
    Ok(root)
}

fn components(path: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for c in path.split(|b| *b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                return Err(format!(
                    "'{}' points outside the archive",
                    String::from_utf8_lossy(path)
                ))
            }
            c => out.push(c.to_vec()),
        }
    }
    Ok(out)
}

fn get<'a>(root: &'a NarNode, comps: &[Vec<u8>]) -> Option<&'a NarNode> {
    let mut n = root;
    for c in comps {
        match n {
            NarNode::Directory { entries } => n = entries.get(c)?,
            _ => return None,
        }
    }
    Some(n)
}

/// Puts `node` at `comps`, creating parent directories; a later member replaces an
/// earlier one, except that a directory met again keeps what it already holds.
fn insert(root: &mut NarNode, comps: &[Vec<u8>], node: NarNode) {
    let mut cur = root;
    for (i, c) in comps.iter().enumerate() {
        if !matches!(cur, NarNode::Directory { .. }) {
            *cur = NarNode::Directory {
                entries: BTreeMap::new(),
            };
        }
        let NarNode::Directory { entries } = cur else {
            return;
        };
        if i + 1 == comps.len() {
            let keep = matches!(
                (entries.get(c), &node),
                (Some(NarNode::Directory { .. }), NarNode::Directory { .. })
            );
            if !keep {
                entries.insert(c.clone(), node);
            }
            return;
        }
        cur = entries
            .entry(c.clone())
            .or_insert_with(|| NarNode::Directory {
                entries: BTreeMap::new(),
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_with(path: &[u8], data: &[u8]) -> Vec<u8> {
        // Written by hand: the tar crate's builder refuses `..`, which is the point.
        let mut h = [0u8; 512];
        h[..path.len()].copy_from_slice(path);
        h[100..108].copy_from_slice(b"0000644\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
        h[136..148].copy_from_slice(b"00000000000\0");
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        let mut out = h.to_vec();
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512 + 1024, 0);
        out
    }

    #[test]
    fn unpacks_a_plain_tar() {
        let t = unpack(&tar_with(b"top/f.txt", b"hi")).expect("unpack");
        let NarNode::Directory { entries } = t else {
            panic!("root is not a directory")
        };
        let Some(NarNode::Directory { entries: top }) = entries.get(b"top".as_slice()) else {
            panic!("no top dir")
        };
        assert_eq!(
            top.get(b"f.txt".as_slice()),
            Some(&NarNode::Regular {
                executable: false,
                contents: b"hi".to_vec()
            })
        );
    }

    #[test]
    fn refuses_members_outside_the_archive() {
        let e = unpack(&tar_with(b"../evil", b"x")).expect_err("must refuse ..");
        assert!(e.contains("outside the archive"), "{e}");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for input in [
            &b"not a tarball at all"[..],
            &[0x1f, 0x8b, 0, 1, 2][..],
            &[0u8; 100][..],
            &[0xffu8; 1024][..],
        ] {
            let _ = unpack(input);
        }
        assert!(unpack(&[0x1f, 0x8b, 0, 1, 2]).is_err());
    }
}
