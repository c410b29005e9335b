//! Pseudo-terminals: a pty pair from the current mount namespace's `/dev/ptmx`,
//! window sizes, raw mode, and making a pty the controlling terminal.

use nix::errno::Errno;
use nix::sys::termios::{self, SetArg, Termios};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;

/// A pty master and the path of its slave.
pub struct Pty {
    pub master: OwnedFd,
    pub slave_path: PathBuf,
}

/// Opens a new pty pair through `/dev/ptmx` as the caller's mount namespace sees it.
pub fn open() -> Result<Pty, Errno> {
    use nix::fcntl::OFlag;
    let master = nix::pty::posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC)?;
    nix::pty::grantpt(&master)?;
    nix::pty::unlockpt(&master)?;
    let name = nix::pty::ptsname_r(&master)?;
    Ok(Pty {
        master: master.into(),
        slave_path: PathBuf::from(name),
    })
}

/// The window size of a terminal, if it is one.
pub fn window_size(fd: BorrowedFd<'_>) -> Option<libc::winsize> {
    // SAFETY: winsize is plain data; TIOCGWINSZ writes exactly one.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: fd is a valid descriptor for the borrow's lifetime; ws is valid.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) };
    (r == 0).then_some(ws)
}

/// Sets a terminal's window size.
pub fn set_window_size(fd: BorrowedFd<'_>, ws: &libc::winsize) -> Result<(), Errno> {
    // SAFETY: fd is valid for the borrow; ws points to a valid winsize.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, ws as *const libc::winsize) };
    if r == 0 {
        Ok(())
    } else {
        Err(Errno::last())
    }
}

/// Makes `fd` (a pty slave) the controlling terminal of the calling session leader.
pub fn make_controlling(fd: BorrowedFd<'_>) -> Result<(), Errno> {
    // SAFETY: TIOCSCTTY takes an int flag, no pointers.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSCTTY, 0) };
    if r == 0 {
        Ok(())
    } else {
        Err(Errno::last())
    }
}

/// Puts a terminal into raw mode; the returned settings restore it.
pub fn set_raw<F: AsFd>(fd: F) -> Result<Termios, Errno> {
    let orig = termios::tcgetattr(&fd)?;
    let mut raw = orig.clone();
    termios::cfmakeraw(&mut raw);
    termios::tcsetattr(&fd, SetArg::TCSANOW, &raw)?;
    Ok(orig)
}

/// Restores settings saved by [`set_raw`].
pub fn restore<F: AsFd>(fd: F, saved: &Termios) -> Result<(), Errno> {
    termios::tcsetattr(&fd, SetArg::TCSANOW, saved)
}
