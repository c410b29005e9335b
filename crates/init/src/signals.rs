//! Signal delivery into the poll loop by the self-pipe pattern (through `signal-hook`,
//! which owns the `unsafe` of installing handlers).
//!
//! Why not a blocked mask + signalfd: the mask is inherited by every service (std's
//! spawn does not reset it), and resetting it needs `pre_exec`. Installed handlers are
//! reset by `exec`, and a PID 1 in a namespace only receives signals it has a handler
//! for (or blocks), so handlers are needed anyway.

use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub struct SignalPipe {
    read: UnixStream,
    flags: Vec<(i32, Arc<AtomicBool>)>,
}

impl SignalPipe {
    /// Installs handlers for `signals` (raw numbers, real-time ones allowed).
    pub fn new(signals: &[i32]) -> std::io::Result<SignalPipe> {
        let (read, write) = UnixStream::pair()?;
        read.set_nonblocking(true)?;
        write.set_nonblocking(true)?;
        let mut flags = Vec::with_capacity(signals.len());
        for &sig in signals {
            let flag = Arc::new(AtomicBool::new(false));
            // The flag is registered first so it is set before the wake-up byte is written.
            signal_hook::flag::register(sig, Arc::clone(&flag))?;
            signal_hook::low_level::pipe::register(sig, write.try_clone()?)?;
            flags.push((sig, flag));
        }
        Ok(SignalPipe { read, flags })
    }

    /// Signals received since the last call (each at most once).
    pub fn pending(&self) -> Vec<i32> {
        let mut buf = [0u8; 256];
        let mut r = &self.read;
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
        }
        self.flags
            .iter()
            .filter(|(_, f)| f.swap(false, Ordering::SeqCst))
            .map(|(s, _)| *s)
            .collect()
    }
}

impl AsFd for SignalPipe {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }
}
