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

/// What a parse lowers: `text` (registered as `file`), relative paths anchored at
/// `base_dir`, the global names, and `names`, an outermost frame (for `scopedImport`),
/// present even when empty because it counts as a scope level.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    pub text: &'a str,
    pub file: u32,
    pub base_dir: &'a str,
    pub globals: &'a HashMap<Sym, Value>,
    pub names: Option<&'a [Sym]>,
}

impl Input<'_> {
    fn resolver(&self) -> resolve::Resolver<'_, '_> {
        resolve::Resolver::new(
            self.file,
            self.text,
            self.base_dir,
            self.globals,
            self.names,
        )
    }
}

/// Parses and lowers `text` (see `Input`); `None` when the text has an error (syntax or
/// scope) or uses something left to rnix.
pub fn parse_fast(
    text: &str,
    file: u32,
    base_dir: &str,
    globals: &HashMap<Sym, Value>,
    names: Option<&[Sym]>,
) -> Option<E> {
    let input = Input {
        text,
        file,
        base_dir,
        globals,
        names,
    };
    if text.len() >= stream::STREAM_MIN {
        if let Some(e) = stream::parse_streamed(&input) {
            return Some(e);
        }
    }
    parse_whole(&input)
}

/// `parse_fast` with the whole file's tree built first, whatever its size.
pub fn parse_whole(input: &Input<'_>) -> Option<E> {
    // The tree takes about 4.3 bytes per byte of text; one chunk of 8 per byte up front
    // (room for denser texts) saves growing through many small ones (pages not written
    // are never touched).
    let arena = bumpalo::Bump::with_capacity(input.text.len().saturating_mul(8));
    let tree = grammar::parse(input.text, &arena).ok()?;
    input.resolver().expr(&tree).ok()
}
