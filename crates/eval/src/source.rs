//! Source files known to the evaluator and the rendering of positions (`at FILE:LINE:COL:`
//! plus the source excerpt with a caret), in the shape Nix 2.8 prints them.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

/// A compact source position: file id + byte offset. `Pos::NONE` means "no position".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub file: u32,
    pub off: u32,
}

impl Pos {
    pub const NONE: Pos = Pos {
        file: u32::MAX,
        off: 0,
    };
    pub fn is_none(self) -> bool {
        self.file == u32::MAX
    }
}

/// Where a source text came from; decides how its name is printed.
#[derive(Clone, Debug)]
pub enum Origin {
    /// `-E` / `--expr` text and other in-memory strings.
    String,
    /// A file on disk, by its absolute path.
    File(String),
}

pub struct SourceFile {
    pub origin: Origin,
    pub text: Rc<str>,
    /// Offsets where lines start, computed on the first position lookup: most texts are
    /// parsed and evaluated without ever printing a position, and the scan is a pass
    /// over the whole text.
    line_starts: OnceCell<Vec<u32>>,
}

thread_local! {
    static FILES: RefCell<Vec<Rc<SourceFile>>> = const { RefCell::new(Vec::new()) };
}

/// Registers a source text and returns its file id.
pub fn add_source(origin: Origin, text: Rc<str>) -> u32 {
    FILES.with(|f| {
        let mut f = f.borrow_mut();
        f.push(Rc::new(SourceFile {
            origin,
            text,
            line_starts: OnceCell::new(),
        }));
        (f.len() - 1) as u32
    })
}

pub fn source(file: u32) -> Option<Rc<SourceFile>> {
    FILES.with(|f| f.borrow().get(file as usize).cloned())
}

/// A resolved position: file name, 1-based line and column.
pub struct LineCol {
    pub file: Rc<SourceFile>,
    pub line: usize,
    pub col: usize,
}

pub fn resolve(pos: Pos) -> Option<LineCol> {
    if pos.is_none() {
        return None;
    }
    let file = source(pos.file)?;
    let starts = file.line_starts();
    let line_idx = match starts.binary_search(&pos.off) {
        Ok(i) => i,
        Err(i) => i.saturating_sub(1),
    };
    let start = starts[line_idx] as usize;
    // Nix 2.8 counts columns in bytes, not characters.
    let col = (pos.off as usize)
        .min(file.text.len())
        .saturating_sub(start)
        + 1;
    Some(LineCol {
        file,
        line: line_idx + 1,
        col,
    })
}

impl SourceFile {
    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0u32];
            starts.extend(
                self.text
                    .bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i as u32 + 1),
            );
            starts
        })
    }
    /// The name used in `at NAME:L:C:` lines.
    pub fn display_name(&self) -> String {
        match &self.origin {
            Origin::String => "«string»".to_string(),
            Origin::File(p) => p.clone(),
        }
    }
    /// The name used inside messages (`at (string):1:3`), which Nix 2.8 spells differently.
    pub fn inline_name(&self) -> String {
        match &self.origin {
            Origin::String => "(string)".to_string(),
            Origin::File(p) => p.clone(),
        }
    }
    fn line(&self, n: usize) -> Option<&str> {
        let starts = self.line_starts();
        let start = *starts.get(n.checked_sub(1)?)? as usize;
        let end = starts
            .get(n)
            .map(|e| *e as usize - 1)
            .unwrap_or(self.text.len());
        self.text.get(start..end)
    }
}

/// `FILE:LINE:COL` with the message-internal file spelling, e.g. for "already defined at".
pub fn inline_pos(pos: Pos) -> String {
    match resolve(pos) {
        Some(lc) => format!("{}:{}:{}", lc.file.inline_name(), lc.line, lc.col),
        None => "undefined position".to_string(),
    }
}

/// The block Nix prints under an error: blank line, `at FILE:L:C:`, blank line, one
/// line of context before and after, and the caret line. Nix 2.8 reads file lines with
/// `getline` semantics that drop an unterminated last line of a file, reproduced here.
pub fn render_pos_block(pos: Pos) -> String {
    let Some(lc) = resolve(pos) else {
        return String::new();
    };
    let mut out = format!(
        "\n\n       at {}:{}:{}:",
        lc.file.display_name(),
        lc.line,
        lc.col
    );
    let file = &lc.file;
    // Nix shows the lines of a file it can read; its built-in `//builtin/…` sources
    // are not files, so their positions come without lines (nest's are in memory).
    if matches!(&file.origin, Origin::File(p) if p.starts_with("//builtin/")) {
        return out;
    }
    let get = |n: usize| -> Option<&str> {
        let l = file.line(n)?;
        if matches!(file.origin, Origin::File(_)) && n == file.line_starts().len() {
            return None;
        }
        Some(l.trim_end_matches('\r'))
    };
    let Some(cur) = get(lc.line) else { return out };
    out.push_str("\n\n");
    if lc.line > 1 {
        if let Some(prev) = get(lc.line - 1) {
            out.push_str(&format!("       {:>6}| {}\n", lc.line - 1, prev));
        }
    }
    out.push_str(&format!("       {:>6}| {}\n", lc.line, cur));
    let caret_pad: String = cur
        .bytes()
        .take(lc.col.saturating_sub(1))
        .map(|c| if c == b'\t' { '\t' } else { ' ' })
        .collect();
    out.push_str(&format!("       {:>6}| {}^", "", caret_pad));
    if let Some(next) = get(lc.line + 1) {
        out.push_str(&format!("\n       {:>6}| {}", lc.line + 1, next));
    }
    out
}
