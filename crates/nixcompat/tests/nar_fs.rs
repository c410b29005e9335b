//! NAR over the real file system: dump, parse, restore and dump again; the
//! filter; a custom `NarSource`; and byte equality with `nix-store --dump`.

// Only the fixture helpers and the Nix check are used here.
#[allow(dead_code)]
mod oracle;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Command;

use nest_nixcompat::nar::{self, FsSource, NarMetadata, NarNode, NarSource};
use nest_nixcompat::HashAlgo;

fn fixture(name: &str) -> std::path::PathBuf {
    oracle::fixtures_dir().join(name)
}

#[test]
fn dump_parse_restore_dump_is_identity() {
    for f in [
        "tree",
        "tree/sub",
        "flat/single.txt",
        "flat/tool.sh",
        "tree/link-to-a",
    ] {
        let bytes = nar::dump_to_vec(&mut FsSource::new(), &fixture(f)).unwrap();
        let tree = nar::parse_bytes(&bytes).unwrap();
        assert_eq!(tree.to_nar(), bytes, "{f}: tree re-serialises identically");
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("restored");
        tree.restore(&dest).unwrap();
        let again = nar::dump_to_vec(&mut FsSource::new(), &dest).unwrap();
        assert_eq!(again, bytes, "{f}: restored copy dumps identically");
    }
}

#[test]
fn streaming_restore_matches_and_fails_cleanly() {
    let bytes = nar::dump_to_vec(&mut FsSource::new(), &fixture("tree")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("streamed");
    nar::restore_from(&bytes[..], &dest).unwrap();
    assert_eq!(
        nar::dump_to_vec(&mut FsSource::new(), &dest).unwrap(),
        bytes
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dest.join("run.sh"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o555);
    // A NAR cut inside a file's contents is an error, not a short file.
    let cut = bytes.windows(5).position(|w| w == b"hello").unwrap() + 3;
    let e = nar::restore_from(&bytes[..cut], &tmp.path().join("cut")).unwrap_err();
    assert!(matches!(e, nar::NarError::Io(_)), "{e}");
    // Restoring over an existing path refuses.
    assert!(nar::restore_from(&bytes[..], &dest).is_err());
}

#[test]
fn fixture_tree_has_every_node_kind() {
    let bytes = nar::dump_to_vec(&mut FsSource::new(), &fixture("tree")).unwrap();
    let NarNode::Directory { entries } = nar::parse_bytes(&bytes).unwrap() else {
        panic!("not a directory")
    };
    let names: Vec<&[u8]> = entries.keys().map(Vec::as_slice).collect();
    // Byte order: '.' < 'Z' < 'a'.
    assert_eq!(
        names,
        [
            &b".hidden"[..],
            b"Z-upper.txt",
            b"a.txt",
            b"b.txt",
            b"link-to-a",
            b"run.sh",
            b"sub"
        ]
    );
    assert_eq!(
        entries[&b"run.sh"[..]],
        NarNode::Regular {
            executable: true,
            contents: b"#!/bin/sh\necho hi\n".to_vec()
        }
    );
    assert_eq!(
        entries[&b"link-to-a"[..]],
        NarNode::Symlink {
            target: b"a.txt".to_vec()
        }
    );
    assert!(matches!(entries[&b"sub"[..]], NarNode::Directory { .. }));
}

#[test]
fn filter_sees_full_paths_and_types_and_excludes() {
    let mut seen = Vec::new();
    let mut keep = |p: &Path, md: &NarMetadata| {
        seen.push((
            p.strip_prefix(fixture("tree")).unwrap().to_path_buf(),
            md.type_name(),
        ));
        p.file_name()
            .map(|n| n.as_bytes() != b"sub")
            .unwrap_or(true)
    };
    let bytes = nar::dump_to_vec(&mut FsSource::with_filter(&mut keep), &fixture("tree")).unwrap();
    let NarNode::Directory { entries } = nar::parse_bytes(&bytes).unwrap() else {
        panic!("not a directory")
    };
    assert!(!entries.contains_key(&b"sub"[..]));
    assert_eq!(entries.len(), 6);
    // The root is never offered to the filter; an excluded directory is not descended into.
    assert!(
        seen.iter().all(|(p, _)| p.components().count() == 1),
        "{seen:?}"
    );
    assert_eq!(seen.len(), 7);
    assert!(seen.contains(&("link-to-a".into(), "symlink")));
    assert!(seen.contains(&("sub".into(), "directory")));
}

/// A source over an in-memory tree, as the evaluator's IO layer would be.
struct Mem(NarNode);

impl Mem {
    fn find(&self, path: &Path) -> io::Result<&NarNode> {
        let mut node = &self.0;
        for c in path
            .strip_prefix("/root")
            .map_err(|_| io::Error::from(io::ErrorKind::NotFound))?
            .components()
        {
            let NarNode::Directory { entries } = node else {
                return Err(io::ErrorKind::NotFound.into());
            };
            node = entries
                .get(c.as_os_str().as_bytes())
                .ok_or(io::ErrorKind::NotFound)?;
        }
        Ok(node)
    }
}

impl NarSource for Mem {
    type Error = io::Error;
    fn metadata(&mut self, path: &Path) -> io::Result<NarMetadata> {
        Ok(match self.find(path)? {
            NarNode::Regular {
                executable,
                contents,
            } => NarMetadata::Regular {
                executable: *executable,
                size: contents.len() as u64,
            },
            NarNode::Symlink { target } => NarMetadata::Symlink {
                target: OsString::from(std::ffi::OsStr::from_bytes(target)),
            },
            NarNode::Directory { .. } => NarMetadata::Directory,
        })
    }
    fn read_dir(&mut self, path: &Path) -> io::Result<Vec<OsString>> {
        match self.find(path)? {
            // Reversed on purpose: the writer must sort.
            NarNode::Directory { entries } => Ok(entries
                .keys()
                .rev()
                .map(|k| std::ffi::OsStr::from_bytes(k).to_owned())
                .collect()),
            _ => Err(io::ErrorKind::InvalidInput.into()),
        }
    }
    fn copy_contents(&mut self, path: &Path, out: &mut dyn Write) -> io::Result<()> {
        match self.find(path)? {
            NarNode::Regular { contents, .. } => out.write_all(contents),
            _ => Err(io::ErrorKind::InvalidInput.into()),
        }
    }
}

#[test]
fn custom_source_matches_the_file_system() {
    let bytes = nar::dump_to_vec(&mut FsSource::new(), &fixture("tree")).unwrap();
    let tree = nar::parse_bytes(&bytes).unwrap();
    let mut mem = Mem(tree);
    assert_eq!(
        nar::dump_to_vec(&mut mem, Path::new("/root")).unwrap(),
        bytes
    );
    let (h1, n1) = nar::nar_hash(&mut mem, Path::new("/root"), HashAlgo::Sha256).unwrap();
    let (h2, n2) = nar::nar_hash_fs(&fixture("tree"), None).unwrap();
    assert_eq!((h1, n1), (h2, n2));
    assert_eq!(n1, bytes.len() as u64);
    // `nix-hash --type sha256 --base32 tests/fixtures/tree`
    assert_eq!(
        h1.to_nixbase32(),
        "1w5k88glzsiqjwwri55g1qnillksyj69r7q69hk1dkfkbj3dy4q6"
    );
}

/// A source whose file is shorter than its metadata said, as when a file changes while being archived.
struct Shrinking;

impl NarSource for Shrinking {
    type Error = io::Error;
    fn metadata(&mut self, _: &Path) -> io::Result<NarMetadata> {
        Ok(NarMetadata::Regular {
            executable: false,
            size: 10,
        })
    }
    fn read_dir(&mut self, _: &Path) -> io::Result<Vec<OsString>> {
        Ok(Vec::new())
    }
    fn copy_contents(&mut self, _: &Path, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"short")
    }
}

#[test]
fn size_change_while_dumping_is_an_error() {
    let e = nar::dump_to_vec(&mut Shrinking, Path::new("/f")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "file '/f' changed size while being archived (10 then 5 bytes)"
    );
}

#[test]
fn unsupported_file_types_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("fifo");
    let ok = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "mkfifo failed");
    let e = nar::dump_to_vec(&mut FsSource::new(), &fifo).unwrap_err();
    assert!(e.to_string().ends_with("has an unsupported type"), "{e}");
    let e = nar::dump_to_vec(&mut FsSource::new(), &tmp.path().join("missing")).unwrap_err();
    assert!(e.to_string().starts_with("getting status of '"), "{e}");
}

#[test]
fn nar_bytes_match_nix_store_dump() {
    if !oracle::require_nix("nar_bytes_match_nix_store_dump") {
        return;
    }
    let mut compared = BTreeMap::new();
    for f in [
        "tree",
        "tree/sub",
        "flat/single.txt",
        "flat/tool.sh",
        "tree/link-to-a",
    ] {
        let out = Command::new("nix-store")
            .arg("--dump")
            .arg(fixture(f))
            .output()
            .expect("running nix-store --dump");
        assert!(
            out.status.success(),
            "nix-store --dump {f}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ours = nar::dump_to_vec(&mut FsSource::new(), &fixture(f)).unwrap();
        assert!(ours == out.stdout, "{f}: NAR differs from nix-store --dump");
        compared.insert(f, ours.len());
    }
    assert_eq!(compared.len(), 5);
}
