//! `nest-init`: the same PID 1 as `nest init` as a small, statically linked binary
//! (see build.rs). `nest` runs it as a container's PID 1 when it finds it next to its own
//! executable: it maps far less code than the full `nest` binary. Accepts `nest init`'s flags.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: nest-init --system SYSTEM [--state-dir DIR] [--etc-dir DIR] [--strict-activation]
                 [--log-max-bytes N] [--log-keep N] [--quiet]
       nest-init --exec -- CMD...";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(msg) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "nest-init: {msg}\n{USAGE}");
            ExitCode::from(if msg.starts_with("error:") { 1 } else { 2 })
        }
    }
}

fn run(args: &[String]) -> Result<i32, String> {
    let mut cfg = nest_init::SystemConfig {
        system: PathBuf::new(),
        state_dir: PathBuf::from("/run/host/state"),
        etc_dir: PathBuf::from("/etc"),
        log_limits: nest_init::LogLimits::default(),
        strict_activation: false,
        console: true,
    };
    let mut system = None;
    let mut exec = false;
    let mut i = 0;
    let value = |i: &mut usize, flag: &str| -> Result<String, String> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| format!("{flag} needs a value"))
    };
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "--system" => system = Some(PathBuf::from(value(&mut i, a)?)),
            "--state-dir" => cfg.state_dir = PathBuf::from(value(&mut i, a)?),
            "--etc-dir" => cfg.etc_dir = PathBuf::from(value(&mut i, a)?),
            "--strict-activation" => cfg.strict_activation = true,
            "--quiet" => cfg.console = false,
            "--log-max-bytes" => {
                cfg.log_limits.max_bytes = value(&mut i, a)?
                    .parse::<u64>()
                    .map_err(|e| format!("{a}: {e}"))?
                    .max(1)
            }
            "--log-keep" => {
                cfg.log_limits.keep = value(&mut i, a)?.parse().map_err(|e| format!("{a}: {e}"))?
            }
            "--exec" => exec = true,
            "--" if exec => {
                return nest_init::run_exec(&args[i + 1..]).map_err(|e| format!("error: {e}"));
            }
            other => return Err(format!("unexpected argument {other:?}")),
        }
        i += 1;
    }
    if exec {
        return Err("--exec needs `-- CMD...`".into());
    }
    cfg.system = system.ok_or("--system is required")?;
    nest_init::run_system(cfg).map_err(|e| format!("error: {e}"))
}
