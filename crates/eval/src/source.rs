//! Source files known to the evaluator, the position space that numbers every byte of
//! them, and the rendering of positions (`at FILE:LINE:COL:` plus the source excerpt with
//! a caret), in the shape Nix 2.8 prints them.
//!
//! A position is 4 bytes, as Nix's `PosIdx`: each registered text gets a base in one
//! process-wide space of `u32` indexes (its bytes and its end take `len + 1` of them),
//! and the text a position belongs to is the one whose range contains it. The table is
//! shared by all threads; it is read only to print positions, so a lock is cheap enough.

use std::sync::{Arc, OnceLock, RwLock};

/// A source position: an index into the process-wide position space. `Pos::NONE` means
/// "no position".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pos(u32);

impl Pos {
    pub const NONE: Pos = Pos(u32::MAX);
    /// The position `off` bytes into the text registered at `base` (see `add_source`).
    /// A text that got no range (`base == u32::MAX`) has no positions.
    #[inline]
    pub fn at(base: u32, off: u32) -> Pos {
        // `u32::MAX - 1` marks a layered set in a set's head (`value::SetHead`): a
        // position 4 GiB into the sources is dropped instead.
        match base.saturating_add(off) {
            p if p == u32::MAX - 1 => Pos::NONE,
            p => Pos(p),
        }
    }
    #[inline]
    pub fn is_none(self) -> bool {
        self.0 == u32::MAX
    }
    /// This position, or `fallback` when there is none.
    #[inline]
    pub fn or(self, fallback: Pos) -> Pos {
        if self.is_none() {
            fallback
        } else {
            self
        }
    }
    /// The raw index (for printing IR, where equal positions must print equally).
    pub fn index(self) -> u32 {
        self.0
    }
    /// The position with raw index `i` (as `index` gave it).
    #[inline]
    pub(crate) fn from_index(i: u32) -> Pos {
        Pos(i)
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
    pub text: Box<str>,
    /// Offsets where lines start, computed on the first position lookup: most texts are
    /// parsed and evaluated without ever printing a position, and the scan is a pass
    /// over the whole text.
    line_starts: OnceLock<Vec<u32>>,
}

struct Sources {
    /// The base of each text, ascending, beside the text.
    bases: Vec<u32>,
    files: Vec<Arc<SourceFile>>,
    /// The first index not given out yet.
    next: u32,
}

static SOURCES: RwLock<Sources> = RwLock::new(Sources {
    bases: Vec::new(),
    files: Vec::new(),
    next: 0,
});

/// Registers a source text and returns its base: the position of its first byte, to be
/// given to `Pos::at` with offsets into the text. Once the 4 G positions are used up
/// (Nix has the same limit), further texts get `u32::MAX` and no positions.
pub fn add_source(origin: Origin, text: impl AsRef<str>) -> u32 {
    add_source_owned(origin, text.as_ref().into()).0
}

/// `add_source` for a text the caller owns: the text is kept as it is (a file's text is
/// the largest allocation of its parse, and was copied here once), and handed back in
/// the registered file for parsing.
pub fn add_source_owned(origin: Origin, text: String) -> (u32, Arc<SourceFile>) {
    let file = Arc::new(SourceFile {
        origin,
        text: text.into_boxed_str(),
        line_starts: OnceLock::new(),
    });
    let mut s = SOURCES
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let base = s.next;
    let end = u64::from(base) + file.text.len() as u64 + 1;
    if end >= u64::from(u32::MAX) {
        return (u32::MAX, file);
    }
    s.next = end as u32;
    s.bases.push(base);
    s.files.push(file.clone());
    (base, file)
}

/// The text a position is in, and the offset into it.
pub fn source_of(pos: Pos) -> Option<(Arc<SourceFile>, u32)> {
    if pos.is_none() {
        return None;
    }
    let s = SOURCES
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let i = s.bases.partition_point(|b| *b <= pos.0).checked_sub(1)?;
    let file = s.files.get(i)?.clone();
    let off = pos.0 - s.bases[i];
    if off as usize > file.text.len() {
        return None;
    }
    Some((file, off))
}

/// A resolved position: file name, 1-based line and column.
pub struct LineCol {
    pub file: Arc<SourceFile>,
    pub line: usize,
    pub col: usize,
}

pub fn resolve(pos: Pos) -> Option<LineCol> {
    let (file, off) = source_of(pos)?;
    let starts = file.line_starts();
    let line_idx = match starts.binary_search(&off) {
        Ok(i) => i,
        Err(i) => i.saturating_sub(1),
    };
    let start = starts[line_idx] as usize;
    // Nix 2.8 counts columns in bytes, not characters.
    let col = (off as usize).saturating_sub(start) + 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_name_their_text_line_and_column_across_threads() {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    let text = format!("a\nbb{t}\n");
                    let name = format!("/pos-test/{t}.nix");
                    let base = add_source(Origin::File(name.clone()), &text);
                    (base, name, text)
                })
            })
            .collect();
        for h in handles {
            let (base, name, text) = h.join().expect("registering thread");
            // The byte after "bb": line 2, column 3; the end of the text is a position too.
            let lc = resolve(Pos::at(base, 4)).expect("a position in the text");
            assert_eq!(
                (lc.file.display_name(), lc.line, lc.col),
                (name.clone(), 2, 3)
            );
            let (f, off) = source_of(Pos::at(base, text.len() as u32)).expect("the end");
            assert_eq!((f.display_name(), off as usize), (name, text.len()));
        }
        assert!(resolve(Pos::NONE).is_none());
        assert!(Pos::at(u32::MAX, 3).is_none());
    }
}
