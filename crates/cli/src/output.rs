//! The one place nest writes to the terminal: human text on stderr, machine output on
//! stdout. Subcommands never call `println!` themselves.

use std::io::{IsTerminal, Write};

pub struct Output {
    color: bool,
}

impl Output {
    pub fn from_env() -> Output {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Output { color }
    }

    /// Machine-readable or primary output (an evaluation result, JSON) on stdout.
    pub fn stdout(&self, text: &str) {
        self.stdout_bytes(text.as_bytes())
    }

    /// Bytes on stdout as they are (evaluation results: Nix strings need not be UTF-8).
    pub fn stdout_bytes(&self, bytes: &[u8]) {
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(bytes);
        let _ = o.flush();
    }

    /// A value as one line of JSON on stdout (`--json`).
    pub fn json<T: serde::Serialize>(&self, value: &T) {
        let text = serde_json::to_string(value)
            .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
        self.stdout(&format!("{text}\n"));
    }

    /// `text` in an SGR colour when stdout is a terminal (and `NO_COLOR` is unset).
    pub fn paint_stdout(&self, sgr: &str, text: &str) -> String {
        if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Progress over `total` steps: a bar on stderr when it is a terminal, one line
    /// per step otherwise (logs and scripts).
    pub fn progress(&self, total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar }
    }

    /// A line of human-readable progress or status on stderr.
    pub fn status(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }

    /// A warning on stderr.
    #[allow(dead_code)]
    pub fn warn(&self, text: &str) {
        let prefix = if self.color {
            "\x1b[1;35mwarning:\x1b[0m"
        } else {
            "warning:"
        };
        let _ = writeln!(std::io::stderr().lock(), "{prefix} {text}");
    }

    /// An error rendered by the evaluator (it has its `error:` prefix, or is empty as
    /// Nix's for `throw ""`), written as its bytes: Nix writes a Nix string quoted in a
    /// message as it is, UTF-8 or not.
    pub fn error_bytes(&self, text: &[u8]) {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text);
        let _ = err.write_all(b"\n");
    }

    /// A fatal error. Errors that already carry their own `error:` prefix (Nix
    /// diagnostics with a caret) are printed as they are, and so is an evaluation error
    /// with an empty message, which Nix prints without any prefix (`throw ""`).
    pub fn error(&self, e: &anyhow::Error) {
        let text = format!("{e:#}");
        let mut err = std::io::stderr().lock();
        if text.starts_with("error:") || text.is_empty() || text.starts_with('\n') {
            let _ = writeln!(err, "{text}");
        } else {
            let prefix = if self.color {
                "\x1b[1;31merror:\x1b[0m"
            } else {
                "error:"
            };
            let _ = writeln!(err, "{prefix} {text}");
        }
    }
}

/// See [`Output::progress`].
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// One step done; `line` describes it (kept above the bar when `important`).
    pub fn step(&self, line: &str, important: bool) {
        match &self.bar {
            Some(b) => {
                if important {
                    b.println(line);
                }
                b.set_message(line.to_string());
                b.inc(1);
            }
            None => {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
