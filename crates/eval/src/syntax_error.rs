//! Syntax errors as Nix 2.8 reports them. rnix's parser decides *whether* a text
//! parses; when it does not, this module re-reads the text the way Nix's lexer does
//! (its start conditions for strings and paths, its token boundaries, whitespace and
//! comments as tokens) and follows Nix's grammar far enough to find the token its
//! parser stops at, which token names it prints (`unexpected ID, expecting '{'`),
//! the short "expecting" lists its tables give at that point, and the position it
//! shows (the start of the last token read, for the end of the file).

use crate::error::{ErrorKind, EvalError};
use crate::source::Pos;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum K {
    Id,
    Int,
    Float,
    Str,
    IndStr,
    Path,
    HPath,
    SPath,
    Uri,
    PathEnd,
    If,
    Then,
    Else,
    Assert,
    With,
    Let,
    In,
    Rec,
    Inherit,
    OrKw,
    Ellipsis,
    Eq,
    Neq,
    Leq,
    Geq,
    And,
    Or,
    Impl,
    Update,
    Concat,
    DollarCurly,
    IndOpen,
    IndClose,
    Char(u8),
    Trivia,
    Eof,
    /// The lexer gave up here (a path with a trailing slash).
    LexError,
}

impl K {
    fn name(self) -> String {
        let s = match self {
            K::Id => "ID",
            K::Int => "INT",
            K::Float => "FLOAT",
            K::Str => "STR",
            K::IndStr => "IND_STR",
            K::Path => "PATH",
            K::HPath => "HPATH",
            K::SPath => "SPATH",
            K::Uri => "URI",
            K::PathEnd => "PATH_END",
            K::If => "IF",
            K::Then => "THEN",
            K::Else => "ELSE",
            K::Assert => "ASSERT",
            K::With => "WITH",
            K::Let => "LET",
            K::In => "IN",
            K::Rec => "REC",
            K::Inherit => "INHERIT",
            K::OrKw => "OR_KW",
            K::Ellipsis => "ELLIPSIS",
            K::Eq => "EQ",
            K::Neq => "NEQ",
            K::Leq => "LEQ",
            K::Geq => "GEQ",
            K::And => "AND",
            K::Or => "OR",
            K::Impl => "IMPL",
            K::Update => "UPDATE",
            K::Concat => "CONCAT",
            K::DollarCurly => "DOLLAR_CURLY",
            K::IndOpen => "IND_STRING_OPEN",
            K::IndClose => "IND_STRING_CLOSE",
            K::Char(c) if b"{}()[];:,=.@?\"+-*/<>!".contains(&c) => {
                return format!("'{}'", c as char)
            }
            K::Char(_) | K::Trivia | K::LexError => "invalid token",
            K::Eof => "end of file",
        };
        s.to_string()
    }
}

#[derive(Clone, Copy, Debug)]
struct Tok {
    k: K,
    start: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum St {
    Default,
    Str,
    Ind,
    InPath,
    InPathSlash,
}

const ATTR_START: &str = "ID or OR_KW or DOLLAR_CURLY or '\"'";

fn path_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'+')
}

/// Length of `{PATH_CHAR}*(/{PATH_CHAR}+)+/?` at the start of `b`.
fn path_len(b: &[u8]) -> usize {
    let mut i = b.iter().take_while(|c| path_char(**c)).count();
    let mut segs = 0;
    while b.get(i) == Some(&b'/') {
        let n = b[i + 1..].iter().take_while(|c| path_char(**c)).count();
        if n == 0 {
            break;
        }
        i += 1 + n;
        segs += 1;
    }
    if segs == 0 {
        return 0;
    }
    if b.get(i) == Some(&b'/') {
        i += 1;
    }
    i
}

/// Length of `{PATH_CHAR}*/` at the start of `b`.
fn path_seg_len(b: &[u8]) -> usize {
    let i = b.iter().take_while(|c| path_char(**c)).count();
    if b.get(i) == Some(&b'/') {
        i + 1
    } else {
        0
    }
}

fn hpath_len(b: &[u8]) -> usize {
    if b.first() != Some(&b'~') {
        return 0;
    }
    let n = path_len(&b[1..]);
    // `~` must be followed directly by `/`.
    if n > 0 && b.get(1) == Some(&b'/') {
        n + 1
    } else {
        0
    }
}

fn spath_len(b: &[u8]) -> usize {
    if b.first() != Some(&b'<') {
        return 0;
    }
    let mut i = 1;
    loop {
        let n = b[i..].iter().take_while(|c| path_char(**c)).count();
        if n == 0 {
            return 0;
        }
        i += n;
        match b.get(i) {
            Some(b'/') => i += 1,
            Some(b'>') => return i + 1,
            _ => return 0,
        }
    }
}

fn uri_len(b: &[u8]) -> usize {
    if !b.first().is_some_and(|c| c.is_ascii_alphabetic()) {
        return 0;
    }
    let i = 1 + b[1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        .count();
    if b.get(i) != Some(&b':') {
        return 0;
    }
    let n = b[i + 1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || b"%/?:@&=+$,-_.!~*'".contains(c))
        .count();
    if n == 0 {
        0
    } else {
        i + 1 + n
    }
}

fn id_len(b: &[u8]) -> usize {
    if !b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return 0;
    }
    1 + b[1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'\'' | b'-'))
        .count()
}

fn float_len(b: &[u8]) -> usize {
    // (([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)?
    let digits = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i;
    if b.first().is_some_and(|c| (b'1'..=b'9').contains(c)) {
        i = 1 + digits(&b[1..]);
        if b.get(i) != Some(&b'.') {
            return 0;
        }
        i += 1 + digits(&b[i + 1..]);
    } else {
        i = usize::from(b.first() == Some(&b'0'));
        if b.get(i) != Some(&b'.') {
            return 0;
        }
        let n = digits(&b[i + 1..]);
        if n == 0 {
            return 0;
        }
        i += 1 + n;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let n = digits(&b[j..]);
        if n > 0 {
            i = j + n;
        }
    }
    i
}

fn comment_len(b: &[u8]) -> usize {
    if !b.starts_with(b"/*") {
        return 0;
    }
    // /\*([^*]|\*+[^*/])*\*+/ : the first `*/` closes it.
    match b[2..].windows(2).position(|w| w == b"*/") {
        Some(p) => p + 4,
        None => 0,
    }
}

struct Lexed {
    toks: Vec<Tok>,
    lex_error: Option<(String, u32)>,
}

/// Splits `text` into Nix 2.8's tokens (trivia included) up to the end or to the
/// first lexer error.
fn lex(text: &[u8]) -> Lexed {
    let mut toks = Vec::new();
    let mut stack = vec![St::Default];
    let mut i = 0usize;
    let push = |toks: &mut Vec<Tok>, k: K, start: usize| {
        toks.push(Tok {
            k,
            start: start as u32,
        })
    };
    while i < text.len() {
        let b = &text[i..];
        let st = *stack.last().unwrap_or(&St::Default);
        match st {
            St::Str => {
                let mut j = 0;
                loop {
                    match b.get(j) {
                        None | Some(b'"') => break,
                        Some(b'\\') if j + 1 < b.len() => j += 2,
                        Some(b'\\') => break,
                        Some(b'$') => match b.get(j + 1) {
                            Some(b'{') | None => break,
                            Some(b'"') => j += 1,
                            Some(b'\\') if j + 2 < b.len() => j += 3,
                            Some(b'\\') => break,
                            Some(_) => j += 2,
                        },
                        Some(_) => j += 1,
                    }
                }
                if j > 0 {
                    push(&mut toks, K::Str, i);
                    i += j;
                } else if b.starts_with(b"${") {
                    push(&mut toks, K::DollarCurly, i);
                    stack.push(St::Default);
                    i += 2;
                } else if b[0] == b'"' {
                    push(&mut toks, K::Char(b'"'), i);
                    stack.pop();
                    i += 1;
                } else {
                    // A lone `$` or `\` (or `$\`) at the end of the text.
                    push(&mut toks, K::Str, i);
                    i = text.len();
                }
            }
            St::Ind => {
                let mut run = 0;
                loop {
                    match b.get(run) {
                        Some(b'$') if b.get(run + 1).is_some_and(|c| *c != b'{' && *c != b'\'') => {
                            run += 2
                        }
                        Some(b'\'')
                            if b.get(run + 1).is_some_and(|c| *c != b'\'' && *c != b'$') =>
                        {
                            run += 2
                        }
                        Some(b'$' | b'\'') | None => break,
                        Some(_) => run += 1,
                    }
                }
                let (len, k) = if b.starts_with(b"''\\") && b.len() >= 4 {
                    (4, K::IndStr)
                } else if b.starts_with(b"''$") || b.starts_with(b"'''") {
                    (3, K::IndStr)
                } else if b.starts_with(b"${") {
                    (2, K::DollarCurly)
                } else if b.starts_with(b"''") {
                    (2, K::IndClose)
                } else {
                    (1, K::IndStr)
                };
                if run >= len {
                    push(&mut toks, K::IndStr, i);
                    i += run;
                } else {
                    push(&mut toks, k, i);
                    match k {
                        K::DollarCurly => stack.push(St::Default),
                        K::IndClose => {
                            stack.pop();
                        }
                        _ => {}
                    }
                    i += len;
                }
            }
            St::InPath | St::InPathSlash => {
                if b.starts_with(b"${") {
                    push(&mut toks, K::DollarCurly, i);
                    stack.pop();
                    stack.push(St::InPath);
                    stack.push(St::Default);
                    i += 2;
                    continue;
                }
                let n = path_len(b)
                    .max(path_seg_len(b))
                    .max(b.iter().take_while(|c| path_char(**c)).count());
                if n > 0 {
                    push(&mut toks, K::Str, i);
                    stack.pop();
                    stack.push(if b[n - 1] == b'/' {
                        St::InPathSlash
                    } else {
                        St::InPath
                    });
                    i += n;
                    continue;
                }
                if st == St::InPathSlash {
                    return Lexed {
                        toks,
                        lex_error: Some(("path has a trailing slash".into(), i as u32)),
                    };
                }
                stack.pop();
                // The location of the token before the character that ended the path.
                let start = toks.last().map(|t| t.start).unwrap_or(0);
                toks.push(Tok {
                    k: K::PathEnd,
                    start,
                });
            }
            St::Default => {
                // Longest match; on a tie the rule listed first in Nix's lexer wins.
                let mut best = (0usize, K::Trivia);
                let mut cand = |len: usize, k: K| {
                    if len > best.0 {
                        best = (len, k);
                    }
                };
                for (kw, k) in [
                    (&b"if"[..], K::If),
                    (b"then", K::Then),
                    (b"else", K::Else),
                    (b"assert", K::Assert),
                    (b"with", K::With),
                    (b"let", K::Let),
                    (b"in", K::In),
                    (b"rec", K::Rec),
                    (b"inherit", K::Inherit),
                    (b"or", K::OrKw),
                    (b"...", K::Ellipsis),
                    (b"==", K::Eq),
                    (b"!=", K::Neq),
                    (b"<=", K::Leq),
                    (b">=", K::Geq),
                    (b"&&", K::And),
                    (b"||", K::Or),
                    (b"->", K::Impl),
                    (b"//", K::Update),
                    (b"++", K::Concat),
                ] {
                    if b.starts_with(kw) {
                        cand(kw.len(), k);
                    }
                }
                cand(id_len(b), K::Id);
                cand(b.iter().take_while(|c| c.is_ascii_digit()).count(), K::Int);
                cand(float_len(b), K::Float);
                if b.starts_with(b"${") {
                    cand(2, K::DollarCurly);
                }
                if b.starts_with(b"''") {
                    let sp = b[2..].iter().take_while(|c| **c == b' ').count();
                    cand(
                        if b.get(2 + sp) == Some(&b'\n') {
                            3 + sp
                        } else {
                            2
                        },
                        K::IndOpen,
                    );
                }
                let seg = path_seg_len(b);
                let interp_path = if seg > 0 && b[seg..].starts_with(b"${") {
                    seg + 2
                } else if b.starts_with(b"~/${") {
                    4
                } else {
                    0
                };
                cand(interp_path, K::Path);
                cand(path_len(b), K::Path);
                cand(hpath_len(b), K::HPath);
                cand(spath_len(b), K::SPath);
                cand(uri_len(b), K::Uri);
                cand(
                    b.iter()
                        .take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
                        .count(),
                    K::Trivia,
                );
                if b[0] == b'#' {
                    cand(
                        b.iter()
                            .take_while(|c| **c != b'\n' && **c != b'\r')
                            .count(),
                        K::Trivia,
                    );
                }
                cand(comment_len(b), K::Trivia);
                let (mut len, mut k) = best;
                if len == 0 {
                    (len, k) = (1, K::Char(b[0]));
                }
                if len == interp_path && interp_path > 0 {
                    // `a/${…}` and `~/${…}`: the segment is the path's start.
                    len -= 2;
                    k = if b[0] == b'~' { K::HPath } else { K::Path };
                    push(&mut toks, k, i);
                    stack.push(St::InPathSlash);
                    i += len;
                    continue;
                }
                push(&mut toks, k, i);
                match k {
                    K::DollarCurly | K::Char(b'{') => stack.push(St::Default),
                    // The outermost state is never left.
                    K::Char(b'}') if stack.len() > 1 => {
                        stack.pop();
                    }
                    K::Char(b'"') => stack.push(St::Str),
                    K::IndOpen => stack.push(St::Ind),
                    K::Path | K::HPath => stack.push(if b[len - 1] == b'/' {
                        St::InPathSlash
                    } else {
                        St::InPath
                    }),
                    _ => {}
                }
                i += len;
            }
        }
    }
    match stack.last() {
        Some(St::InPath) => {
            // Nix gives PATH_END the location of the token before the last one read
            // (and keeps it for the end of the file).
            let start = toks
                .len()
                .checked_sub(2)
                .map(|i| toks[i].start)
                .unwrap_or(0);
            toks.push(Tok {
                k: K::PathEnd,
                start,
            });
        }
        Some(St::InPathSlash) => {
            let at = toks.last().map(|t| t.start).unwrap_or(0);
            return Lexed {
                toks,
                lex_error: Some(("path has a trailing slash".into(), at)),
            };
        }
        _ => {}
    }
    Lexed {
        toks,
        lex_error: None,
    }
}

/// Where the parser stopped: the token and what Nix lists as expected there.
struct Stop {
    at: usize,
    expecting: Option<&'static str>,
}

type R<T> = Result<T, Stop>;

struct Parser {
    toks: Vec<Tok>,
    i: usize,
    depth: usize,
}

/// Nesting deeper than this is left to rnix's message (no stack overflow here).
const MAX_DEPTH: usize = 200;

impl Parser {
    fn peek(&self) -> K {
        self.toks[self.i].k
    }
    fn peek_at(&self, n: usize) -> K {
        self.toks.get(self.i + n).map(|t| t.k).unwrap_or(K::Eof)
    }
    fn bump(&mut self) {
        if self.i + 1 < self.toks.len() {
            self.i += 1;
        }
    }
    fn stop<T>(&self, expecting: Option<&'static str>) -> R<T> {
        Err(Stop {
            at: self.i,
            expecting,
        })
    }
    fn expect(&mut self, k: K, name: &'static str) -> R<()> {
        if self.peek() == k {
            self.bump();
            Ok(())
        } else {
            self.stop(Some(name))
        }
    }

    /// Runs `f` one level deeper, or gives up past [`MAX_DEPTH`].
    fn nested(&mut self, f: impl FnOnce(&mut Self) -> R<()>) -> R<()> {
        if self.depth >= MAX_DEPTH {
            return Err(Stop {
                at: usize::MAX,
                expecting: None,
            });
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn expr(&mut self) -> R<()> {
        self.nested(|p| p.expr_inner())
    }

    fn expr_inner(&mut self) -> R<()> {
        match self.peek() {
            K::Id if self.peek_at(1) == K::Char(b':') => {
                self.i += 2;
                self.expr()
            }
            K::Id if self.peek_at(1) == K::Char(b'@') => {
                self.i += 2;
                self.expect(K::Char(b'{'), "'{'")?;
                self.formals()?;
                self.expect(K::Char(b':'), "':'")?;
                self.expr()
            }
            K::Char(b'{') if self.starts_formals() => {
                self.bump();
                self.formals()?;
                match self.peek() {
                    K::Char(b':') => {}
                    K::Char(b'@') => {
                        self.bump();
                        self.expect(K::Id, "ID")?;
                        if self.peek() != K::Char(b':') {
                            return self.stop(Some("':'"));
                        }
                    }
                    _ => return self.stop(Some("':' or '@'")),
                }
                self.bump();
                self.expr()
            }
            K::Assert | K::With => {
                self.bump();
                self.expr()?;
                self.expect(K::Char(b';'), "';'")?;
                self.expr()
            }
            K::Let if self.peek_at(1) != K::Char(b'{') => {
                self.bump();
                self.binds(K::In)?;
                self.bump();
                self.expr()
            }
            K::If => {
                self.bump();
                self.expr()?;
                self.expect(K::Then, "THEN")?;
                self.expr()?;
                self.expect(K::Else, "ELSE")?;
                self.expr()
            }
            _ => self.op(0),
        }
    }

    /// Whether the `{` here opens a function's formals rather than a set (decided as
    /// late as Nix's parser, which tries both).
    fn starts_formals(&self) -> bool {
        match (self.peek_at(1), self.peek_at(2)) {
            (K::Ellipsis, _) => true,
            (K::Id, K::Char(b',' | b'?' | b'}')) => true,
            (K::Char(b'}'), _) => matches!(self.peek_at(2), K::Char(b':' | b'@')),
            _ => false,
        }
    }

    /// After the `{`, up to and including the `}`.
    fn formals(&mut self) -> R<()> {
        loop {
            match self.peek() {
                K::Char(b'}') => {
                    self.bump();
                    return Ok(());
                }
                K::Ellipsis => {
                    self.bump();
                    return self.expect(K::Char(b'}'), "'}'");
                }
                K::Id => {
                    self.bump();
                    if self.peek() == K::Char(b'?') {
                        self.bump();
                        self.expr()?;
                    }
                    if self.peek() == K::Char(b',') {
                        self.bump();
                        continue;
                    }
                    return self.expect(K::Char(b'}'), "'}'");
                }
                _ => return self.stop(Some("'}'")),
            }
        }
    }

    /// Binary operators by precedence level (low to high); `None` for unary only.
    fn binop_level(k: K) -> Option<(u8, bool)> {
        // (level, non-associative)
        Some(match k {
            K::Impl => (1, false),
            K::Or => (2, false),
            K::And => (3, false),
            K::Eq | K::Neq => (4, true),
            K::Char(b'<' | b'>') | K::Leq | K::Geq => (5, true),
            K::Update => (6, false),
            K::Char(b'+' | b'-') => (8, false),
            K::Char(b'*' | b'/') => (9, false),
            K::Concat => (10, false),
            _ => return None,
        })
    }

    fn op(&mut self, min: u8) -> R<()> {
        self.nested(|p| p.op_inner(min))
    }

    fn op_inner(&mut self, min: u8) -> R<()> {
        self.unary()?;
        let mut last_nonassoc: Option<u8> = None;
        loop {
            let k = self.peek();
            if k == K::Char(b'?') {
                self.bump();
                self.attrpath()?;
                continue;
            }
            let Some((lvl, nonassoc)) = Self::binop_level(k) else {
                return Ok(());
            };
            if lvl < min {
                return Ok(());
            }
            if nonassoc && last_nonassoc == Some(lvl) {
                return self.stop(None);
            }
            self.bump();
            // Right operands bind tighter; right-associative levels recurse at the same level.
            let right_assoc = matches!(k, K::Impl | K::Update | K::Concat);
            self.op(if right_assoc { lvl } else { lvl + 1 })?;
            last_nonassoc = if nonassoc { Some(lvl) } else { None };
        }
    }

    fn unary(&mut self) -> R<()> {
        match self.peek() {
            K::Char(b'!') | K::Char(b'-') => {
                self.bump();
                self.nested(|p| p.unary())
            }
            _ => self.app(),
        }
    }

    fn starts_select(k: K) -> bool {
        matches!(
            k,
            K::Id
                | K::Int
                | K::Float
                | K::Char(b'"' | b'(' | b'{' | b'[')
                | K::IndOpen
                | K::Path
                | K::HPath
                | K::SPath
                | K::Uri
                | K::Let
                | K::Rec
        )
    }

    fn app(&mut self) -> R<()> {
        self.select()?;
        while Self::starts_select(self.peek()) {
            self.select()?;
        }
        Ok(())
    }

    fn select(&mut self) -> R<()> {
        self.nested(|p| p.select_inner())
    }

    fn select_inner(&mut self) -> R<()> {
        self.simple()?;
        if self.peek() == K::Char(b'.') {
            self.bump();
            self.attrpath()?;
            if self.peek() == K::OrKw {
                self.bump();
                self.select()?;
            }
        } else if self.peek() == K::OrKw {
            self.bump();
        }
        Ok(())
    }

    fn attr(&mut self) -> R<()> {
        match self.peek() {
            K::Id | K::OrKw => {
                self.bump();
                Ok(())
            }
            K::Char(b'"') => self.string(),
            K::DollarCurly => {
                self.bump();
                self.expr()?;
                self.expect(K::Char(b'}'), "'}'")
            }
            _ => self.stop(Some(ATTR_START)),
        }
    }

    fn attrpath(&mut self) -> R<()> {
        self.attr()?;
        while self.peek() == K::Char(b'.') {
            self.bump();
            self.attr()?;
        }
        Ok(())
    }

    fn string(&mut self) -> R<()> {
        self.bump();
        loop {
            match self.peek() {
                K::Str => self.bump(),
                K::DollarCurly => {
                    self.bump();
                    self.expr()?;
                    self.expect(K::Char(b'}'), "'}'")?;
                }
                K::Char(b'"') => {
                    self.bump();
                    return Ok(());
                }
                _ => return self.stop(Some("'\"'")),
            }
        }
    }

    fn simple(&mut self) -> R<()> {
        match self.peek() {
            K::Id | K::Int | K::Float | K::SPath | K::Uri => {
                self.bump();
                Ok(())
            }
            K::Char(b'"') => self.string(),
            K::IndOpen => {
                self.bump();
                loop {
                    match self.peek() {
                        K::IndStr => self.bump(),
                        K::DollarCurly => {
                            self.bump();
                            self.expr()?;
                            self.expect(K::Char(b'}'), "'}'")?;
                        }
                        K::IndClose => {
                            self.bump();
                            return Ok(());
                        }
                        _ => return self.stop(Some("IND_STR or DOLLAR_CURLY or IND_STRING_CLOSE")),
                    }
                }
            }
            K::Path | K::HPath => {
                self.bump();
                let mut first = true;
                loop {
                    match self.peek() {
                        K::PathEnd => {
                            self.bump();
                            return Ok(());
                        }
                        K::Str if first => {
                            self.bump();
                            if self.peek() != K::DollarCurly {
                                return self.stop(Some("DOLLAR_CURLY"));
                            }
                        }
                        K::Str => self.bump(),
                        K::DollarCurly => {
                            self.bump();
                            self.expr()?;
                            self.expect(K::Char(b'}'), "'}'")?;
                        }
                        _ => return self.stop(None),
                    }
                    first = false;
                }
            }
            K::Char(b'(') => {
                self.bump();
                self.expr()?;
                self.expect(K::Char(b')'), "')'")
            }
            K::Let | K::Rec => {
                self.bump();
                self.expect(K::Char(b'{'), "'{'")?;
                self.binds(K::Char(b'}'))?;
                self.bump();
                Ok(())
            }
            K::Char(b'{') => {
                self.bump();
                self.binds(K::Char(b'}'))?;
                self.bump();
                Ok(())
            }
            K::Char(b'[') => {
                self.bump();
                while Self::starts_select(self.peek()) {
                    self.select()?;
                }
                if self.peek() == K::Char(b']') {
                    self.bump();
                    return Ok(());
                }
                self.stop(None)
            }
            _ => self.stop(None),
        }
    }

    /// Bindings up to (not including) `end`.
    fn binds(&mut self, end: K) -> R<()> {
        loop {
            match self.peek() {
                k if k == end => return Ok(()),
                K::Inherit => {
                    self.bump();
                    if self.peek() == K::Char(b'(') {
                        self.bump();
                        self.expr()?;
                        self.expect(K::Char(b')'), "')'")?;
                    }
                    loop {
                        match self.peek() {
                            K::Id | K::OrKw | K::Char(b'"') | K::DollarCurly => self.attr()?,
                            K::Char(b';') => {
                                self.bump();
                                break;
                            }
                            _ => return self.stop(None),
                        }
                    }
                }
                K::Id | K::OrKw | K::Char(b'"') | K::DollarCurly => {
                    self.attrpath()?;
                    if self.peek() != K::Char(b'=') {
                        return self.stop(Some("'.' or '='"));
                    }
                    self.bump();
                    self.expr()?;
                    self.expect(K::Char(b';'), "';'")?;
                }
                _ => return self.stop(None),
            }
        }
    }
}

/// A float literal's value as Nix 2.8's lexer converts it, or `None` where it fails
/// with "invalid float": the conversion reports a range error for a value too large
/// (infinite) or too small to be a normal number (subnormal, or zero from nonzero
/// digits).
pub(crate) fn nix_float(text: &str) -> Option<f64> {
    let v: f64 = text.parse().ok()?;
    let digits = text.split(['e', 'E']).next().unwrap_or("");
    let nonzero = digits.bytes().any(|c| (b'1'..=b'9').contains(&c));
    (v.is_normal() || (v == 0.0 && !nonzero)).then_some(v)
}

/// Whether Nix 2.8's lexer cuts `text` into tokens where rnix's does not, at the places
/// known: a float whose `e` has no digits after it (Nix: the float ends before the
/// `e`), `0.` without a digit after the dot (Nix: the integer 0, then a dot) and a path
/// that starts with `...` (rnix: an ellipsis). The fast parser follows Nix there.
pub(crate) fn rnix_lexes_differently(text: &str) -> bool {
    let b = text.as_bytes();
    let toks = lex(b).toks;
    toks.iter().enumerate().any(|(i, t)| {
        let s = t.start as usize;
        let end = toks.get(i + 1).map_or(b.len(), |n| n.start as usize);
        match t.k {
            K::Float => {
                !b[s..end].iter().any(|c| matches!(c, b'e' | b'E'))
                    && matches!(b.get(end), Some(b'e' | b'E'))
            }
            K::Int => {
                &b[s..end] == b"0"
                    && b.get(end) == Some(&b'.')
                    && !b.get(end + 1).is_some_and(|c| c.is_ascii_digit())
            }
            K::Path => b[s..].starts_with(b"..."),
            _ => false,
        }
    })
}

/// The error Nix 2.8 reports for `text` (registered as `file`), when this module can
/// tell; `None` when it finds the text well-formed (the caller then falls back).
pub fn diagnose(text: &str, file: u32) -> Option<Box<EvalError>> {
    let lexed = lex(text.as_bytes());
    let eof_pos = lexed.toks.last().map(|t| t.start).unwrap_or(0);
    let mut toks: Vec<Tok> = lexed
        .toks
        .iter()
        .copied()
        .filter(|t| t.k != K::Trivia)
        .collect();
    let (end_kind, end_pos) = match &lexed.lex_error {
        Some((_, at)) => (K::LexError, *at),
        None => (K::Eof, eof_pos),
    };
    toks.push(Tok {
        k: end_kind,
        start: end_pos,
    });
    let mut p = Parser {
        toks,
        i: 0,
        depth: 0,
    };
    let stop = match p.expr() {
        Err(s) => s,
        Ok(()) if p.peek() == K::Eof => return None,
        Ok(()) => Stop {
            at: p.i,
            expecting: Some("end of file"),
        },
    };
    let tok = *p.toks.get(stop.at)?;
    let pos = Pos::at(file, tok.start);
    if tok.k == K::LexError {
        let msg = lexed.lex_error.map(|(m, _)| m).unwrap_or_default();
        return Some(EvalError::new(ErrorKind::Parse, msg, pos));
    }
    let mut msg = format!("syntax error, unexpected {}", tok.k.name());
    if let Some(e) = stop.expecting {
        msg.push_str(", expecting ");
        msg.push_str(e);
    }
    Some(EvalError::new(ErrorKind::Parse, msg, pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Option<(String, u32)> {
        diagnose(text, 0).map(|e| (e.msg.clone(), e.pos.index()))
    }

    #[test]
    fn well_formed_texts_have_no_error() {
        for t in [
            "1",
            "{ a, b ? 1, ... }@x: a",
            "x@{ a }: a",
            "let a = 1; in a",
            "let { body = 1; }",
            "\"a${b}c\" + ''x${y}''",
            "./a/${b}/c + /x/y",
            "a.b.c or d",
            "map or [ 1 ]",
            "with a; assert b; if c then d else e",
            "{ inherit (a) b c; inherit d; \"e\" = 1; ${f} = 2; }",
            "-1 - -2 == !true",
            "a ? b.c",
            "<nixpkgs> http://x.org/a",
            "/* c */ 1 # d\n",
            "~/a",
        ] {
            assert_eq!(check(t), None, "{t}");
        }
    }

    #[test]
    fn errors_name_tokens_and_expectations_like_nix() {
        let cases: &[(&str, &str, u32)] = &[
            ("x @ y: 1", "syntax error, unexpected ID, expecting '{'", 4),
            ("{ ..., ... }: 1", "syntax error, unexpected ',', expecting '}'", 5),
            ("(1 + 2", "syntax error, unexpected end of file, expecting ')'", 5),
            ("(1 + 2\n", "syntax error, unexpected end of file, expecting ')'", 6),
            ("{ a = 1; }.", "syntax error, unexpected end of file, expecting ID or OR_KW or DOLLAR_CURLY or '\"'", 10),
            ("\"abc\n", "syntax error, unexpected end of file, expecting '\"'", 1),
            ("''\n  x\n", "syntax error, unexpected end of file, expecting IND_STR or DOLLAR_CURLY or IND_STRING_CLOSE", 3),
            ("1 /* open", "syntax error, unexpected '*'", 3),
            ("./foo/\n", "path has a trailing slash", 6),
            ("./foo/", "path has a trailing slash", 0),
            ("/a/b//c\n", "syntax error, unexpected PATH_END, expecting DOLLAR_CURLY", 5),
            ("/a/b//c", "syntax error, unexpected PATH_END, expecting DOLLAR_CURLY", 0),
            ("1 == 2 == 3", "syntax error, unexpected EQ", 7),
            ("{ a } 1", "syntax error, unexpected INT, expecting ':' or '@'", 6),
            ("{ a b", "syntax error, unexpected ID, expecting '.' or '='", 4),
            ("let a = 1 in a", "syntax error, unexpected IN, expecting ';'", 10),
            ("1 }", "syntax error, unexpected '}', expecting end of file", 2),
            ("1 % 2", "syntax error, unexpected invalid token, expecting end of file", 2),
            ("if a then b", "syntax error, unexpected end of file, expecting ELSE", 10),
            ("f let", "syntax error, unexpected end of file, expecting '{'", 2),
            ("if with ~/x", "syntax error, unexpected end of file, expecting ';'", 7),
            ("1 + /a/b//c", "syntax error, unexpected PATH_END, expecting DOLLAR_CURLY", 4),
        ];
        // Too deep to follow: left to the caller.
        assert_eq!(check(&"(".repeat(5000)), None);
        assert_eq!(check(&format!("{}(", "a ++ ".repeat(5000))), None);
        assert_eq!(check(&format!("{}(", "- ".repeat(5000))), None);
        assert_eq!(check(&format!("{}(", "[ ".repeat(5000))), None);
        assert_eq!(check(&format!("{}(", "a.b or ".repeat(5000))), None);
        for (t, msg, off) in cases {
            assert_eq!(check(t), Some((msg.to_string(), *off)), "{t:?}");
        }
    }
}

#[cfg(test)]
mod robustness {
    /// Random texts made of Nix-ish fragments: diagnosing them never panics and
    /// always points inside the text.
    #[test]
    fn random_texts_never_panic() {
        const PIECES: &[&str] = &[
            "a", " ", "\n", "1", "1.5", "\"", "''", "${", "}", "{", "(", ")", "[", "]", ";", ":",
            ",", "=", ".", "@", "?", "...", "./a/", "/b", "~/", "<p>", "x:y", "#c\n", "/*", "*/",
            "\\", "$", "'", "let", "in", "if", "then", "else", "or", "inherit", "rec", "with",
            "assert", "==", "<", "-", "!", "//", "++", "é",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = (seed % 12) as usize;
            for _ in 0..n {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            if let Some(e) = super::diagnose(&text, 0) {
                assert!(e.pos.index() as usize <= text.len(), "{text:?}: {}", e.msg);
            }
        }
    }
}
