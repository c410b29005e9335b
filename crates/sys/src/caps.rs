//! Capabilities: names, the bounding set, the process's own sets, `no_new_privs`.

use nix::errno::Errno;

/// Capability names by number (capabilities(7)).
pub const NAMES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// A set of capabilities as a bit mask (bit N = capability N).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CapSet(pub u64);

impl CapSet {
    pub fn contains(self, cap: u8) -> bool {
        cap < 64 && self.0 & (1u64 << cap) != 0
    }
    pub fn with(self, cap: u8) -> CapSet {
        CapSet(self.0 | (1u64 << cap))
    }
    pub fn without(self, cap: u8) -> CapSet {
        CapSet(self.0 & !(1u64 << cap))
    }
    pub fn names(self) -> Vec<&'static str> {
        NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.contains(*i as u8))
            .map(|(_, n)| *n)
            .collect()
    }
}

/// The number of a capability named `CAP_X`, `cap_x` or `x` (case-insensitive).
pub fn from_name(name: &str) -> Option<u8> {
    let upper = name.to_ascii_uppercase();
    let full = if upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    };
    NAMES.iter().position(|n| *n == full).map(|i| i as u8)
}

/// The highest capability number this kernel knows.
pub fn last_cap() -> u8 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or((NAMES.len() - 1) as u8)
}

/// Drops every capability not in `keep` from the bounding set. Needs `CAP_SETPCAP`.
pub fn drop_bounding_except(keep: CapSet) -> Result<(), Errno> {
    for cap in 0..=last_cap() {
        if keep.contains(cap) {
            continue;
        }
        // SAFETY: PR_CAPBSET_DROP takes a capability number and no pointers.
        let r = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
        if r != 0 {
            let e = Errno::last();
            // A capability unknown to this kernel is not in the set anyway.
            if e != Errno::EINVAL {
                return Err(e);
            }
        }
    }
    Ok(())
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const CAP_VERSION_3: u32 = 0x2008_0522;

/// Limits this process's effective, permitted and inheritable sets to `keep` and
/// clears the ambient set.
pub fn limit_own(keep: CapSet) -> Result<(), Errno> {
    let mut header = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: header and data are valid for the version-3 layout (two CapData).
    if unsafe {
        libc::syscall(
            libc::SYS_capget,
            &mut header as *mut CapHeader,
            data.as_mut_ptr(),
        )
    } != 0
    {
        return Err(Errno::last());
    }
    let lo = keep.0 as u32;
    let hi = (keep.0 >> 32) as u32;
    for (d, mask) in data.iter_mut().zip([lo, hi]) {
        d.effective &= mask;
        d.permitted &= mask;
        d.inheritable &= mask;
    }
    // SAFETY: as above.
    if unsafe {
        libc::syscall(
            libc::SYS_capset,
            &mut header as *mut CapHeader,
            data.as_ptr(),
        )
    } != 0
    {
        return Err(Errno::last());
    }
    // SAFETY: PR_CAP_AMBIENT_CLEAR_ALL takes no pointers.
    let r = unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        )
    };
    if r != 0 && Errno::last() != Errno::EINVAL {
        return Err(Errno::last());
    }
    Ok(())
}

/// Sets `no_new_privs`: execve never grants privileges again (setuid, file caps).
pub fn set_no_new_privs() -> Result<(), Errno> {
    nix::sys::prctl::set_no_new_privs()
}

/// Parses the `CapBnd:` (or any `Cap*:`) line of a `/proc/PID/status` text.
pub fn parse_status_line(status: &str, key: &str) -> Option<CapSet> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .map(CapSet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(from_name("CAP_SYS_ADMIN"), Some(21));
        assert_eq!(from_name("sys_time"), Some(25));
        assert_eq!(from_name("cap_net_admin"), Some(12));
        assert_eq!(from_name("CAP_NOPE"), None);
        assert_eq!(
            CapSet(0).with(21).with(25).names(),
            vec!["CAP_SYS_ADMIN", "CAP_SYS_TIME"]
        );
    }

    #[test]
    fn parses_status() {
        let s = "Name:\tx\nCapBnd:\t00000000a80425fb\n";
        let set = parse_status_line(s, "CapBnd:").expect("parsed");
        assert!(set.contains(0));
        assert!(!set.contains(16));
    }
}
