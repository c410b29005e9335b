//! NAR (`nix-archive-1`) serialisation: a writer over a small [`NarSource`]
//! trait (so the evaluator can feed files through its own IO layer and filter
//! them), a `std::fs` source (the only file system access in this crate),
//! NAR hashing, and a parser into an in-memory tree.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::hash::{Hash, HashAlgo, Hasher};

/// The magic string every NAR starts with.
pub const NAR_MAGIC: &str = "nix-archive-1";

/// Deepest directory nesting the parser accepts, so hostile input cannot overflow the stack.
pub const MAX_DEPTH: usize = 256;

/// What a NAR records about a file system object (`lstat`, symlinks not followed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NarMetadata {
    Regular { executable: bool, size: u64 },
    Symlink { target: OsString },
    Directory,
}

impl NarMetadata {
    /// The type name `builtins.filterSource` passes to its filter.
    pub fn type_name(&self) -> &'static str {
        match self {
            NarMetadata::Regular { .. } => "regular",
            NarMetadata::Symlink { .. } => "symlink",
            NarMetadata::Directory => "directory",
        }
    }
}

/// Where the NAR writer gets files from. Implement it over the evaluator's IO
/// layer; [`FsSource`] is the `std::fs` one.
pub trait NarSource {
    type Error: From<io::Error>;

    /// `lstat`: the object at `path`, not following a final symlink.
    fn metadata(&mut self, path: &Path) -> Result<NarMetadata, Self::Error>;

    /// Names of the entries of a directory (without `.` and `..`), in any order.
    fn read_dir(&mut self, path: &Path) -> Result<Vec<OsString>, Self::Error>;

    /// Writes the contents of the regular file at `path` to `out`.
    fn copy_contents(&mut self, path: &Path, out: &mut dyn Write) -> Result<(), Self::Error>;

    /// The filter of `filterSource` / `builtins.path`: whether the directory
    /// entry `path` (never the root) is included. Default: everything.
    fn include(&mut self, path: &Path, metadata: &NarMetadata) -> Result<bool, Self::Error> {
        let _ = (path, metadata);
        Ok(true)
    }
}

/// A filter over directory entries: `false` leaves the entry (and everything under it) out.
pub type NarFilter<'f> = dyn FnMut(&Path, &NarMetadata) -> bool + 'f;

/// Reads the real file system with `std::fs`, with an optional filter.
pub struct FsSource<'f> {
    filter: Option<Box<NarFilter<'f>>>,
}

impl<'f> FsSource<'f> {
    pub fn new() -> Self {
        FsSource { filter: None }
    }

    /// A source that skips entries for which `filter` is false.
    pub fn with_filter(filter: impl FnMut(&Path, &NarMetadata) -> bool + 'f) -> Self {
        FsSource {
            filter: Some(Box::new(filter)),
        }
    }
}

impl Default for FsSource<'_> {
    fn default() -> Self {
        Self::new()
    }
}

fn with_path(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} '{}': {e}", path.display()))
}

impl NarSource for FsSource<'_> {
    type Error = io::Error;

    fn metadata(&mut self, path: &Path) -> io::Result<NarMetadata> {
        let md =
            std::fs::symlink_metadata(path).map_err(|e| with_path(e, "getting status of", path))?;
        let ft = md.file_type();
        if ft.is_symlink() {
            let target =
                std::fs::read_link(path).map_err(|e| with_path(e, "reading symlink", path))?;
            Ok(NarMetadata::Symlink {
                target: target.into_os_string(),
            })
        } else if ft.is_dir() {
            Ok(NarMetadata::Directory)
        } else if ft.is_file() {
            Ok(NarMetadata::Regular {
                executable: md.permissions().mode() & 0o100 != 0,
                size: md.len(),
            })
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("file '{}' has an unsupported type", path.display()),
            ))
        }
    }

    fn read_dir(&mut self, path: &Path) -> io::Result<Vec<OsString>> {
        let rd = std::fs::read_dir(path).map_err(|e| with_path(e, "opening directory", path))?;
        rd.map(|e| {
            e.map(|e| e.file_name())
                .map_err(|e| with_path(e, "reading directory", path))
        })
        .collect()
    }

    fn copy_contents(&mut self, path: &Path, out: &mut dyn Write) -> io::Result<()> {
        let mut f = std::fs::File::open(path).map_err(|e| with_path(e, "opening file", path))?;
        io::copy(&mut f, out).map_err(|e| with_path(e, "reading file", path))?;
        Ok(())
    }

    fn include(&mut self, path: &Path, metadata: &NarMetadata) -> io::Result<bool> {
        Ok(match &mut self.filter {
            Some(f) => f(path, metadata),
            None => true,
        })
    }
}

fn write_bytes(out: &mut dyn Write, s: &[u8]) -> io::Result<()> {
    out.write_all(&(s.len() as u64).to_le_bytes())?;
    out.write_all(s)?;
    write_padding(out, s.len() as u64)
}

fn write_padding(out: &mut dyn Write, len: u64) -> io::Result<()> {
    let pad = (8 - (len % 8) as usize) % 8;
    out.write_all(&[0u8; 8][..pad])
}

fn write_tokens(out: &mut dyn Write, tokens: &[&str]) -> io::Result<()> {
    tokens
        .iter()
        .try_for_each(|t| write_bytes(out, t.as_bytes()))
}

/// Counts what passes through, so a file that changes size while it is read is caught.
struct Counting<'a> {
    inner: &'a mut dyn Write,
    count: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes the NAR of `path` (taken from `source`) to `out`.
pub fn dump<S: NarSource>(
    source: &mut S,
    path: &Path,
    out: &mut dyn Write,
) -> Result<(), S::Error> {
    write_bytes(out, NAR_MAGIC.as_bytes())?;
    let md = source.metadata(path)?;
    dump_node(source, path, md, out)
}

fn dump_node<S: NarSource>(
    source: &mut S,
    path: &Path,
    md: NarMetadata,
    out: &mut dyn Write,
) -> Result<(), S::Error> {
    write_tokens(out, &["(", "type"])?;
    match md {
        NarMetadata::Regular { executable, size } => {
            write_tokens(out, &["regular"])?;
            if executable {
                write_tokens(out, &["executable", ""])?;
            }
            write_tokens(out, &["contents"])?;
            out.write_all(&size.to_le_bytes())?;
            let mut counting = Counting {
                inner: out,
                count: 0,
            };
            source.copy_contents(path, &mut counting)?;
            if counting.count != size {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "file '{}' changed size while being archived ({size} then {} bytes)",
                        path.display(),
                        counting.count
                    ),
                )
                .into());
            }
            write_padding(out, size)?;
        }
        NarMetadata::Symlink { target } => {
            write_tokens(out, &["symlink", "target"])?;
            write_bytes(out, target.as_bytes())?;
        }
        NarMetadata::Directory => {
            write_tokens(out, &["directory"])?;
            let mut names = source.read_dir(path)?;
            // Byte order, as Nix sorts entries with std::map<std::string, …>.
            names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            for name in names {
                let child = path.join(&name);
                let cmd = source.metadata(&child)?;
                if !source.include(&child, &cmd)? {
                    continue;
                }
                write_tokens(out, &["entry", "(", "name"])?;
                write_bytes(out, name.as_bytes())?;
                write_tokens(out, &["node"])?;
                dump_node(source, &child, cmd, out)?;
                write_tokens(out, &[")"])?;
            }
        }
    }
    write_tokens(out, &[")"])?;
    Ok(())
}

/// The NAR of `path` as bytes.
pub fn dump_to_vec<S: NarSource>(source: &mut S, path: &Path) -> Result<Vec<u8>, S::Error> {
    let mut v = Vec::new();
    dump(source, path, &mut v)?;
    Ok(v)
}

/// The hash of the NAR of `path` (SHA-256 for store paths) and the NAR's size.
pub fn nar_hash<S: NarSource>(
    source: &mut S,
    path: &Path,
    algo: HashAlgo,
) -> Result<(Hash, u64), S::Error> {
    let mut h = Hasher::new(algo);
    dump(source, path, &mut h)?;
    let size = h.len();
    Ok((h.finish(), size))
}

/// Convenience for the common case: SHA-256 NAR hash of a real path, optionally filtered.
pub fn nar_hash_fs(path: &Path, filter: Option<&mut NarFilter<'_>>) -> io::Result<(Hash, u64)> {
    let mut src = match filter {
        Some(f) => FsSource::with_filter(f),
        None => FsSource::new(),
    };
    nar_hash(&mut src, path, HashAlgo::Sha256)
}

/// A file system tree held in memory: what a NAR parses into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NarNode {
    Regular { executable: bool, contents: Vec<u8> },
    Symlink { target: Vec<u8> },
    Directory { entries: BTreeMap<Vec<u8>, NarNode> },
}

impl NarNode {
    /// Serialises the tree (entries are in byte order, as the map keeps them).
    pub fn write_nar(&self, out: &mut dyn Write) -> io::Result<()> {
        write_bytes(out, NAR_MAGIC.as_bytes())?;
        self.write_node(out)
    }

    pub fn to_nar(&self) -> Vec<u8> {
        let mut v = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = self.write_nar(&mut v);
        v
    }

    fn write_node(&self, out: &mut dyn Write) -> io::Result<()> {
        write_tokens(out, &["(", "type"])?;
        match self {
            NarNode::Regular {
                executable,
                contents,
            } => {
                write_tokens(out, &["regular"])?;
                if *executable {
                    write_tokens(out, &["executable", ""])?;
                }
                write_tokens(out, &["contents"])?;
                write_bytes(out, contents)?;
            }
            NarNode::Symlink { target } => {
                write_tokens(out, &["symlink", "target"])?;
                write_bytes(out, target)?;
            }
            NarNode::Directory { entries } => {
                write_tokens(out, &["directory"])?;
                for (name, node) in entries {
                    write_tokens(out, &["entry", "(", "name"])?;
                    write_bytes(out, name)?;
                    write_tokens(out, &["node"])?;
                    node.write_node(out)?;
                    write_tokens(out, &[")"])?;
                }
            }
        }
        write_tokens(out, &[")"])
    }

    /// Writes the tree to `dest` (which must not exist) with `std::fs`.
    pub fn restore(&self, dest: &Path) -> io::Result<()> {
        match self {
            NarNode::Regular {
                executable,
                contents,
            } => {
                std::fs::write(dest, contents).map_err(|e| with_path(e, "writing", dest))?;
                let mode = if *executable { 0o555 } else { 0o444 };
                std::fs::set_permissions(dest, std::fs::Permissions::from_mode(mode))
                    .map_err(|e| with_path(e, "chmod", dest))
            }
            NarNode::Symlink { target } => {
                std::os::unix::fs::symlink(OsString::from_vec(target.clone()), dest)
                    .map_err(|e| with_path(e, "creating symlink", dest))
            }
            NarNode::Directory { entries } => {
                std::fs::create_dir(dest).map_err(|e| with_path(e, "creating directory", dest))?;
                for (name, node) in entries {
                    let child: PathBuf = dest.join(std::ffi::OsStr::from_bytes(name));
                    node.restore(&child)?;
                }
                Ok(())
            }
        }
    }
}

/// Why a NAR could not be parsed.
#[derive(Debug, Error)]
pub enum NarError {
    #[error("reading NAR: {0}")]
    Io(#[from] io::Error),
    #[error("input is not a NAR archive (bad magic)")]
    BadMagic,
    #[error("NAR: expected '{expected}', got '{got}'")]
    UnexpectedToken { expected: &'static str, got: String },
    #[error("NAR: unknown file type '{0}'")]
    UnknownType(String),
    #[error("NAR contains invalid file name '{0}'")]
    InvalidName(String),
    #[error("NAR directory is not sorted (entry '{0}')")]
    NotSorted(String),
    #[error("NAR: non-zero padding")]
    NonZeroPadding,
    #[error("NAR: string of {0} bytes is longer than allowed here")]
    TooLong(u64),
    #[error("NAR: nesting deeper than {MAX_DEPTH} directories")]
    TooDeep,
    #[error("NAR: trailing data after the archive")]
    Trailing,
}

struct NarReader<R: Read> {
    r: R,
}

/// Longest token, name or symlink target accepted (file contents are unbounded).
const MAX_SMALL: u64 = 4096;

/// Receives what a NAR contains, in order, while it is parsed: a directory
/// before its entries, entries in strictly increasing name order. `path` is
/// relative to the root (empty for the root itself).
pub trait NarSink {
    type Error: From<NarError>;

    fn directory(&mut self, path: &Path) -> Result<(), Self::Error>;

    fn symlink(&mut self, path: &Path, target: &[u8]) -> Result<(), Self::Error>;

    /// `contents` yields exactly `size` bytes; whatever the sink leaves unread is skipped.
    fn regular(
        &mut self,
        path: &Path,
        executable: bool,
        size: u64,
        contents: &mut dyn Read,
    ) -> Result<(), Self::Error>;
}

impl<R: Read> NarReader<R> {
    fn read_u64(&mut self) -> Result<u64, NarError> {
        let mut b = [0u8; 8];
        self.r.read_exact(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn read_padding(&mut self, len: u64) -> Result<(), NarError> {
        let pad = (8 - (len % 8) as usize) % 8;
        let mut b = [0u8; 8];
        self.r.read_exact(&mut b[..pad])?;
        if b[..pad].iter().any(|&x| x != 0) {
            return Err(NarError::NonZeroPadding);
        }
        Ok(())
    }

    fn read_bytes(&mut self, max: u64) -> Result<Vec<u8>, NarError> {
        let len = self.read_u64()?;
        if len > max {
            return Err(NarError::TooLong(len));
        }
        let mut v = Vec::with_capacity(len as usize);
        let got = (&mut self.r).take(len).read_to_end(&mut v)?;
        if got as u64 != len {
            return Err(eof());
        }
        self.read_padding(len)?;
        Ok(v)
    }

    fn token(&mut self) -> Result<Vec<u8>, NarError> {
        self.read_bytes(MAX_SMALL)
    }

    fn expect(&mut self, tok: &'static str) -> Result<(), NarError> {
        let got = self.token()?;
        if got != tok.as_bytes() {
            return Err(NarError::UnexpectedToken {
                expected: tok,
                got: String::from_utf8_lossy(&got).into_owned(),
            });
        }
        Ok(())
    }

    fn node<S: NarSink>(
        &mut self,
        sink: &mut S,
        path: &mut PathBuf,
        depth: usize,
    ) -> Result<(), S::Error> {
        if depth > MAX_DEPTH {
            return Err(NarError::TooDeep.into());
        }
        self.expect("(")?;
        self.expect("type")?;
        let ty = self.token()?;
        match ty.as_slice() {
            b"regular" => {
                let mut tag = self.token()?;
                let mut executable = false;
                if tag == b"executable" {
                    self.expect("")?;
                    executable = true;
                    tag = self.token()?;
                }
                if tag != b"contents" {
                    return Err(NarError::UnexpectedToken {
                        expected: "contents",
                        got: String::from_utf8_lossy(&tag).into_owned(),
                    }
                    .into());
                }
                let size = self.read_u64()?;
                let mut limited = (&mut self.r).take(size);
                sink.regular(path, executable, size, &mut limited)?;
                // Skip what the sink did not read, then check the file was complete.
                io::copy(&mut limited, &mut io::sink()).map_err(NarError::from)?;
                if limited.limit() != 0 {
                    return Err(eof().into());
                }
                self.read_padding(size)?;
            }
            b"symlink" => {
                self.expect("target")?;
                let target = self.read_bytes(MAX_SMALL)?;
                sink.symlink(path, &target)?;
            }
            b"directory" => {
                sink.directory(path)?;
                let mut prev: Option<Vec<u8>> = None;
                loop {
                    let tag = self.token()?;
                    match tag.as_slice() {
                        b")" => return Ok(()),
                        b"entry" => {}
                        other => {
                            return Err(NarError::UnexpectedToken {
                                expected: "entry",
                                got: String::from_utf8_lossy(other).into_owned(),
                            }
                            .into())
                        }
                    }
                    self.expect("(")?;
                    self.expect("name")?;
                    let name = self.read_bytes(255)?;
                    if name.is_empty()
                        || name == b"."
                        || name == b".."
                        || name.contains(&b'/')
                        || name.contains(&0)
                    {
                        return Err(NarError::InvalidName(
                            String::from_utf8_lossy(&name).into_owned(),
                        )
                        .into());
                    }
                    if prev.as_ref().is_some_and(|p| name <= *p) {
                        return Err(NarError::NotSorted(
                            String::from_utf8_lossy(&name).into_owned(),
                        )
                        .into());
                    }
                    self.expect("node")?;
                    path.push(std::ffi::OsStr::from_bytes(&name));
                    self.node(sink, path, depth + 1)?;
                    path.pop();
                    self.expect(")")?;
                    prev = Some(name);
                }
            }
            other => {
                return Err(
                    NarError::UnknownType(String::from_utf8_lossy(other).into_owned()).into(),
                )
            }
        }
        self.expect(")")?;
        Ok(())
    }
}

fn eof() -> NarError {
    NarError::Io(io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "NAR ends inside a string",
    ))
}

/// Parses a whole NAR from `r` into `sink`; fails on trailing data.
pub fn parse_into<R: Read, S: NarSink>(r: R, sink: &mut S) -> Result<(), S::Error> {
    let mut nr = NarReader { r };
    let magic = nr.token().map_err(|_| NarError::BadMagic)?;
    if magic != NAR_MAGIC.as_bytes() {
        return Err(NarError::BadMagic.into());
    }
    nr.node(sink, &mut PathBuf::new(), 0)?;
    let mut extra = [0u8; 1];
    if nr.r.read(&mut extra).map_err(NarError::from)? != 0 {
        return Err(NarError::Trailing.into());
    }
    Ok(())
}

/// Builds a [`NarNode`] tree.
#[derive(Default)]
struct TreeSink {
    root: Option<NarNode>,
}

impl TreeSink {
    fn put(&mut self, path: &Path, node: NarNode) -> Result<(), NarError> {
        let mut parts = path.iter();
        let Some(last) = parts.next_back() else {
            self.root = Some(node);
            return Ok(());
        };
        let mut cur = self.root.as_mut();
        for c in parts {
            cur = match cur {
                Some(NarNode::Directory { entries }) => entries.get_mut(c.as_bytes()),
                _ => None,
            };
        }
        match cur {
            Some(NarNode::Directory { entries }) => {
                entries.insert(last.as_bytes().to_vec(), node);
                Ok(())
            }
            // The parser announces every directory before its entries.
            _ => Err(NarError::InvalidName(path.display().to_string())),
        }
    }
}

impl NarSink for TreeSink {
    type Error = NarError;
    fn directory(&mut self, path: &Path) -> Result<(), NarError> {
        self.put(
            path,
            NarNode::Directory {
                entries: BTreeMap::new(),
            },
        )
    }
    fn symlink(&mut self, path: &Path, target: &[u8]) -> Result<(), NarError> {
        self.put(
            path,
            NarNode::Symlink {
                target: target.to_vec(),
            },
        )
    }
    fn regular(
        &mut self,
        path: &Path,
        executable: bool,
        size: u64,
        contents: &mut dyn Read,
    ) -> Result<(), NarError> {
        // Reserve at most 16 MiB up front, so a forged size cannot allocate it all.
        let mut v = Vec::with_capacity(size.min(16 << 20) as usize);
        contents.read_to_end(&mut v)?;
        self.put(
            path,
            NarNode::Regular {
                executable,
                contents: v,
            },
        )
    }
}

/// Parses a whole NAR from `r` into a tree; fails on trailing data.
pub fn parse<R: Read>(r: R) -> Result<NarNode, NarError> {
    let mut sink = TreeSink::default();
    parse_into(r, &mut sink)?;
    sink.root.ok_or(NarError::BadMagic)
}

/// Unpacks a NAR into `dest` (which must not exist) while reading it, without
/// holding file contents in memory: what a store import needs. Files are made
/// read-only (`0444`/`0555`) as in a store. On error, `dest` is left partial;
/// the caller unpacks into a temporary location and removes it.
pub struct FsRestore {
    dest: PathBuf,
}

impl FsRestore {
    pub fn new(dest: &Path) -> FsRestore {
        FsRestore {
            dest: dest.to_path_buf(),
        }
    }

    fn target(&self, path: &Path) -> PathBuf {
        if path.as_os_str().is_empty() {
            self.dest.clone()
        } else {
            self.dest.join(path)
        }
    }
}

impl NarSink for FsRestore {
    type Error = NarError;
    fn directory(&mut self, path: &Path) -> Result<(), NarError> {
        let t = self.target(path);
        std::fs::create_dir(&t).map_err(|e| with_path(e, "creating directory", &t))?;
        Ok(())
    }
    fn symlink(&mut self, path: &Path, target: &[u8]) -> Result<(), NarError> {
        let t = self.target(path);
        std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), &t)
            .map_err(|e| with_path(e, "creating symlink", &t))?;
        Ok(())
    }
    fn regular(
        &mut self,
        path: &Path,
        executable: bool,
        _size: u64,
        contents: &mut dyn Read,
    ) -> Result<(), NarError> {
        let t = self.target(path);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&t)
            .map_err(|e| with_path(e, "creating file", &t))?;
        io::copy(contents, &mut f).map_err(|e| with_path(e, "writing", &t))?;
        let mode = if executable { 0o555 } else { 0o444 };
        f.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| with_path(e, "chmod", &t))?;
        Ok(())
    }
}

/// Unpacks the NAR read from `r` into `dest` (see [`FsRestore`]).
pub fn restore_from<R: Read>(r: R, dest: &Path) -> Result<(), NarError> {
    parse_into(r, &mut FsRestore::new(dest))
}

/// Parses a NAR held in memory.
pub fn parse_bytes(nar: &[u8]) -> Result<NarNode, NarError> {
    parse(nar)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> NarNode {
        let mut sub = BTreeMap::new();
        sub.insert(
            b"x".to_vec(),
            NarNode::Regular {
                executable: true,
                contents: b"#!/bin/sh\n".to_vec(),
            },
        );
        let mut root = BTreeMap::new();
        root.insert(
            b"a".to_vec(),
            NarNode::Regular {
                executable: false,
                contents: b"hello".to_vec(),
            },
        );
        root.insert(
            b"b".to_vec(),
            NarNode::Symlink {
                target: b"a".to_vec(),
            },
        );
        root.insert(b"d".to_vec(), NarNode::Directory { entries: sub });
        root.insert(
            b"empty".to_vec(),
            NarNode::Regular {
                executable: false,
                contents: Vec::new(),
            },
        );
        NarNode::Directory { entries: root }
    }

    #[test]
    fn single_file_layout() {
        let n = NarNode::Regular {
            executable: false,
            contents: b"hi".to_vec(),
        };
        let nar = n.to_nar();
        // 13 (magic) + 1 "(" + 4 "type" + 7 "regular" + 8 "contents" + 2 + ")" strings, each 8-byte length + padded data.
        let expected_len = 8 * 7 + 16 + 8 + 8 + 8 + 8 + 8 + 8;
        assert_eq!(nar.len(), expected_len);
        assert_eq!(&nar[..8], &13u64.to_le_bytes());
        assert_eq!(&nar[8..21], b"nix-archive-1");
        assert_eq!(&nar[21..24], &[0, 0, 0]);
        assert_eq!(parse_bytes(&nar).unwrap(), n);
    }

    #[test]
    fn round_trip_tree() {
        let t = tree();
        let nar = t.to_nar();
        assert_eq!(parse_bytes(&nar).unwrap(), t);
        assert_eq!(nar.len() % 8, 0);
    }

    #[test]
    fn rejects_corrupt_input() {
        let nar = tree().to_nar();
        assert!(matches!(
            parse_bytes(&nar[..nar.len() - 8]),
            Err(NarError::Io(_))
        ));
        let mut trailing = nar.clone();
        trailing.extend_from_slice(&[0; 8]);
        assert!(matches!(parse_bytes(&trailing), Err(NarError::Trailing)));
        assert!(matches!(parse_bytes(b"garbage!"), Err(NarError::BadMagic)));
        // Non-zero padding after the "(" that follows the magic (at byte 32).
        let mut bad_pad = nar.clone();
        assert_eq!(bad_pad[32], b'(');
        bad_pad[33] = 1;
        assert!(matches!(
            parse_bytes(&bad_pad),
            Err(NarError::NonZeroPadding)
        ));
        // Swap two names so the directory is out of order.
        let mut unsorted = nar.clone();
        let pos = unsorted
            .windows(8)
            .position(|w| w == b"empty\0\0\0")
            .unwrap();
        unsorted[pos] = b'0';
        assert!(matches!(
            parse_bytes(&unsorted),
            Err(NarError::NotSorted(_))
        ));
    }

    #[test]
    fn rejects_bad_names_and_deep_nesting() {
        let mut entries = BTreeMap::new();
        entries.insert(
            b"..".to_vec(),
            NarNode::Directory {
                entries: BTreeMap::new(),
            },
        );
        let nar = NarNode::Directory { entries }.to_nar();
        assert_eq!(
            parse_bytes(&nar).unwrap_err().to_string(),
            "NAR contains invalid file name '..'"
        );
        let mut deep = NarNode::Directory {
            entries: BTreeMap::new(),
        };
        for _ in 0..(MAX_DEPTH + 2) {
            let mut e = BTreeMap::new();
            e.insert(b"d".to_vec(), deep);
            deep = NarNode::Directory { entries: e };
        }
        let nar = deep.to_nar();
        assert!(matches!(parse_bytes(&nar), Err(NarError::TooDeep)));
        // Dropping a deep tree recursively is fine at this depth.
    }

    #[test]
    fn forged_length_does_not_allocate() {
        let mut nar = Vec::new();
        write_bytes(&mut nar, NAR_MAGIC.as_bytes()).unwrap();
        write_tokens(&mut nar, &["(", "type", "regular", "contents"]).unwrap();
        nar.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(parse_bytes(&nar), Err(NarError::Io(_))));
    }
}
