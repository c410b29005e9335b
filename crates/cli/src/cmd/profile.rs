//! `nest profile …` (also reachable as `nest store profile …`): list, switch, roll
//! back and delete the generations of a profile; the work is in `nest_store::profile`.

use crate::cmd::store::StoreArgs;
use crate::output::Output;
use anyhow::{bail, Context};
use nest_store::profile::Profile;
use nest_store::Store;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// List a profile's generations (number, date, target).
    List {
        /// The profile (a path, or a name relative to `<state>/profiles`, such as
        /// `containers/foo` or `host`).
        profile: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Make a store path the profile's new generation.
    Switch {
        profile: String,
        path: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Go back to the previous generation.
    Rollback {
        profile: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Make generation N current.
    SwitchGeneration {
        profile: String,
        generation: u64,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Delete generations (numbers, or `old` for every one but the current); the
    /// current one cannot be deleted.
    DeleteGenerations {
        profile: String,
        #[arg(required = true, value_name = "N|old")]
        generations: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// A profile named on the command line: a path (absolute, or starting with `.`), or a
/// name under `<state>/profiles`.
pub fn profile_of(store: &Store, p: &str) -> Profile {
    if p.starts_with('/') || p.starts_with("./") || p.starts_with("../") {
        Profile::new(p)
    } else {
        Profile::in_store(store, p)
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) for seconds since the epoch.
pub fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Days since 1970-01-01 to a civil date, counting in 400-year eras from 0000-03-01
    // so that leap days fall at the end of each era's year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

pub fn run(cmd: Command, out: &Output) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::List {
            profile,
            json,
            store,
        } => {
            let s = store.open()?;
            let gens = profile_of(&s, &profile).generations()?;
            if json {
                out.json(&gens);
            } else {
                let mut text = String::new();
                for g in gens {
                    text.push_str(&format!(
                        "{:>4}   {}   {}{}\n",
                        g.number,
                        utc(g.created),
                        g.path,
                        if g.current { "   (current)" } else { "" }
                    ));
                }
                out.stdout(&text);
            }
        }
        Command::Switch {
            profile,
            path,
            store,
        } => {
            let s = store.open()?;
            let p = if s.store_dir().is_in_store(&path) {
                s.parse_path(&path)?
            } else {
                let real =
                    std::fs::canonicalize(&path).with_context(|| format!("path '{path}'"))?;
                s.parse_path(&real.to_string_lossy())?
            };
            let n = profile_of(&s, &profile).switch(&s, &p)?;
            out.status(&format!("switched to generation {n}"));
        }
        Command::Rollback { profile, store } => {
            let s = store.open()?;
            let n = profile_of(&s, &profile).rollback()?;
            out.status(&format!("rolled back to generation {n}"));
        }
        Command::SwitchGeneration {
            profile,
            generation,
            store,
        } => {
            let s = store.open()?;
            profile_of(&s, &profile).switch_generation(generation)?;
            out.status(&format!("switched to generation {generation}"));
        }
        Command::DeleteGenerations {
            profile,
            generations,
            store,
        } => {
            let s = store.open()?;
            let p = profile_of(&s, &profile);
            if generations.iter().any(|g| g == "old") {
                if generations.len() > 1 {
                    bail!("`old` cannot be combined with generation numbers");
                }
                let gone = p.delete_old()?;
                out.status(&format!("deleted {} generations", gone.len()));
            } else {
                let mut numbers = Vec::new();
                for g in &generations {
                    numbers.push(
                        g.parse::<u64>().with_context(|| {
                            format!("'{g}' is not a generation number or `old`")
                        })?,
                    );
                }
                p.delete_generations(&numbers)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20");
        assert_eq!(utc(-1), "1969-12-31 23:59:59");
    }
}
