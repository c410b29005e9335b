//! Settings made before `main` for two start paths: `nest spawn`, which starts a
//! container and lives only as long as it does, and `nest eval` (`nix-instantiate`).
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
//!
//! The evaluator's arena: mimalloc's own first arena is one GiB, cut into 32 MiB
//! segments, one per thread to start with, where each size class in use gets its own
//! 64 KiB page. For an evaluation that arena is mapped here and advised against
//! transparent huge pages, whatever the host's default. With huge pages, each scattered
//! 64 KiB page a short evaluation touches faulted in (and zeroed) a whole 2 MiB page
//! (6 MiB of the 11 MiB RSS of `nest eval -E 1`), and on a host whose `defrag` setting
//! is `madvise` (Debian's default) a fault in an advised range may compact memory
//! first: the 100-container evaluation's system time went from 0.01 s to 0.31 s from
//! one run to the next, and while the host's memory was fragmented its median CPU time
//! was 35 % higher than in small pages (ARCHITECTURE.md has the figures of both states).
//! Small pages cost the same whatever the host's state, and 1–5 MB less RSS.

use std::ffi::{c_char, c_int, c_long, c_void, CStr};

extern "C" {
    /// mimalloc's `mi_option_set` (libmimalloc-sys, linked through [`crate::alloc`]).
    fn mi_option_set(option: c_int, value: c_long);
    /// mimalloc's `mi_manage_os_memory` (v2): memory the caller mapped becomes an arena.
    fn mi_manage_os_memory(
        start: *mut c_void,
        size: usize,
        is_committed: bool,
        is_large: bool,
        is_zero: bool,
        numa_node: c_int,
    ) -> bool;
}

/// `MI_SEGMENT_SIZE` of mimalloc v2: arenas hand out memory in segments of this size,
/// aligned to it.
const SEGMENT: usize = 32 << 20;
/// The size of mimalloc's own first arena (`arena_reserve`, 1 GiB on 64-bit).
const ARENA: usize = 1 << 30;

/// Whether a process started as `argv0 argv1 …` evaluates Nix (`nest eval`,
/// `nest nix-instantiate`, or nest called as `nix-instantiate`). Unlike `nest spawn`,
/// a copy of the binary under another name (benchmarks keep several) counts too.
fn is_eval(argv0: &[u8], argv1: &[u8]) -> bool {
    let name = argv0.rsplit(|b| *b == b'/').next().unwrap_or(argv0);
    name == b"nix-instantiate" || argv1 == b"eval" || argv1 == b"nix-instantiate"
}

/// Maps the evaluator's first arena (see the module comment) and gives it to mimalloc.
/// On any failure nothing is handed over and mimalloc maps its own arena as usual.
fn eval_arena() {
    // SAFETY: a new private anonymous mapping at an address the kernel picks; nothing
    // else refers to it. MAP_NORESERVE: like mimalloc's own arena, pages are only
    // backed once touched.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            ARENA + SEGMENT,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return;
    }
    let base = p as usize;
    let start = (base + SEGMENT - 1) & !(SEGMENT - 1);
    // SAFETY: the ranges unmapped and advised lie inside the mapping made above, which
    // nothing uses yet: the unaligned head and tail go back, the rest becomes the arena.
    unsafe {
        if start > base {
            libc::munmap(base as *mut c_void, start - base);
        }
        let tail = base + ARENA + SEGMENT - (start + ARENA);
        if tail > 0 {
            libc::munmap((start + ARENA) as *mut c_void, tail);
        }
        libc::madvise(start as *mut c_void, ARENA, libc::MADV_NOHUGEPAGE);
        // Committed (mapped read-write) and zeroed (fresh anonymous memory), not
        // pinned large OS pages, any NUMA node.
        if !mi_manage_os_memory(start as *mut c_void, ARENA, true, false, true, -1) {
            libc::munmap(start as *mut c_void, ARENA);
        }
    }
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
    } else if is_eval(a0.to_bytes(), a1.to_bytes()) {
        // Before the first allocation, so that mimalloc takes its first segments from
        // this arena rather than reserving its own.
        eval_arena();
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

    #[test]
    fn evaluations_get_the_arena() {
        assert!(is_eval(b"nest", b"eval"));
        assert!(is_eval(b"/usr/bin/nest", b"nix-instantiate"));
        assert!(is_eval(b"/usr/bin/nix-instantiate", b"--eval"));
        assert!(is_eval(b"nix-instantiate", b""));
        assert!(!is_eval(b"/usr/bin/nest", b"spawn"));
        assert!(!is_eval(b"/usr/bin/nest", b"switch"));
        assert!(is_eval(b"/tmp/nest-old", b"eval"));
        assert!(!is_eval(b"/usr/bin/eval", b"nest"));
    }
}
