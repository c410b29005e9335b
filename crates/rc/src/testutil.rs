//! Test helpers: values that record their drops, and a check that an action aborts the
//! process (run in a child process, since an abort cannot be caught).

use std::cell::{Cell, RefCell};
use std::rc::Rc as StdRc;

/// Counts the drops of every `Counted` made from it, and records their order.
#[derive(Default, Clone)]
pub struct Drops {
    count: StdRc<Cell<usize>>,
    log: StdRc<RefCell<Vec<String>>>,
}

impl Drops {
    pub fn new() -> Drops {
        Drops::default()
    }
    pub fn make(&self, name: impl Into<String>) -> Counted {
        Counted {
            name: name.into(),
            drops: self.clone(),
        }
    }
    pub fn count(&self) -> usize {
        self.count.get()
    }
    pub fn log(&self) -> Vec<String> {
        self.log.borrow().clone()
    }
}

/// Records its drop in the `Drops` it was made from.
#[derive(Debug)]
pub struct Counted {
    pub name: String,
    drops: Drops,
}

impl std::fmt::Debug for Drops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Drops({})", self.count())
    }
}

impl Clone for Counted {
    fn clone(&self) -> Counted {
        self.drops.make(format!("{}'", self.name))
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.count.set(self.drops.count.get() + 1);
        self.drops.log.borrow_mut().push(self.name.clone());
    }
}

/// Names the child role of a test that re-runs itself in a child process.
const CHILD_ENV: &str = "NEST_RC_TEST_CHILD";

/// Runs `act` in a child process (this test binary, filtered to the test `test_name`) and
/// asserts that it was killed by SIGABRT. Returns `false` under Miri, which cannot start
/// processes; the caller then checks what it can in-process.
///
/// In the child, this runs `act` and, if it returns, exits with status 0, which the
/// parent reports as a failure.
pub fn assert_aborts(test_name: &str, act: impl FnOnce()) -> bool {
    if std::env::var_os(CHILD_ENV).is_some_and(|v| v == test_name) {
        act();
        std::process::exit(0);
    }
    if cfg!(miri) {
        return false;
    }
    use std::os::unix::process::ExitStatusExt;
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = std::process::Command::new(exe)
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test_name)
        .output()
        .expect("the test binary runs");
    assert_eq!(
        out.status.signal(),
        Some(libc_sigabrt()),
        "{test_name} in a child: {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // An abort is not a panic: the panic hook never printed.
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

/// SIGABRT is 6 on every Linux architecture.
fn libc_sigabrt() -> i32 {
    6
}
