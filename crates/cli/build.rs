//! Links the `nest-init` and `nest` binaries statically (static-pie) on glibc targets:
//! `nest-init` so that it runs in a container whose root has no glibc and maps only the
//! code it uses; `nest` because every container start (`nest spawn`) begins with its
//! start-up, where the dynamic loader mapped three libraries, looked up their symbols
//! and ran libgcc_s's CPU probing (cpuid, a VM exit each) before `main`.
//! Neither uses what static glibc cannot do (NSS lookups, `dlopen`).
//!
//! Only `-C target-feature=+crt-static` does this officially, and it can only be set
//! for a whole build (where it also breaks proc-macros and the `nest` binary's host
//! side). rustc links a glibc binary with `-Wl,-Bdynamic -lgcc_s -lutil -lrt -lpthread
//! -lm -ldl -lc`; a build script can only append link arguments. So this one appends
//! `-static-pie` and a library directory, searched before the system's, in which each
//! of those names is a linker script pointing at the static archive that
//! `+crt-static` would have used (`libgcc_s` → `libgcc_eh.a libgcc.a`). When an archive
//! is missing (no `libc6-dev`), the binary stays dynamic with a warning: `nest` then
//! falls back to `nest init` as PID 1.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux" || var("CARGO_CFG_TARGET_ENV") != "gnu" {
        return;
    }
    if var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static")
    {
        return;
    }
    // A profiling build (see the feature in Cargo.toml) stays dynamic: valgrind's heap
    // tools replace malloc in a shared libc only.
    if std::env::var_os("CARGO_FEATURE_SYSTEM_ALLOC").is_some() {
        return;
    }
    let cc = std::env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".to_string());
    let find = |name: &str| -> Option<PathBuf> {
        let out = Command::new(&cc)
            .arg(format!("-print-file-name={name}"))
            .output()
            .ok()?;
        let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        // cc prints the bare name back when it does not find the file.
        (p.is_absolute() && p.exists()).then_some(p)
    };
    let (Some(libc), Some(libm), Some(gcc_eh), Some(gcc), Some(_)) = (
        find("libc.a"),
        find("libm.a"),
        find("libgcc_eh.a"),
        find("libgcc.a"),
        find("rcrt1.o"),
    ) else {
        println!(
            "cargo:warning=nest-init: static glibc (libc.a, rcrt1.o: Debian libc6-dev) not found; \
             nest and nest-init are linked dynamically and nest will use `nest init` as PID 1"
        );
        return;
    };
    let dir = PathBuf::from(var("OUT_DIR")).join("static-libs");
    if let Err(e) = write_scripts(&dir, &libc, &libm, &gcc_eh, &gcc) {
        println!(
            "cargo:warning=nest-init: writing {}: {e}; linked dynamically",
            dir.display()
        );
        return;
    }
    for bin in ["nest-init", "nest"] {
        println!("cargo:rustc-link-arg-bin={bin}=-static-pie");
        println!("cargo:rustc-link-arg-bin={bin}=-L{}", dir.display());
    }
}

fn write_scripts(
    dir: &Path,
    libc: &Path,
    libm: &Path,
    gcc_eh: &Path,
    gcc: &Path,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let group = |files: &[&Path]| {
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        format!("GROUP ( {} )\n", names.join(" "))
    };
    let libc_group = group(&[libc, gcc_eh, gcc]);
    // glibc ≥ 2.34 has libpthread, librt, libdl and libutil inside libc.
    for name in ["c", "pthread", "rt", "dl", "util"] {
        std::fs::write(dir.join(format!("lib{name}.so")), &libc_group)?;
    }
    std::fs::write(dir.join("libm.so"), group(&[libm, libc]))?;
    std::fs::write(dir.join("libgcc_s.so"), group(&[gcc_eh, gcc]))?;
    Ok(())
}
