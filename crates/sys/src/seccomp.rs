//! The optional seccomp filter: the system calls systemd-nspawn keeps away from
//! containers fail with `EPERM`, and `socket(AF_NETLINK, *, NETLINK_AUDIT)` fails with
//! `EAFNOSUPPORT` (what audit userspace takes for "no audit in this kernel").
//!
//! How it compares with systemd-nspawn's default filter (`src/nspawn/nspawn-seccomp.c`
//! in systemd's sources, read for this comparison; facts, not code, taken from it):
//! - nspawn **allows** a list (its `@default`, `@basic-io`, `@file-system`, `@mount`,
//!   `@network-io`, `@process`, … groups plus about fifty single calls) and fails
//!   everything else with `EPERM`; nest **denies** a list and allows everything else.
//!   So a system call newer than this list is allowed here and denied there. nest
//!   chose the deny list because an allow list has to learn every new system call
//!   before containers may use it, and because the capability bounding set already
//!   takes away what most of the rest would need (`CAP_SYS_ADMIN`, `CAP_SYS_MODULE`,
//!   `CAP_SYS_TIME`, `CAP_SYS_RAWIO`, `CAP_SYS_BOOT` are not in it).
//! - Denied by both: `@module` (init/finit/delete_module), `@clock` (settimeofday,
//!   clock_settime, clock_adjtime, adjtimex), `@raw-io` (iopl, ioperm), `@swap`,
//!   `@keyring` (add_key, keyctl, request_key: keyrings are not namespaced), `bpf`
//!   (bpffs is not namespaced), `kexec_load`, `kexec_file_load`, `open_by_handle_at`,
//!   `perf_event_open`, `quotactl`, `fanotify_init`, `fanotify_mark`,
//!   `lookup_dcookie`, `nfsservctl`, `@cpu-emulation` (modify_ldt on x86), the
//!   `@obsolete` calls the kernel still implements on x86_64 (uselib, ustat, sysfs;
//!   the removed ones fail with `ENOSYS` anyway), and `acct`/`syslog`
//!   (nspawn allows them only with CAP_SYS_PACCT/CAP_SYSLOG, which neither keeps by
//!   default).
//! - Denied by nspawn only: `@pkey` (pkey_alloc/free/mprotect: harmless, so nest
//!   allows them); `@memlock` without `CAP_IPC_LOCK` (nest leaves mlock to
//!   `RLIMIT_MEMLOCK`); `ptrace`/`process_vm_readv`/`process_vm_writev` without
//!   `CAP_SYS_PTRACE` and `vhangup` without `CAP_SYS_TTY_CONFIG` (both keep these
//!   capabilities by default, so both allow the calls); every call outside its
//!   allow list.
//! - `reboot`: nspawn keeps `CAP_SYS_BOOT` and allows it (a reboot inside a PID
//!   namespace ends the container); nest drops `CAP_SYS_BOOT`, so the kernel refuses
//!   it with or without this filter.
//! - nspawn's per-capability groups follow `--capability=`; nest's list does not
//!   change with `additionalCapabilities` (a container given `CAP_SYS_TIME` and the
//!   filter still cannot set the clock; leave `seccomp` off for such a container).
//! - Both add the NETLINK_AUDIT socket rule as a separate filter.

use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    #[error("seccomp is not supported on architecture {0}")]
    Arch(&'static str),
    #[error("building the seccomp filter: {0}")]
    Build(String),
    #[error("installing the seccomp filter: {0}")]
    Install(String),
}

/// The compiled filters, installed together.
#[derive(Debug, Clone)]
pub struct Program {
    filters: Vec<seccompiler::BpfProgram>,
}

impl Program {
    /// Instructions over all filters.
    pub fn len(&self) -> usize {
        self.filters.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The system calls the filter denies with `EPERM`, by number.
pub fn denied_syscalls() -> Vec<(&'static str, i64)> {
    let mut v: Vec<(&'static str, i64)> = vec![
        ("kexec_load", libc::SYS_kexec_load),
        ("kexec_file_load", libc::SYS_kexec_file_load),
        ("init_module", libc::SYS_init_module),
        ("finit_module", libc::SYS_finit_module),
        ("delete_module", libc::SYS_delete_module),
        ("swapon", libc::SYS_swapon),
        ("swapoff", libc::SYS_swapoff),
        ("settimeofday", libc::SYS_settimeofday),
        ("clock_settime", libc::SYS_clock_settime),
        ("clock_adjtime", libc::SYS_clock_adjtime),
        ("adjtimex", libc::SYS_adjtimex),
        ("acct", libc::SYS_acct),
        ("open_by_handle_at", libc::SYS_open_by_handle_at),
        ("bpf", libc::SYS_bpf),
        ("perf_event_open", libc::SYS_perf_event_open),
        ("quotactl", libc::SYS_quotactl),
        ("syslog", libc::SYS_syslog),
        ("add_key", libc::SYS_add_key),
        ("keyctl", libc::SYS_keyctl),
        ("request_key", libc::SYS_request_key),
        ("fanotify_init", libc::SYS_fanotify_init),
        ("fanotify_mark", libc::SYS_fanotify_mark),
        ("lookup_dcookie", libc::SYS_lookup_dcookie),
    ];
    #[cfg(target_arch = "x86_64")]
    v.extend([
        ("iopl", libc::SYS_iopl),
        ("ioperm", libc::SYS_ioperm),
        ("modify_ldt", libc::SYS_modify_ldt),
        ("nfsservctl", libc::SYS_nfsservctl),
        ("uselib", libc::SYS_uselib),
        ("ustat", libc::SYS_ustat),
        ("sysfs", libc::SYS_sysfs),
    ]);
    v
}

fn target() -> Result<seccompiler::TargetArch, SeccompError> {
    let arch = std::env::consts::ARCH;
    arch.try_into().map_err(|_| SeccompError::Arch(arch))
}

fn compile(filter: seccompiler::SeccompFilter) -> Result<seccompiler::BpfProgram, SeccompError> {
    filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| SeccompError::Build(e.to_string()))
}

/// Compiles the filters for this architecture.
pub fn build() -> Result<Program, SeccompError> {
    fn err(e: impl std::fmt::Display) -> SeccompError {
        SeccompError::Build(e.to_string())
    }
    let rules: BTreeMap<i64, Vec<seccompiler::SeccompRule>> = denied_syscalls()
        .into_iter()
        .map(|(_, n)| (n, Vec::new()))
        .collect();
    let deny = seccompiler::SeccompFilter::new(
        rules,
        seccompiler::SeccompAction::Allow,
        seccompiler::SeccompAction::Errno(libc::EPERM as u32),
        target()?,
    )
    .map_err(err)?;

    use seccompiler::{SeccompCmpArgLen, SeccompCmpOp, SeccompCondition};
    let cond = |arg: u8, value: i32| {
        SeccompCondition::new(arg, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, value as u64)
            .map_err(err)
    };
    let audit_socket = seccompiler::SeccompRule::new(vec![
        cond(0, libc::AF_NETLINK)?,
        cond(2, libc::NETLINK_AUDIT)?,
    ])
    .map_err(err)?;
    let audit = seccompiler::SeccompFilter::new(
        BTreeMap::from([(libc::SYS_socket, vec![audit_socket])]),
        seccompiler::SeccompAction::Allow,
        seccompiler::SeccompAction::Errno(libc::EAFNOSUPPORT as u32),
        target()?,
    )
    .map_err(err)?;
    Ok(Program {
        filters: vec![compile(deny)?, compile(audit)?],
    })
}

/// Installs the filters on the calling thread (inherited by children and kept across
/// exec). Needs `no_new_privs` or `CAP_SYS_ADMIN`.
pub fn install(program: &Program) -> Result<(), SeccompError> {
    for f in &program.filters {
        seccompiler::apply_filter(f).map_err(|e| SeccompError::Install(e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn builds_for_this_arch() {
        let p = super::build().expect("filter builds");
        assert!(p.len() > super::denied_syscalls().len());
        let names: Vec<&str> = super::denied_syscalls().iter().map(|(n, _)| *n).collect();
        for n in [
            "init_module",
            "kexec_load",
            "bpf",
            "keyctl",
            "clock_settime",
            "fanotify_init",
            "open_by_handle_at",
        ] {
            assert!(names.contains(&n), "{n}");
        }
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "no duplicates");
    }
}
