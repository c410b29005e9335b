//! A recording [`Syscall`] double: remembers every call, can be told to fail one, and
//! pretends a chosen set of paths exists. Used by unit tests of setup sequences.

use crate::syscall::{Syscall, SyscallError};
use nix::errno::Errno;
use nix::mount::MsFlags;
use nix::sched::CloneFlags;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One recorded call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Mount {
        source: Option<PathBuf>,
        target: PathBuf,
        fstype: Option<String>,
        flags: MsFlags,
        data: Option<String>,
    },
    UmountDetach(PathBuf),
    MkdirAll(PathBuf),
    Touch(PathBuf),
    Symlink {
        target: PathBuf,
        link: PathBuf,
    },
    MknodLike {
        like: PathBuf,
        path: PathBuf,
    },
    Chdir(PathBuf),
    PivotRoot {
        new_root: PathBuf,
        put_old: PathBuf,
    },
    SetHostname(String),
    Unshare(CloneFlags),
}

/// Records calls instead of making them.
#[derive(Debug, Default)]
pub struct Recording {
    pub calls: Vec<Call>,
    /// Paths that [`Syscall::exists`] reports as present.
    pub existing: BTreeSet<PathBuf>,
    /// Paths that [`Syscall::is_symlink`] reports as symbolic links.
    pub symlinks: BTreeSet<PathBuf>,
    /// Fail the call with this index (0-based) with `EPERM`.
    pub fail_at: Option<usize>,
}

impl Recording {
    fn record(&mut self, call: Call) -> Result<(), SyscallError> {
        let index = self.calls.len();
        self.calls.push(call);
        if self.fail_at == Some(index) {
            return Err(SyscallError::Plain {
                op: "fake",
                errno: Errno::EPERM,
            });
        }
        Ok(())
    }

    /// The mount calls only, as `(target, fstype, flags)`.
    pub fn mounts(&self) -> Vec<(PathBuf, Option<String>, MsFlags)> {
        self.calls
            .iter()
            .filter_map(|c| match c {
                Call::Mount {
                    target,
                    fstype,
                    flags,
                    ..
                } => Some((target.clone(), fstype.clone(), *flags)),
                _ => None,
            })
            .collect()
    }
}

impl Syscall for Recording {
    fn mount(
        &mut self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> Result<(), SyscallError> {
        self.record(Call::Mount {
            source: source.map(Path::to_path_buf),
            target: target.to_path_buf(),
            fstype: fstype.map(str::to_string),
            flags,
            data: data.map(str::to_string),
        })
    }
    fn umount_detach(&mut self, target: &Path) -> Result<(), SyscallError> {
        self.record(Call::UmountDetach(target.to_path_buf()))
    }
    fn mkdir_all(&mut self, path: &Path, _mode: u32) -> Result<(), SyscallError> {
        self.record(Call::MkdirAll(path.to_path_buf()))
    }
    fn touch(&mut self, path: &Path) -> Result<(), SyscallError> {
        self.record(Call::Touch(path.to_path_buf()))
    }
    fn symlink(&mut self, target: &Path, link: &Path) -> Result<(), SyscallError> {
        self.record(Call::Symlink {
            target: target.to_path_buf(),
            link: link.to_path_buf(),
        })
    }
    fn mknod_like(&mut self, like: &Path, path: &Path) -> Result<(), SyscallError> {
        self.record(Call::MknodLike {
            like: like.to_path_buf(),
            path: path.to_path_buf(),
        })
    }
    fn exists(&mut self, path: &Path) -> bool {
        self.existing.contains(path)
    }
    fn is_symlink(&mut self, path: &Path) -> bool {
        self.symlinks.contains(path)
    }
    fn chdir(&mut self, path: &Path) -> Result<(), SyscallError> {
        self.record(Call::Chdir(path.to_path_buf()))
    }
    fn pivot_root(&mut self, new_root: &Path, put_old: &Path) -> Result<(), SyscallError> {
        self.record(Call::PivotRoot {
            new_root: new_root.to_path_buf(),
            put_old: put_old.to_path_buf(),
        })
    }
    fn sethostname(&mut self, name: &str) -> Result<(), SyscallError> {
        self.record(Call::SetHostname(name.to_string()))
    }
    fn unshare(&mut self, flags: CloneFlags) -> Result<(), SyscallError> {
        self.record(Call::Unshare(flags))
    }
}
