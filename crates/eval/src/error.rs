//! Evaluation and parse errors: catchable (`throw`, failed `assert`) vs. fatal, with a
//! position and a trace, rendered like Nix 2.8.

use crate::source::{render_pos_block, Pos};

/// What went wrong. `Throw` and `Assert` are the only kinds `builtins.tryEval` catches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// `throw "msg"`.
    Throw,
    /// `assert e; …` with a false condition.
    Assert,
    /// `abort "msg"`.
    Abort,
    /// Parse or scope error found before evaluation.
    Parse,
    /// `infinite recursion encountered`.
    InfiniteRecursion,
    /// The evaluation stack is exhausted.
    StackOverflow,
    /// Every other evaluation error (type errors, missing attributes, IO…).
    Eval,
    /// What Nix 2.8 throws as a `UsageError` (an unknown hash algorithm): no position,
    /// and the program's help hint after the message instead of the trace hint.
    Usage,
}

/// An error with the message Nix prints after `error: `, an optional position and the
/// trace frames (`… while evaluating …`) collected while unwinding.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.render(false))]
pub struct EvalError {
    pub kind: ErrorKind,
    pub msg: String,
    pub pos: Pos,
    /// Text printed after the position block (e.g. `Did you mean a?`).
    pub suffix: Option<String>,
    pub trace: Vec<(Pos, String)>,
}

pub type EResult<T> = Result<T, Box<EvalError>>;

impl EvalError {
    pub fn new(kind: ErrorKind, msg: impl Into<String>, pos: Pos) -> Box<EvalError> {
        Box::new(EvalError {
            kind,
            msg: msg.into(),
            pos,
            suffix: None,
            trace: Vec::new(),
        })
    }
    /// Adds a trace frame (innermost first), up to a bound so that an error passing
    /// through a deep recursion does not grow without limit. Nix prints every frame, and
    /// the evaluator's stack ends a recursion long before the bound.
    pub fn add_trace(&mut self, pos: Pos, what: String) {
        if self.trace.len() < 1 << 20 {
            self.trace.push((pos, what));
        }
    }

    pub fn is_catchable(&self) -> bool {
        matches!(self.kind, ErrorKind::Throw | ErrorKind::Assert)
    }

    /// The full text, starting with `error:`, as Nix 2.8 prints it on stderr.
    pub fn render(&self, show_trace: bool) -> String {
        // Nix 2.8 prints nothing at all for an empty message (`throw ""`).
        let mut out = String::new();
        if !self.msg.is_empty() {
            out = format!("error: {}", self.msg.replace('\n', "\n       "));
            out.push_str(&render_pos_block(self.pos));
        }
        if let Some(s) = &self.suffix {
            out.push_str(&format!("\n       {s}"));
        }
        if show_trace {
            for (pos, what) in &self.trace {
                out.push_str(&format!("\n\n       … {what}"));
                out.push_str(&render_pos_block(*pos));
            }
        }
        if self.kind == ErrorKind::Usage {
            out.push_str("\nTry 'nix-instantiate --help' for more information.");
        } else if !show_trace && !self.trace.is_empty() {
            // the hint follows the last non-empty line (a message ending in `\n` too)
            out.truncate(out.trim_end().len());
            out.push_str("\n(use '--show-trace' to show detailed location information)");
        }
        // Nix 2.8 prints no whitespace at the end of a line (of a message, a frame or a
        // source excerpt), and an empty message line without its indentation.
        const END_WS: [char; 3] = [' ', '\t', '\r'];
        if out.lines().any(|l| l.ends_with(END_WS)) || out.ends_with('\n') {
            let lines: Vec<&str> = out.lines().map(|l| l.trim_end_matches(END_WS)).collect();
            out = lines.join("\n");
            // and no empty lines at the very end (`throw "a\n"` prints `error: a`)
            out.truncate(out.trim_end_matches('\n').len());
        }
        if out.contains(['\t', '\r', '\x1b']) {
            out = terminal_filter(&out);
        }
        out
    }
}

/// What Nix's logger does to every message before writing it: escape sequences are
/// dropped, carriage returns too, and a tab becomes spaces up to the next multiple of 8
/// of the characters written so far (counted from the start of the message, not of
/// the line).
fn terminal_filter(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut w = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            0x1b => {
                i += 1;
                if b.get(i) == Some(&b'[') {
                    i += 1;
                    while matches!(b.get(i), Some(0x30..=0x3f)) {
                        i += 1;
                    }
                    while matches!(b.get(i), Some(0x20..=0x2f)) {
                        i += 1;
                    }
                    if matches!(b.get(i), Some(0x40..=0x7e)) {
                        i += 1;
                    }
                } else if matches!(b.get(i), Some(0x40..=0x5f)) {
                    i += 1;
                }
            }
            b'\t' => {
                i += 1;
                out.push(b' ');
                w += 1;
                while !w.is_multiple_of(8) {
                    out.push(b' ');
                    w += 1;
                }
            }
            b'\r' => i += 1,
            c => {
                out.push(c);
                // a UTF-8 sequence counts once
                if c & 0xc0 != 0x80 {
                    w += 1;
                }
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn err<T>(msg: impl Into<String>, pos: Pos) -> EResult<T> {
    Err(EvalError::new(ErrorKind::Eval, msg, pos))
}

/// Adds a trace frame to an error on its way up.
pub trait AddTrace<T> {
    fn trace(self, pos: Pos, what: impl FnOnce() -> String) -> EResult<T>;
}

impl<T> AddTrace<T> for EResult<T> {
    #[inline]
    fn trace(self, pos: Pos, what: impl FnOnce() -> String) -> EResult<T> {
        match self {
            Ok(v) => Ok(v),
            Err(mut e) => {
                e.add_trace(pos, what());
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_frame_of_a_deep_recursion_is_kept() {
        let mut e = EvalError::new(ErrorKind::Eval, "x", Pos::NONE);
        for _ in 0..5000 {
            e.add_trace(Pos::NONE, "from call site".into());
        }
        assert_eq!(e.render(true).matches("… from call site").count(), 5000);
    }

    #[test]
    fn line_ends_are_trimmed_and_tabs_expanded_by_characters() {
        let e = EvalError::new(ErrorKind::Throw, "é\tb  \n\tc\r\n", Pos::NONE);
        // `error: é` is 8 characters (9 bytes): the tab fills to column 16.
        assert_eq!(e.render(false), "error: é        b\n              c");
    }
}
