//! An optional seccomp filter that makes the system calls systemd-nspawn keeps away from
//! containers (module loading, kexec, the clock, swap, keyrings, raw BPF…) fail with
//! `EPERM`, and lets everything else through.

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

/// A compiled filter.
pub type Program = seccompiler::BpfProgram;

/// The system calls the filter denies, by number.
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
    ];
    #[cfg(target_arch = "x86_64")]
    v.extend([("iopl", libc::SYS_iopl), ("ioperm", libc::SYS_ioperm)]);
    v
}

/// Compiles the filter for this architecture.
pub fn build() -> Result<Program, SeccompError> {
    let arch = std::env::consts::ARCH;
    let target: seccompiler::TargetArch = arch.try_into().map_err(|_| SeccompError::Arch(arch))?;
    let rules: BTreeMap<i64, Vec<seccompiler::SeccompRule>> = denied_syscalls().into_iter().map(|(_, n)| (n, Vec::new())).collect();
    let filter = seccompiler::SeccompFilter::new(
        rules,
        seccompiler::SeccompAction::Allow,
        seccompiler::SeccompAction::Errno(libc::EPERM as u32),
        target,
    )
    .map_err(|e| SeccompError::Build(e.to_string()))?;
    filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| SeccompError::Build(e.to_string()))
}

/// Installs a compiled filter on the calling thread (inherited by children and kept
/// across exec). Needs `no_new_privs` or `CAP_SYS_ADMIN`.
pub fn install(program: &Program) -> Result<(), SeccompError> {
    seccompiler::apply_filter(program).map_err(|e| SeccompError::Install(e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn builds_for_this_arch() {
        let p = super::build().expect("filter builds");
        assert!(p.len() > super::denied_syscalls().len());
    }
}
