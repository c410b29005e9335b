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
    /// The message as text; bytes that are not UTF-8 are U+FFFD here (see `raw`).
    pub msg: String,
    /// The message's exact bytes when they are not UTF-8 (a Nix string quoted in it):
    /// what `render_bytes` writes, as Nix does.
    pub raw: Option<Box<[u8]>>,
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
            raw: None,
            pos,
            suffix: None,
            trace: Vec::new(),
        })
    }
    /// An error whose message is these bytes (a Nix string's, maybe not UTF-8).
    pub fn new_bytes(kind: ErrorKind, msg: Vec<u8>, pos: Pos) -> Box<EvalError> {
        match String::from_utf8(msg) {
            Ok(text) => EvalError::new(kind, text, pos),
            Err(e) => {
                let bytes = e.into_bytes();
                let mut er = EvalError::new(kind, String::from_utf8_lossy(&bytes), pos);
                er.raw = Some(bytes.into_boxed_slice());
                er
            }
        }
    }
    /// An error whose message quotes Nix strings written with `text::lossless`: it
    /// carries their exact bytes.
    pub fn new_lossless(kind: ErrorKind, text: String, pos: Pos) -> Box<EvalError> {
        match crate::text::decode(&text) {
            std::borrow::Cow::Borrowed(_) => EvalError::new(kind, text, pos),
            std::borrow::Cow::Owned(bytes) => EvalError::new_bytes(kind, bytes, pos),
        }
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

    /// The full text, starting with `error:`, as Nix 2.8 prints it on stderr; bytes of
    /// the message that are not UTF-8 become U+FFFD (`render_bytes` keeps them).
    pub fn render(&self, show_trace: bool) -> String {
        match String::from_utf8(self.render_bytes(show_trace)) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }

    /// `render` as bytes, the message's own bytes included.
    pub fn render_bytes(&self, show_trace: bool) -> Vec<u8> {
        let msg: &[u8] = self.raw.as_deref().unwrap_or(self.msg.as_bytes());
        // Nix 2.8 prints nothing at all for an empty message (`throw ""`).
        let mut out = Vec::new();
        if !msg.is_empty() {
            out.extend_from_slice(b"error: ");
            for &c in msg {
                if c == b'\n' {
                    out.extend_from_slice(b"\n       ");
                } else {
                    out.push(c);
                }
            }
            out.extend_from_slice(render_pos_block(self.pos).as_bytes());
        }
        if let Some(s) = &self.suffix {
            out.extend_from_slice(format!("\n       {s}").as_bytes());
        }
        if show_trace {
            for (pos, what) in &self.trace {
                out.extend_from_slice(format!("\n\n       … {what}").as_bytes());
                out.extend_from_slice(render_pos_block(*pos).as_bytes());
            }
        }
        if self.kind == ErrorKind::Usage {
            out.extend_from_slice(b"\nTry 'nix-instantiate --help' for more information.");
        } else if !show_trace && !self.trace.is_empty() {
            // the hint follows the last non-empty line (a message ending in `\n` too)
            out.truncate(trimmed_len(&out));
            out.extend_from_slice(b"\n(use '--show-trace' to show detailed location information)");
        }
        // Nix 2.8 prints no whitespace at the end of a line (of a message, a frame or a
        // source excerpt), and an empty message line without its indentation.
        const END_WS: [u8; 3] = [b' ', b'\t', b'\r'];
        let ends_ws = |l: &[u8]| l.last().is_some_and(|c| END_WS.contains(c));
        if out.split(|c| *c == b'\n').any(ends_ws) || out.ends_with(b"\n") {
            let mut lines: Vec<&[u8]> = out
                .split(|c| *c == b'\n')
                .map(|l| {
                    let keep = l
                        .iter()
                        .rposition(|c| !END_WS.contains(c))
                        .map_or(0, |i| i + 1);
                    &l[..keep]
                })
                .collect();
            // and no empty lines at the very end (`throw "a\n"` prints `error: a`)
            while lines.last().is_some_and(|l| l.is_empty()) {
                lines.pop();
            }
            out = lines.join(&b'\n');
        }
        if out.iter().any(|c| matches!(c, b'\t' | b'\r' | 0x1b)) {
            out = terminal_filter(&out);
        }
        out
    }
}

/// The length of `b` without its trailing whitespace (Unicode whitespace when `b` is
/// UTF-8, as `str::trim_end`; ASCII whitespace otherwise).
fn trimmed_len(b: &[u8]) -> usize {
    match std::str::from_utf8(b) {
        Ok(s) => s.trim_end().len(),
        Err(_) => b
            .iter()
            .rposition(|c| !c.is_ascii_whitespace())
            .map_or(0, |i| i + 1),
    }
}

/// What Nix's logger does to every message before writing it: escape sequences are
/// dropped, carriage returns too, and a tab becomes spaces up to the next multiple of 8
/// of the characters written so far (counted from the start of the message, not of
/// the line).
fn terminal_filter(b: &[u8]) -> Vec<u8> {
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
    out
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
