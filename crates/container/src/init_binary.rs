//! Which executable boots a container as its PID 1: the small, statically linked
//! `nest-init` installed next to nest's own executable, or (when it is missing or not
//! static) nest itself as `nest init`, run through the host's dynamic loader.
//!
//! Why both: the full `nest` binary as PID 1 keeps ~5 MiB more of its code and of the
//! host's glibc resident than `nest-init` (bench/init); a static binary also needs no
//! libraries from the host inside the container. The fallback keeps a `nest` built or
//! copied on its own working.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The stand-alone init's file name, looked up next to nest's executable.
pub const INIT_NAME: &str = "nest-init";

/// The executable chosen for PID 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitBinary {
    /// `nest-init`, statically linked: run directly.
    Static(PathBuf),
    /// `nest init`, with the reason `nest-init` was not used.
    Nest { exe: PathBuf, why: String },
}

impl InitBinary {
    /// `nest-init` next to `nest_exe` when it is a static executable, else `nest_exe`.
    pub fn choose(nest_exe: &Path) -> InitBinary {
        let candidate = nest_exe.with_file_name(INIT_NAME);
        match static_executable(&candidate) {
            Ok(()) => InitBinary::Static(candidate),
            Err(why) => InitBinary::Nest {
                exe: nest_exe.to_path_buf(),
                why,
            },
        }
    }

    /// The one-line warning for the fallback, `None` when `nest-init` is used.
    pub fn warning(&self) -> Option<String> {
        match self {
            InitBinary::Static(_) => None,
            InitBinary::Nest { why, .. } => Some(format!(
                "warning: {why}; PID 1 is `nest init` instead (about 5 MiB more memory per \
                 container): build both binaries with `cargo build --release`"
            )),
        }
    }
}

/// `Ok` when `p` is an executable ELF file without an interpreter (statically linked,
/// plain or PIE) for the same machine as this process; else why not, in words.
pub fn static_executable(p: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let shown = p.display();
    let md = std::fs::metadata(p).map_err(|e| format!("{shown}: {e}"))?;
    if !md.is_file() || md.permissions().mode() & 0o111 == 0 {
        return Err(format!("{shown} is not an executable file"));
    }
    let own = head_of(Path::new("/proc/self/exe"), 64)
        .ok()
        .and_then(|b| elf_machine(&b));
    let head = head_of(p, 64 * 1024).map_err(|e| format!("{shown}: {e}"))?;
    let machine = elf_machine(&head).ok_or_else(|| format!("{shown} is not an ELF executable"))?;
    if own.is_some_and(|m| m != machine) {
        return Err(format!("{shown} is built for another machine"));
    }
    match has_interpreter(&head) {
        Some(false) => Ok(()),
        Some(true) => Err(format!("{shown} is dynamically linked")),
        None => Err(format!("{shown} has unreadable program headers")),
    }
}

/// The first `n` bytes of a file (fewer when it is shorter): executables are large,
/// their headers are at the start.
fn head_of(p: &Path, n: u64) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    std::fs::File::open(p)?.take(n).read_to_end(&mut head)?;
    Ok(head)
}

const PT_INTERP: u32 = 3;

/// `(is_64, e_machine)` of a little-endian ELF image's header.
fn elf_machine(b: &[u8]) -> Option<(bool, u16)> {
    if b.get(..4)? != b"\x7fELF" || *b.get(5)? != 1 {
        return None;
    }
    let is_64 = match b.get(4)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    Some((is_64, u16_at(b, 0x12)?))
}

/// Whether the image has a `PT_INTERP` program header; `None` when the headers are
/// not within `b`.
fn has_interpreter(b: &[u8]) -> Option<bool> {
    let (is_64, _) = elf_machine(b)?;
    let (phoff, entsize, num) = if is_64 {
        (
            usize::try_from(u64_at(b, 0x20)?).ok()?,
            u16_at(b, 0x36)?,
            u16_at(b, 0x38)?,
        )
    } else {
        (
            usize::try_from(u32_at(b, 0x1c)?).ok()?,
            u16_at(b, 0x2a)?,
            u16_at(b, 0x2c)?,
        )
    };
    let mut interp = false;
    for i in 0..usize::from(num) {
        let at = phoff.checked_add(i.checked_mul(usize::from(entsize))?)?;
        interp |= u32_at(b, at)? == PT_INTERP;
    }
    Some(interp)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ELF64 header with program headers of the given types.
    fn elf64(types: &[u32]) -> Vec<u8> {
        let mut b = vec![0u8; 64 + 56 * types.len()];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[0x12..0x14].copy_from_slice(&62u16.to_le_bytes());
        b[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        b[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        b[0x38..0x3a].copy_from_slice(&(types.len() as u16).to_le_bytes());
        for (i, t) in types.iter().enumerate() {
            let at = 64 + 56 * i;
            b[at..at + 4].copy_from_slice(&t.to_le_bytes());
        }
        b
    }

    #[test]
    fn interpreter_header_means_dynamic() {
        assert_eq!(has_interpreter(&elf64(&[6, 3, 1])), Some(true));
        assert_eq!(has_interpreter(&elf64(&[6, 1, 2])), Some(false));
        assert_eq!(elf_machine(&elf64(&[])), Some((true, 62)));
        let mut cut = elf64(&[1, 1]);
        cut.truncate(100);
        assert_eq!(has_interpreter(&cut), None, "headers past the end");
        assert_eq!(elf_machine(b"#!/bin/sh\n"), None);
    }

    struct RemoveDir(PathBuf);

    impl Drop for RemoveDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn the_choice_names_why_it_falls_back() {
        let d = std::env::temp_dir().join(format!("nest-init-binary-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        let _rm = RemoveDir(d.clone());
        let nest = d.join("nest");
        std::fs::write(&nest, b"").expect("nest");
        let c = InitBinary::choose(&nest);
        assert!(
            matches!(&c, InitBinary::Nest { exe, why } if *exe == nest && why.contains("nest-init")),
            "{c:?}"
        );
        let w = c.warning().expect("a warning");
        assert!(w.starts_with("warning: ") && !w.contains('\n'), "{w}");

        use std::os::unix::fs::PermissionsExt;
        let init = d.join(INIT_NAME);
        std::fs::write(&init, elf64(&[6, 3, 1])).expect("init");
        std::fs::set_permissions(&init, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let host_is_x86_64 = cfg!(target_arch = "x86_64");
        let c = InitBinary::choose(&nest);
        assert!(
            matches!(&c, InitBinary::Nest { why, .. } if why.contains(if host_is_x86_64 { "dynamically linked" } else { "another machine" })),
            "{c:?}"
        );
        std::fs::write(&init, elf64(&[6, 1])).expect("init");
        let c = InitBinary::choose(&nest);
        if host_is_x86_64 {
            assert_eq!(c, InitBinary::Static(init.clone()));
            assert_eq!(c.warning(), None);
        }
        std::fs::set_permissions(&init, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(
            matches!(InitBinary::choose(&nest), InitBinary::Nest { why, .. } if why.contains("not an executable")),
        );
    }
}
