//! `builtins.nestElfInfo` (nest's own, not in Nix): what the dynamic loader reads of an
//! ELF file (interpreter, `DT_NEEDED`, `DT_SONAME`, `DT_RPATH`, `DT_RUNPATH`, class and
//! machine), so that `pkgs.hostPackage` can follow a host program's shared-library
//! closure at evaluation time, where a dry run can still compute every store path.

use super::make_attrs;
use crate::error::{err, EResult};
use crate::eval::{canon_path, Eval};
use crate::io::FileType;
use crate::prim;
use crate::source::Pos;
use crate::value::{PrimOp, Value};

pub static OPS: &[PrimOp] = &[prim!("nestElfInfo", 1, elf_info)];

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const DT_SONAME: u64 = 14;
const DT_RPATH: u64 = 15;
const DT_RUNPATH: u64 = 29;

/// The loader-relevant facts of one ELF file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    pub class: u8,
    pub machine: u16,
    pub elf_type: u16,
    pub interpreter: Option<String>,
    pub needed: Vec<String>,
    pub soname: Option<String>,
    pub rpath: Option<String>,
    pub runpath: Option<String>,
}

/// A little- or big-endian reader over the file's bytes; every read is bounds-checked
/// because the file is whatever the host has.
struct Reader<'a> {
    b: &'a [u8],
    le: bool,
    wide: bool,
}

impl Reader<'_> {
    fn bytes(&self, off: u64, n: usize) -> Result<&[u8], String> {
        let start = usize::try_from(off).map_err(|_| format!("offset {off} out of range"))?;
        let end = start
            .checked_add(n)
            .ok_or_else(|| format!("offset {off} out of range"))?;
        self.b
            .get(start..end)
            .ok_or_else(|| format!("truncated at offset {off}"))
    }
    fn u16(&self, off: u64) -> Result<u16, String> {
        let s = self.bytes(off, 2)?;
        let a = [s[0], s[1]];
        Ok(if self.le {
            u16::from_le_bytes(a)
        } else {
            u16::from_be_bytes(a)
        })
    }
    fn u32(&self, off: u64) -> Result<u32, String> {
        let s = self.bytes(off, 4)?;
        let a = [s[0], s[1], s[2], s[3]];
        Ok(if self.le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }
    fn u64(&self, off: u64) -> Result<u64, String> {
        let s = self.bytes(off, 8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(if self.le {
            u64::from_le_bytes(a)
        } else {
            u64::from_be_bytes(a)
        })
    }
    /// An address-sized field (`ElfN_Addr`, `ElfN_Off`, `ElfN_Xword`).
    fn word(&self, off: u64) -> Result<u64, String> {
        if self.wide {
            self.u64(off)
        } else {
            self.u32(off).map(u64::from)
        }
    }
    fn cstr(&self, off: u64) -> Result<String, String> {
        let start =
            usize::try_from(off).map_err(|_| format!("string offset {off} out of range"))?;
        let rest = self
            .b
            .get(start..)
            .ok_or_else(|| format!("string offset {off} out of range"))?;
        let len = rest
            .iter()
            .position(|&c| c == 0)
            .ok_or_else(|| format!("unterminated string at offset {off}"))?;
        Ok(String::from_utf8_lossy(&rest[..len]).into_owned())
    }
}

/// An offset computed from the file's own fields: overflow means a corrupt file.
fn add(a: u64, b: u64) -> Result<u64, String> {
    a.checked_add(b)
        .ok_or_else(|| "an offset beyond the file".to_string())
}

struct Segment {
    kind: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
}

/// Parses `b`; `Ok(None)` when it is not an ELF file at all.
pub fn parse(b: &[u8]) -> Result<Option<ElfInfo>, String> {
    if b.len() < 16 || &b[..4] != b"\x7fELF" {
        return Ok(None);
    }
    let wide = match b[4] {
        1 => false,
        2 => true,
        c => return Err(format!("unknown ELF class {c}")),
    };
    let le = match b[5] {
        1 => true,
        2 => false,
        d => return Err(format!("unknown ELF data encoding {d}")),
    };
    let r = Reader { b, le, wide };
    let mut info = ElfInfo {
        class: if wide { 64 } else { 32 },
        elf_type: r.u16(16)?,
        machine: r.u16(18)?,
        ..ElfInfo::default()
    };
    let (phoff, phentsize, phnum) = if wide {
        (r.u64(32)?, r.u16(54)?, r.u16(56)?)
    } else {
        (u64::from(r.u32(28)?), r.u16(42)?, r.u16(44)?)
    };
    let mut segs = Vec::with_capacity(usize::from(phnum));
    for i in 0..u64::from(phnum) {
        let at = add(phoff, i * u64::from(phentsize))?;
        segs.push(if wide {
            Segment {
                kind: r.u32(at)?,
                offset: r.u64(add(at, 8)?)?,
                vaddr: r.u64(add(at, 16)?)?,
                filesz: r.u64(add(at, 32)?)?,
            }
        } else {
            Segment {
                kind: r.u32(at)?,
                offset: u64::from(r.u32(add(at, 4)?)?),
                vaddr: u64::from(r.u32(add(at, 8)?)?),
                filesz: u64::from(r.u32(add(at, 16)?)?),
            }
        });
    }
    if let Some(s) = segs.iter().find(|s| s.kind == PT_INTERP) {
        info.interpreter = Some(r.cstr(s.offset)?);
    }
    let Some(dynamic) = segs.iter().find(|s| s.kind == PT_DYNAMIC) else {
        return Ok(Some(info));
    };
    let entsize = if wide { 16 } else { 8 };
    let mut entries = Vec::new();
    for i in 0..dynamic.filesz / entsize {
        let at = add(dynamic.offset, i.saturating_mul(entsize))?;
        let tag = r.word(at)?;
        if tag == DT_NULL {
            break;
        }
        entries.push((tag, r.word(add(at, entsize / 2)?)?));
    }
    let Some(&(_, strtab)) = entries.iter().find(|(t, _)| *t == DT_STRTAB) else {
        return Err("a dynamic section without DT_STRTAB".into());
    };
    // DT_STRTAB is an address: the loadable segment that holds it maps it to the file.
    let load = segs
        .iter()
        .find(|s| {
            s.kind == PT_LOAD && s.vaddr <= strtab && strtab < s.vaddr.saturating_add(s.filesz)
        })
        .ok_or_else(|| format!("DT_STRTAB address {strtab:#x} is in no loadable segment"))?;
    let strtab_off = add(strtab - load.vaddr, load.offset)?;
    for (tag, val) in entries {
        let s = || r.cstr(strtab_off.saturating_add(val));
        match tag {
            DT_NEEDED => info.needed.push(s()?),
            DT_SONAME => info.soname = Some(s()?),
            DT_RPATH => info.rpath = Some(s()?),
            DT_RUNPATH => info.runpath = Some(s()?),
            _ => {}
        }
    }
    Ok(Some(info))
}

/// `path` with every symbolic link resolved (the loader records the real file).
fn real_path(ev: &mut Eval, path: &str, pos: Pos) -> EResult<String> {
    let mut done = String::new();
    let mut todo: Vec<String> = path
        .split('/')
        .filter(|c| !c.is_empty())
        .rev()
        .map(str::to_string)
        .collect();
    let mut links = 0;
    while let Some(c) = todo.pop() {
        if c == "." {
            continue;
        }
        if c == ".." {
            done = done
                .rsplit_once('/')
                .map(|(d, _)| d.to_string())
                .unwrap_or_default();
            continue;
        }
        let next = format!("{done}/{c}");
        if ev.io.file_type(&next) == Some(FileType::Symlink) {
            links += 1;
            if links > 40 {
                return err(
                    format!("nestElfInfo: too many levels of symbolic links in '{path}'"),
                    pos,
                );
            }
            let target = ev.io.read_link(&next).map_err(|e| {
                crate::error::EvalError::new(crate::error::ErrorKind::Eval, e.to_string(), pos)
            })?;
            if target.starts_with('/') {
                done.clear();
            }
            todo.extend(
                target
                    .split('/')
                    .filter(|c| !c.is_empty())
                    .rev()
                    .map(str::to_string),
            );
        } else {
            done = next;
        }
    }
    Ok(if done.is_empty() {
        "/".into()
    } else {
        canon_path(&done)
    })
}

type Parsed = Result<Option<ElfInfo>, String>;

thread_local! {
    static PARSED: std::cell::RefCell<std::collections::HashMap<(String, u64), Parsed>> = Default::default();
}

fn opt_str(s: Option<String>) -> Value {
    s.map(Value::string).unwrap_or(Value::Null)
}

fn split_path(s: Option<String>) -> Value {
    match s {
        None => Value::Null,
        Some(s) => Value::list(
            s.split(':')
                .filter(|d| !d.is_empty())
                .map(Value::string)
                .collect(),
        ),
    }
}

/// `nestElfInfo path`: null for a file that is not ELF, else
/// `{ path class machine type interpreter needed soname rpath runpath }` where `path` is
/// the file with symbolic links resolved and `rpath`/`runpath` are lists of
/// directories as written (`$ORIGIN` unexpanded) or null.
fn elf_info(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let (p, _) = super::io::coerce_to_path(ev, &a[0], pos)?;
    let real = real_path(ev, &p, pos)?;
    match ev.io.file_type(&real) {
        None => return err(format!("nestElfInfo: '{p}' does not exist"), pos),
        Some(FileType::Regular) => {}
        Some(_) => return err(format!("nestElfInfo: '{p}' is not a regular file"), pos),
    }
    let io_err = |e: crate::io::IoError| {
        crate::error::EvalError::new(crate::error::ErrorKind::Eval, e.to_string(), pos)
    };
    // Every container that uses a host package follows the same libraries: parse each
    // file once per process (keyed by its size too, so a replaced file is read again).
    let (_, _, size) = ev.io.lstat(&real).map_err(io_err)?;
    let key = (real.clone(), size);
    let cached = PARSED.with(|c| c.borrow().get(&key).cloned());
    let parsed = match cached {
        Some(p) => p,
        None => {
            let bytes = ev.io.read_file(&real).map_err(io_err)?;
            let p = parse(&bytes);
            PARSED.with(|c| c.borrow_mut().insert(key, p.clone()));
            p
        }
    };
    let info = match parsed {
        Ok(Some(i)) => i,
        Ok(None) => return Ok(Value::Null),
        Err(e) => return err(format!("nestElfInfo: '{real}': {e}"), pos),
    };
    let kind = match info.elf_type {
        1 => "rel",
        2 => "exec",
        3 => "dyn",
        4 => "core",
        _ => "other",
    };
    Ok(make_attrs(vec![
        ("path", Value::string(real)),
        ("class", Value::Int(i64::from(info.class))),
        ("machine", Value::Int(i64::from(info.machine))),
        ("type", Value::string(kind)),
        ("interpreter", opt_str(info.interpreter)),
        (
            "needed",
            Value::list(info.needed.into_iter().map(Value::string).collect()),
        ),
        ("soname", opt_str(info.soname)),
        ("rpath", split_path(info.rpath)),
        ("runpath", split_path(info.runpath)),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal 64-bit little-endian shared object: one PT_LOAD mapping the whole file
    /// at `base`, a PT_INTERP, and a PT_DYNAMIC with the given (tag, string) entries.
    fn elf64(base: u64, interp: &str, dynamic: &[(u64, &str)]) -> Vec<u8> {
        let mut strtab = vec![0u8];
        let mut dyn_entries = Vec::new();
        for (tag, s) in dynamic {
            dyn_entries.push((*tag, strtab.len() as u64));
            strtab.extend_from_slice(s.as_bytes());
            strtab.push(0);
        }
        let phoff = 64u64;
        let phnum = 3u64;
        let interp_off = phoff + phnum * 56;
        let strtab_off = interp_off + interp.len() as u64 + 1;
        let dyn_off = strtab_off + strtab.len() as u64;
        dyn_entries.push((DT_STRTAB, base + strtab_off));
        dyn_entries.push((DT_NULL, 0));
        let total = dyn_off + dyn_entries.len() as u64 * 16;

        let mut b = vec![0u8; 64];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[6] = 1;
        b[16..18].copy_from_slice(&3u16.to_le_bytes());
        b[18..20].copy_from_slice(&62u16.to_le_bytes());
        b[32..40].copy_from_slice(&phoff.to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&(phnum as u16).to_le_bytes());
        let ph = |kind: u32, off: u64, size: u64| {
            let mut p = vec![0u8; 56];
            p[0..4].copy_from_slice(&kind.to_le_bytes());
            p[8..16].copy_from_slice(&off.to_le_bytes());
            p[16..24].copy_from_slice(&(base + off).to_le_bytes());
            p[32..40].copy_from_slice(&size.to_le_bytes());
            p[40..48].copy_from_slice(&size.to_le_bytes());
            p
        };
        b.extend(ph(PT_LOAD, 0, total));
        b.extend(ph(PT_INTERP, interp_off, interp.len() as u64 + 1));
        b.extend(ph(PT_DYNAMIC, dyn_off, dyn_entries.len() as u64 * 16));
        b.extend_from_slice(interp.as_bytes());
        b.push(0);
        b.extend_from_slice(&strtab);
        for (t, v) in dyn_entries {
            b.extend_from_slice(&t.to_le_bytes());
            b.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(b.len() as u64, total);
        b
    }

    #[test]
    fn reads_interpreter_needed_soname_and_paths() {
        let b = elf64(
            0x400000,
            "/lib64/ld-linux-x86-64.so.2",
            &[
                (DT_NEEDED, "libz.so.1"),
                (DT_NEEDED, "libc.so.6"),
                (DT_SONAME, "libfoo.so.2"),
                (DT_RUNPATH, "$ORIGIN/../lib:/opt/x"),
            ],
        );
        let info = parse(&b).expect("parses").expect("is ELF");
        assert_eq!(
            info,
            ElfInfo {
                class: 64,
                machine: 62,
                elf_type: 3,
                interpreter: Some("/lib64/ld-linux-x86-64.so.2".into()),
                needed: vec!["libz.so.1".into(), "libc.so.6".into()],
                soname: Some("libfoo.so.2".into()),
                rpath: None,
                runpath: Some("$ORIGIN/../lib:/opt/x".into()),
            }
        );
    }

    #[test]
    fn not_elf_is_none_and_truncated_elf_is_an_error() {
        assert_eq!(parse(b"#!/bin/sh\necho hi\n"), Ok(None));
        let b = elf64(0, "/lib/ld.so", &[(DT_NEEDED, "libc.so.6")]);
        for cut in [20, 70, b.len() - 16 - 3] {
            assert!(parse(&b[..cut]).is_err(), "cut at {cut}");
        }
    }

    /// Corrupted files (every byte of a valid one replaced by a pseudo-random value,
    /// one at a time and many at once) give an answer or an error, never a panic.
    #[test]
    fn corrupt_files_never_panic() {
        let good = elf64(
            0x400000,
            "/lib64/ld.so",
            &[(DT_NEEDED, "libc.so.6"), (DT_RUNPATH, "$ORIGIN")],
        );
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for i in 0..good.len() {
            for v in [0u8, 0xff, 0x80, next() as u8] {
                let mut b = good.clone();
                b[i] = v;
                let _ = parse(&b);
            }
        }
        for _ in 0..2000 {
            let mut b = good.clone();
            for _ in 0..8 {
                let i = (next() % b.len() as u64) as usize;
                b[i] = next() as u8;
            }
            let _ = parse(&b);
        }
    }

    #[test]
    fn the_string_table_is_found_through_its_segment() {
        // A different load address moves DT_STRTAB's address but not the file offsets.
        let b = elf64(0x7000_0000, "/i", &[(DT_RPATH, "/r")]);
        let info = parse(&b).expect("parses").expect("is ELF");
        assert_eq!(info.rpath.as_deref(), Some("/r"));
        assert_eq!(info.runpath, None);
    }
}
