//! nest's own Nix parser: a hand-written lexer and recursive-descent parser that build a
//! light tree, lowered straight into IR with the scope pass. It accepts exactly what the
//! rnix path (`crate::lower`) accepts and produces the same IR; on any error it refuses,
//! and the caller re-parses with rnix, whose error machinery reproduces Nix's messages.

pub mod ast;
pub mod dump;
pub mod grammar;
pub mod lex;
pub mod names;
pub mod resolve;
pub mod stream;

#[cfg(test)]
mod tests;

use crate::ir::E;
use crate::symbol::Sym;
use crate::value::Value;
use std::collections::HashMap;

/// Parses and lowers `text` (registered as `file`); `None` when the text has an error
/// (syntax or scope) or uses something left to rnix. `names`: an outermost frame (for
/// `scopedImport`), present even when empty because it counts as a scope level.
pub fn parse_fast(
    text: &str,
    file: u32,
    base_dir: &str,
    globals: &HashMap<Sym, Value>,
    names: Option<&[Sym]>,
) -> Option<E> {
    if text.len() >= stream::STREAM_MIN {
        if let Some(e) = stream::parse_streamed(text, file, base_dir, globals, names) {
            return Some(e);
        }
    }
    parse_whole(text, file, base_dir, globals, names)
}

/// `parse_fast` with the whole file's tree built first, whatever its size.
pub fn parse_whole(
    text: &str,
    file: u32,
    base_dir: &str,
    globals: &HashMap<Sym, Value>,
    names: Option<&[Sym]>,
) -> Option<E> {
    // The tree takes about 4.3 bytes per byte of text; one chunk of 8 per byte up front
    // (room for denser texts) saves growing through many small ones (pages not written
    // are never touched).
    let arena = bumpalo::Bump::with_capacity(text.len().saturating_mul(8));
    let tree = grammar::parse(text, &arena).ok()?;
    let mut r = resolve::Resolver::new(file, text, base_dir, globals, names);
    r.expr(&tree).ok()
}
