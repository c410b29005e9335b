//! Settings made before `main` for one start path: `nest spawn`, which starts a
//! container and lives only as long as it does.
//!
//! Transparent huge pages: mimalloc (the process allocator, see [`crate::alloc`])
//! asks for huge pages on its arena, so the first allocation of a process faults in a
//! 2 MiB page and zeroes it. For a process that allocates a few hundred KiB and exits,
//! that zeroing was the largest single cost of a container's start (17% of the CPU
//! time of `nest spawn -- /bin/true`, perf; 4.5 -> 3.8 ms of task-clock without it). The
//! allocator reads the option at its first allocation, which Rust's runtime makes
//! before `main`: hence a constructor. With the option off, mimalloc also sets
//! `PR_SET_THP_DISABLE` on the process, which children inherit; the runtime clears it
//! again before anything runs in the container (see [`allow_thp_again`]).

use std::ffi::{c_char, c_int, c_long, CStr};

extern "C" {
    /// mimalloc's `mi_option_set` (libmimalloc-sys, linked through [`crate::alloc`]).
    fn mi_option_set(option: c_int, value: c_long);
}

/// `mi_option_allow_thp` in mimalloc's `mi_option_t` (v2).
const MI_OPTION_ALLOW_THP: c_int = 37;

/// Whether a process started as `argv0 argv1 …` is a `nest spawn`.
fn is_spawn(argv0: &[u8], argv1: &[u8]) -> bool {
    argv0.rsplit(|b| *b == b'/').next() == Some(b"nest".as_slice()) && argv1 == b"spawn"
}

extern "C" fn before_main(argc: c_int, argv: *const *const c_char, _envp: *const *const c_char) {
    if argc < 2 || argv.is_null() {
        return;
    }
    // SAFETY: glibc calls `.init_array` functions with the process's argc and argv,
    // whose first argc entries are valid NUL-terminated strings.
    let (a0, a1) = unsafe {
        let (p0, p1) = (*argv, *argv.add(1));
        if p0.is_null() || p1.is_null() {
            return;
        }
        (CStr::from_ptr(p0), CStr::from_ptr(p1))
    };
    if is_spawn(a0.to_bytes(), a1.to_bytes()) {
        // SAFETY: setting an option has no preconditions; nothing has been allocated
        // yet, so every allocation sees it.
        unsafe { mi_option_set(MI_OPTION_ALLOW_THP, 0) }
    }
}

#[used]
#[link_section = ".init_array"]
static BEFORE_MAIN: extern "C" fn(c_int, *const *const c_char, *const *const c_char) = before_main;

/// Keeps the constructor in the final executable (an unreferenced object of a library
/// may be left out by the linker); `nest`'s `main` calls it.
pub fn link_before_main() {
    std::hint::black_box(&BEFORE_MAIN);
}

/// Undoes the `PR_SET_THP_DISABLE` the lean start may have set, so that the
/// container's processes (which inherit it through fork and exec) get the host's
/// huge-page policy.
pub fn allow_thp_again() {
    let _ = nix::sys::prctl::set_thp_disable(false);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_nest_spawn_starts_lean() {
        assert!(is_spawn(b"nest", b"spawn"));
        assert!(is_spawn(b"/usr/bin/nest", b"spawn"));
        assert!(!is_spawn(b"/usr/bin/nest", b"eval"));
        assert!(!is_spawn(b"/run/host/nest-init", b"spawn"));
        assert!(!is_spawn(b"spawn", b"nest"));
    }
}
