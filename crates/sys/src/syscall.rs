//! The seam between a setup sequence (mounts, pivot_root, hostname) and the kernel: a
//! trait with the real implementation here and a recording double in [`crate::fake`].

use nix::errno::Errno;
use nix::mount::{MntFlags, MsFlags};
use nix::sched::CloneFlags;
use std::path::{Path, PathBuf};

/// One failed call, with the arguments that explain it.
#[derive(Debug, thiserror::Error)]
pub enum SyscallError {
    #[error("mount {source_desc} on {target} (type {fstype}, flags {flags:?}): {errno}")]
    Mount {
        source_desc: String,
        target: PathBuf,
        fstype: String,
        flags: MsFlags,
        errno: Errno,
    },
    #[error("{op} {path}: {errno}")]
    Path {
        op: &'static str,
        path: PathBuf,
        errno: Errno,
    },
    #[error("{op}: {errno}")]
    Plain { op: &'static str, errno: Errno },
}

/// The calls a container's in-namespace setup makes, in the order it makes them.
pub trait Syscall {
    fn mount(
        &mut self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> Result<(), SyscallError>;
    fn umount_detach(&mut self, target: &Path) -> Result<(), SyscallError>;
    /// `mkdir -p`, with `mode` for the directories it creates.
    fn mkdir_all(&mut self, path: &Path, mode: u32) -> Result<(), SyscallError>;
    /// Creates an empty regular file to bind a file onto; an existing one is kept.
    fn touch(&mut self, path: &Path) -> Result<(), SyscallError>;
    /// Creates a symlink; an existing entry of that name is kept.
    fn symlink(&mut self, target: &Path, link: &Path) -> Result<(), SyscallError>;
    /// Creates a device node of the same type, numbers and permissions as the device
    /// node `like`; an existing entry of that name is kept.
    fn mknod_like(&mut self, like: &Path, path: &Path) -> Result<(), SyscallError>;
    fn exists(&mut self, path: &Path) -> bool;
    /// Whether `path` itself (not what it points to) is a symbolic link.
    fn is_symlink(&mut self, path: &Path) -> bool;
    fn chdir(&mut self, path: &Path) -> Result<(), SyscallError>;
    fn pivot_root(&mut self, new_root: &Path, put_old: &Path) -> Result<(), SyscallError>;
    fn sethostname(&mut self, name: &str) -> Result<(), SyscallError>;
    fn unshare(&mut self, flags: CloneFlags) -> Result<(), SyscallError>;
}

/// Binds `source` on `target` (creating the mount point: a directory or an empty file,
/// as `source` is), read-only if asked, with `extra` flags. Those need a second,
/// remounting call: the kernel ignores them on MS_BIND.
pub fn bind(
    sys: &mut dyn Syscall,
    source: &Path,
    target: &Path,
    is_dir: bool,
    read_only: bool,
    extra: MsFlags,
) -> Result<(), SyscallError> {
    if is_dir {
        sys.mkdir_all(target, 0o755)?;
    } else {
        sys.touch(target)?;
    }
    sys.mount(
        Some(source),
        target,
        None,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None,
    )?;
    if read_only || !extra.is_empty() {
        let ro = if read_only {
            MsFlags::MS_RDONLY
        } else {
            MsFlags::empty()
        };
        sys.mount(
            None,
            target,
            None,
            MsFlags::MS_BIND | MsFlags::MS_REMOUNT | ro | extra,
            None,
        )?;
    }
    Ok(())
}

/// The kernel.
#[derive(Debug, Default)]
pub struct Real;

fn path_err(op: &'static str, path: &Path, errno: Errno) -> SyscallError {
    SyscallError::Path {
        op,
        path: path.to_path_buf(),
        errno,
    }
}

fn io_errno(e: &std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}

impl Syscall for Real {
    fn mount(
        &mut self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> Result<(), SyscallError> {
        nix::mount::mount(source, target, fstype, flags, data).map_err(|errno| {
            SyscallError::Mount {
                source_desc: source.map_or_else(|| "none".to_string(), |s| s.display().to_string()),
                target: target.to_path_buf(),
                fstype: fstype.unwrap_or("none").to_string(),
                flags,
                errno,
            }
        })
    }

    fn umount_detach(&mut self, target: &Path) -> Result<(), SyscallError> {
        nix::mount::umount2(target, MntFlags::MNT_DETACH).map_err(|e| path_err("umount", target, e))
    }

    fn mkdir_all(&mut self, path: &Path, mode: u32) -> Result<(), SyscallError> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(mode)
            .create(path)
            .map_err(|e| path_err("mkdir", path, io_errno(&e)))
    }

    fn touch(&mut self, path: &Path) -> Result<(), SyscallError> {
        if path.symlink_metadata().is_ok() {
            return Ok(());
        }
        if let Some(parent) = path.parent() {
            self.mkdir_all(parent, 0o755)?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map(drop)
            .map_err(|e| path_err("create", path, io_errno(&e)))
    }

    fn symlink(&mut self, target: &Path, link: &Path) -> Result<(), SyscallError> {
        if link.symlink_metadata().is_ok() {
            return Ok(());
        }
        std::os::unix::fs::symlink(target, link)
            .map_err(|e| path_err("symlink", link, io_errno(&e)))
    }

    fn mknod_like(&mut self, like: &Path, path: &Path) -> Result<(), SyscallError> {
        use nix::sys::stat::{Mode, SFlag};
        let st = nix::sys::stat::stat(like).map_err(|e| path_err("stat", like, e))?;
        let kind = SFlag::from_bits_truncate(st.st_mode & libc::S_IFMT);
        if kind != SFlag::S_IFCHR && kind != SFlag::S_IFBLK {
            return Err(path_err("mknod (not a device node)", like, Errno::EINVAL));
        }
        let perm = Mode::from_bits_truncate(st.st_mode & 0o7777);
        match nix::sys::stat::mknod(path, kind, perm, st.st_rdev) {
            Ok(()) => {}
            Err(Errno::EEXIST) => return Ok(()),
            Err(e) => return Err(path_err("mknod", path, e)),
        }
        // mknod applied the umask; the node gets the host node's permissions.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(perm.bits()))
            .map_err(|e| path_err("chmod", path, io_errno(&e)))
    }

    fn exists(&mut self, path: &Path) -> bool {
        path.symlink_metadata().is_ok()
    }

    fn is_symlink(&mut self, path: &Path) -> bool {
        path.symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
    }

    fn chdir(&mut self, path: &Path) -> Result<(), SyscallError> {
        nix::unistd::chdir(path).map_err(|e| path_err("chdir", path, e))
    }

    fn pivot_root(&mut self, new_root: &Path, put_old: &Path) -> Result<(), SyscallError> {
        nix::unistd::pivot_root(new_root, put_old).map_err(|e| path_err("pivot_root", new_root, e))
    }

    fn sethostname(&mut self, name: &str) -> Result<(), SyscallError> {
        nix::unistd::sethostname(name).map_err(|errno| SyscallError::Plain {
            op: "sethostname",
            errno,
        })
    }

    fn unshare(&mut self, flags: CloneFlags) -> Result<(), SyscallError> {
        nix::sched::unshare(flags).map_err(|errno| SyscallError::Plain {
            op: "unshare",
            errno,
        })
    }
}
