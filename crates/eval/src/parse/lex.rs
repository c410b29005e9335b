//! The fast parser's lexer: tokens on demand, cut exactly where rnix 0.15's tokenizer
//! cuts them (same start conditions for strings, paths and
//! interpolations, same heuristics for telling paths, URIs and operators apart).
//!
//! Any text rnix would turn into an error token, and anything this lexer does not model
//! (non-ASCII outside strings and comments, the pipe operators), is refused: the caller
//! then falls back to the rnix path, which owns error reporting.

/// Token kinds; string and path pieces keep their text through the token's span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum T {
    Ident,
    Int,
    Float,
    Uri,
    PathAbs,
    PathRel,
    PathHome,
    PathSearch,
    StrStart,
    StrContent,
    StrEnd,
    InterpStart,
    InterpEnd,
    If,
    Then,
    Else,
    Assert,
    With,
    Let,
    In,
    Rec,
    Inherit,
    Or,
    Ellipsis,
    Eq,
    Neq,
    Le,
    Ge,
    Lt,
    Gt,
    AndAnd,
    OrOr,
    Impl,
    Update,
    Concat,
    Add,
    Sub,
    Mul,
    Div,
    Not,
    LBrace,
    RBrace,
    LBrack,
    RBrack,
    LParen,
    RParen,
    Dot,
    Comma,
    At,
    Colon,
    Semi,
    Assign,
    Question,
    /// What rnix lexes as an error token: kept because rnix's parser accepts any
    /// token as a closing parenthesis, even that one; refused everywhere else.
    Error,
    Eof,
}

#[derive(Clone, Copy, Debug)]
pub struct Tok {
    pub k: T,
    pub start: u32,
    pub end: u32,
    /// Whitespace or a comment came right before this token.
    pub trivia_before: bool,
}

/// The text cannot be lexed the way rnix lexes it without an error token (or uses
/// something this lexer leaves to rnix).
#[derive(Debug)]
pub struct Refused;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Str { multiline: bool },
    StrEnd,
    Interp { braces: u32 },
    InterpStart,
    Path(T),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Guess {
    PathAbs,
    PathRel,
    PathHome,
    PathSearch,
    Uri,
}

/// Byte classes, one table lookup per byte in the scanning loops.
const C_PATH: u8 = 1;
const C_URI: u8 = 2;
const C_IDENT: u8 = 4;
const C_SPACE: u8 = 8;
/// Characters that continue rnix's look-ahead after an identifier's first character:
/// path characters except `/`.
const C_GUESS: u8 = 16;
/// Alphanumerics, `_` and `-`: characters of both an identifier and that look-ahead.
const C_WORD: u8 = 32;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let alnum = c.is_ascii_alphanumeric();
        let mut k = 0;
        if alnum || matches!(c, b'/' | b'_' | b'.' | b'+' | b'-') {
            k |= C_PATH;
            if c != b'/' {
                k |= C_GUESS;
            }
        }
        if k & C_PATH != 0
            || matches!(
                c,
                b'%' | b'?' | b':' | b'@' | b'&' | b'=' | b'$' | b',' | b'!' | b'~' | b'*' | b'\''
            )
        {
            k |= C_URI;
        }
        if alnum || matches!(c, b'_' | b'-' | b'\'') {
            k |= C_IDENT;
        }
        // `char::is_whitespace` restricted to ASCII (non-ASCII outside strings is refused).
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            k |= C_SPACE;
        }
        if alnum || matches!(c, b'_' | b'-') {
            k |= C_WORD;
        }
        t[i] = k;
        i += 1;
    }
    t
};

#[inline]
fn is(c: u8, class: u8) -> bool {
    CLASS[c as usize] & class != 0
}

#[inline]
fn path_char(c: u8) -> bool {
    is(c, C_PATH)
}

#[inline]
fn uri_char(c: u8) -> bool {
    is(c, C_URI)
}

#[inline]
fn space(c: u8) -> bool {
    is(c, C_SPACE)
}

#[inline]
fn ident_char(c: u8) -> bool {
    is(c, C_IDENT)
}

/// The end of the run of whitespace bytes (`space`) from `i`: eight bytes at a time
/// while eight are left, then byte by byte. The lexer comes here only for runs of two
/// or more (a line break and its indentation), which a byte loop ended with a
/// mispredicted branch more often than not.
#[inline(always)]
fn space_end(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let other = !wide::space(w) & wide::HIGH;
        if other != 0 {
            return i + (other.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && space(b[i]) {
        i += 1;
    }
    i
}

/// Byte classes of eight bytes at once (SWAR): each answer is the high bit of its
/// byte, exact for every byte (no carries cross bytes); bytes of 128 and above are in
/// no class.
mod wide {
    const ONES: u64 = 0x0101_0101_0101_0101;
    pub const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

    /// High bit of each byte of `w` that is `c`.
    #[inline(always)]
    fn eq(w: u64, c: u8) -> u64 {
        let x = w ^ (ONES * c as u64);
        // A byte of x is zero iff adding 0x7f to its low seven bits leaves the high
        // bit clear and its own high bit is clear.
        !(((x & LOW7) + LOW7) | x) & HIGH
    }

    /// High bit of each byte of `w` within `lo..=hi` (both below 128).
    #[inline(always)]
    fn within(w: u64, lo: u8, hi: u8) -> u64 {
        let low = w & LOW7;
        // 127 + hi + 1 - b has its high bit set iff b <= hi; b + 127 - (lo - 1) iff b >= lo.
        let below = (ONES * (128 + hi as u64)).wrapping_sub(low);
        let above = low + ONES * (128 - lo as u64);
        below & above & !w & HIGH
    }

    /// Whitespace as `super::space` has it: space and 9 to 13 (tab to carriage return).
    #[inline(always)]
    pub fn space(w: u64) -> u64 {
        eq(w, b' ') | within(w, b'\t', b'\r')
    }
}

thread_local! {
    /// The buffers of the last lexer on this thread (`Lexer::recycle`).
    static SPARE: std::cell::Cell<(Vec<Ctx>, Vec<Tok>)> = const { std::cell::Cell::new((Vec::new(), Vec::new())) };
}

/// Lexes on demand: the parser asks for tokens a batch at a time, so the tokens of a
/// large file never exist all at once.
pub struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
    ctx: Vec<Ctx>,
    /// Tokens lexed and not yet dropped by the parser; the last one is `Eof` once the
    /// end of the text is reached.
    pub out: Vec<Tok>,
    trivia: bool,
    /// `Eof` has been emitted.
    pub done: bool,
    /// The end of the last identifier look-ahead that met neither `/` nor `:`.
    plain_until: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Result<Self, Refused> {
        if src.len() >= u32::MAX as usize {
            return Err(Refused);
        }
        let (mut ctx, mut out) = SPARE.take();
        ctx.clear();
        out.clear();
        Ok(Lexer {
            b: src.as_bytes(),
            pos: 0,
            ctx,
            out,
            trivia: false,
            done: false,
            plain_until: 0,
        })
    }

    /// Keeps the lexer's buffers for the next text on this thread (the token window is
    /// a few thousand tokens at most; a module file is lexed in one batch of them).
    pub fn recycle(&mut self) {
        if self.out.capacity() <= 1 << 16 && self.ctx.capacity() <= 1 << 12 {
            SPARE.set((std::mem::take(&mut self.ctx), std::mem::take(&mut self.out)));
        }
    }

    /// Lexes until `out` holds `want` tokens or the text ends (then with `Eof` last).
    pub fn fill(&mut self, want: usize) -> Result<(), Refused> {
        while !self.done && self.out.len() < want {
            if !self.next()? {
                let end = self.b.len() as u32;
                self.out.push(Tok {
                    k: T::Eof,
                    start: end,
                    end,
                    trivia_before: self.trivia,
                });
                self.done = true;
            }
        }
        Ok(())
    }

    /// Ends the token stream here (after a refusal: the parser then stops).
    pub fn stop(&mut self) {
        let at = self.pos.min(self.b.len()) as u32;
        self.out.push(Tok {
            k: T::Eof,
            start: at,
            end: at,
            trivia_before: false,
        });
        self.done = true;
    }
}

/// Lexes all of `src` into tokens (trivia dropped, remembered as a flag on the next
/// token), ending with an `Eof` token at the end of the text.
pub fn lex(src: &str) -> Result<Vec<Tok>, Refused> {
    let mut l = Lexer::new(src)?;
    l.fill(usize::MAX)?;
    Ok(l.out)
}

impl Lexer<'_> {
    #[inline]
    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    #[inline]
    fn starts_with(&self, s: &[u8]) -> bool {
        self.b[self.pos..].starts_with(s)
    }

    #[inline]
    fn emit(&mut self, k: T, start: usize) {
        self.out.push(Tok {
            k,
            start: start as u32,
            end: self.pos as u32,
            trivia_before: self.trivia,
        });
        self.trivia = false;
    }

    /// rnix makes an error token from `start` to here and goes on lexing.
    fn error(&mut self, start: usize) -> Result<bool, Refused> {
        self.emit(T::Error, start);
        Ok(true)
    }

    fn skip_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let s = self.pos;
        while self.pos < self.b.len() && f(self.b[self.pos]) {
            self.pos += 1;
        }
        self.pos - s
    }

    /// Scans string content up to its end or an interpolation; leaves the context as
    /// rnix does (string end pending, or interpolation start pending).
    fn string_body(&mut self, multiline: bool) -> Result<(), Refused> {
        loop {
            let s = self.pos;
            let Some(c) = self.at(self.pos) else {
                return Err(Refused);
            };
            self.pos += 1;
            match c {
                b'"' if !multiline => {
                    self.pos = s;
                    self.ctx.pop();
                    self.ctx.push(Ctx::StrEnd);
                    return Ok(());
                }
                b'\\' if !multiline => {
                    if self.pos >= self.b.len() {
                        return Err(Refused);
                    }
                    // A multi-byte character after the backslash continues with bytes
                    // that are never special, so skipping one byte is enough.
                    self.pos += 1;
                }
                b'\'' if multiline => match self.at(self.pos) {
                    None => return Err(Refused),
                    Some(b'\'') => {
                        self.pos += 1;
                        match self.at(self.pos) {
                            Some(b'\'') | Some(b'$') => self.pos += 1,
                            Some(b'\\') => {
                                self.pos += 1;
                                if self.pos >= self.b.len() {
                                    return Err(Refused);
                                }
                                self.pos += 1;
                            }
                            _ => {
                                self.pos = s;
                                self.ctx.pop();
                                self.ctx.push(Ctx::StrEnd);
                                return Ok(());
                            }
                        }
                    }
                    Some(_) => {}
                },
                b'$' => match self.at(self.pos) {
                    Some(b'$') => self.pos += 1,
                    Some(b'{') => {
                        self.pos = s;
                        self.ctx.push(Ctx::InterpStart);
                        return Ok(());
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }

    fn path_rest(&mut self, start: usize, k: T) -> Result<bool, Refused> {
        self.skip_while(path_char);
        if self.starts_with(b"${") {
            self.ctx.push(Ctx::InterpStart);
        } else {
            let text = &self.b[start..self.pos];
            if text.ends_with(b"/") || text.windows(2).any(|w| w == b"//") {
                return self.error(start);
            }
            self.ctx.pop();
        }
        self.emit(k, start);
        Ok(true)
    }

    /// Lexes one token (with the trivia before it); false at the end of the text.
    fn next(&mut self) -> Result<bool, Refused> {
        let start = self.pos;
        loop {
            match self.ctx.last().copied() {
                Some(Ctx::InterpStart) => {
                    self.ctx.pop();
                    self.ctx.push(Ctx::Interp { braces: 0 });
                    self.pos += 2;
                    self.emit(T::InterpStart, start);
                    return Ok(true);
                }
                Some(Ctx::Path(k)) => {
                    if self.starts_with(b"${") {
                        self.ctx.push(Ctx::Interp { braces: 0 });
                        self.pos += 2;
                        self.emit(T::InterpStart, start);
                        return Ok(true);
                    } else if self.at(self.pos).is_some_and(path_char) {
                        return self.path_rest(start, k);
                    }
                    self.ctx.pop();
                }
                Some(Ctx::Str { multiline }) => {
                    self.string_body(multiline)?;
                    if self.pos == start {
                        continue;
                    }
                    self.emit(T::StrContent, start);
                    return Ok(true);
                }
                Some(Ctx::StrEnd) => {
                    self.ctx.pop();
                    if self.starts_with(b"\"") {
                        self.pos += 1;
                    } else if self.starts_with(b"''") {
                        self.pos += 2;
                    } else {
                        return Err(Refused);
                    }
                    self.emit(T::StrEnd, start);
                    return Ok(true);
                }
                _ => {}
            }
            break;
        }
        let b = self.b;
        // Whitespace and comments before the token, all in this one call.
        loop {
            let Some(&c) = b.get(self.pos) else {
                return Ok(false);
            };
            if space(c) {
                self.pos += 1;
                if b.get(self.pos).is_some_and(|&c| space(c)) {
                    self.pos = space_end(b, self.pos + 1);
                }
            } else if c == b'#' {
                self.pos = match b[self.pos..].iter().position(|&c| c == b'\n') {
                    Some(n) => self.pos + n,
                    None => b.len(),
                };
            } else if c == b'/' && b.get(self.pos + 1) == Some(&b'*') {
                let comment = self.pos;
                self.pos += 2;
                loop {
                    self.skip_while(|c| c != b'*');
                    if self.pos < b.len() {
                        self.pos += 1;
                    }
                    match self.at(self.pos) {
                        None => return self.error(comment),
                        Some(b'/') => {
                            self.pos += 1;
                            break;
                        }
                        Some(_) => {}
                    }
                }
            } else {
                break;
            }
            self.trivia = true;
        }
        let start = self.pos;
        let c = b[self.pos];
        if c == b'.' && self.starts_with(b"...") {
            // Nix's lexer takes the longest token, and dots are path characters:
            // `.../a` is a relative path where rnix reads an ellipsis.
            if self.dots_start_a_path() {
                self.pos += 1;
                self.ctx.push(Ctx::Path(T::PathRel));
                return self.path_rest(start, T::PathRel);
            }
            self.pos += 3;
            self.emit(T::Ellipsis, start);
            return Ok(true);
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            return self.word(start);
        }
        // Only tokens that may start a path, a search path or a URI need rnix's
        // look-ahead; punctuation never does. Nor does a token inside a run an
        // identifier's look-ahead already found plain (the `.` and `types` of
        // `lib.types.str`): from there the look-ahead would stop at the same byte, one
        // that is neither `/` nor `:`, and answer nothing that matters here.
        let guess = if self.pos < self.plain_until {
            None
        } else if path_char(c) || matches!(c, b'<' | b'~') {
            self.guess()?
        } else {
            None
        };
        if !c.is_ascii() {
            return Err(Refused);
        }
        self.pos += 1;
        let peek = self.at(self.pos);
        if c == b'/' && peek == Some(b'/') {
            self.pos += 1;
            self.emit(T::Update, start);
            return Ok(true);
        }
        if c == b'~'
            || matches!(guess, Some(Guess::PathAbs | Guess::PathRel))
            || (c == b'/' && peek.is_some_and(path_char))
        {
            let k = if c == b'~' {
                if peek != Some(b'/') {
                    // rnix reads one more character into the error token.
                    match peek {
                        None => {}
                        Some(x) if x.is_ascii() => self.pos += 1,
                        Some(_) => return Err(Refused),
                    }
                    return self.error(start);
                }
                self.pos += 1;
                T::PathHome
            } else if c == b'/' {
                T::PathAbs
            } else {
                T::PathRel
            };
            self.ctx.push(Ctx::Path(k));
            return self.path_rest(start, k);
        }
        let two = |l: &mut Self, k: T| {
            l.pos += 1;
            k
        };
        let k = match c {
            b'=' if peek == Some(b'=') => two(self, T::Eq),
            b'!' if peek == Some(b'=') => two(self, T::Neq),
            b'!' => T::Not,
            b'{' => {
                if let Some(Ctx::Interp { braces }) = self.ctx.last_mut() {
                    *braces += 1;
                }
                T::LBrace
            }
            b'}' => match self.ctx.last_mut() {
                Some(Ctx::Interp { braces: 0 }) => {
                    self.ctx.pop();
                    T::InterpEnd
                }
                Some(Ctx::Interp { braces }) => {
                    *braces -= 1;
                    T::RBrace
                }
                _ => T::RBrace,
            },
            b'[' => T::LBrack,
            b']' => T::RBrack,
            b'@' => T::At,
            b':' => T::Colon,
            b',' => T::Comma,
            b'.' => {
                if peek.is_some_and(|x| x.is_ascii_digit()) {
                    self.skip_while(|c| c.is_ascii_digit());
                    self.exponent()
                } else {
                    T::Dot
                }
            }
            b'=' => T::Assign,
            b'?' => T::Question,
            b';' => T::Semi,
            b'(' => T::LParen,
            b')' => T::RParen,
            b'+' if peek == Some(b'+') => two(self, T::Concat),
            b'-' if peek == Some(b'>') => two(self, T::Impl),
            b'+' => T::Add,
            b'-' => T::Sub,
            b'*' => T::Mul,
            b'/' => T::Div,
            // `<|` and `|>` (pipes) are rejected by lowering anyway.
            b'<' if peek == Some(b'|') => return Err(Refused),
            b'<' if guess == Some(Guess::PathSearch) => {
                if self.skip_while(path_char) == 0 {
                    T::Lt
                } else if self.at(self.pos) != Some(b'>') {
                    match self.at(self.pos) {
                        None => {}
                        Some(x) if x.is_ascii() => self.pos += 1,
                        Some(_) => return Err(Refused),
                    }
                    return self.error(start);
                } else {
                    self.pos += 1;
                    T::PathSearch
                }
            }
            b'&' if peek == Some(b'&') => two(self, T::AndAnd),
            b'|' if peek == Some(b'|') => two(self, T::OrOr),
            b'<' if peek == Some(b'=') => two(self, T::Le),
            b'<' => T::Lt,
            b'>' if peek == Some(b'=') => two(self, T::Ge),
            b'>' => T::Gt,
            b'$' if peek == Some(b'{') => {
                self.pos += 1;
                self.ctx.push(Ctx::Interp { braces: 0 });
                T::InterpStart
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                if guess == Some(Guess::Uri) {
                    self.skip_while(|c| is(c, C_IDENT | C_URI));
                    T::Uri
                } else {
                    self.skip_while(ident_char);
                    keyword(&b[start..self.pos])
                }
            }
            b'"' => {
                self.ctx.push(Ctx::Str { multiline: false });
                T::StrStart
            }
            b'\'' if peek == Some(b'\'') => {
                self.pos += 1;
                self.ctx.push(Ctx::Str { multiline: true });
                T::StrStart
            }
            b'0'..=b'9' => {
                // A float is `[1-9][0-9]*\.[0-9]*` or `0?\.[0-9]+` (then an exponent)
                // to Nix: `0.` without a digit after the dot is the integer 0 and a
                // dot (rnix reads a float).
                let zero_float =
                    peek == Some(b'.') && self.at(self.pos + 1).is_some_and(|d| d.is_ascii_digit());
                if c == b'0' && !zero_float {
                    self.skip_while(|c| c.is_ascii_digit());
                    T::Int
                } else {
                    self.skip_while(|c| c.is_ascii_digit());
                    if self.at(self.pos) == Some(b'.') {
                        self.pos += 1;
                        self.skip_while(|c| c.is_ascii_digit());
                        self.exponent()
                    } else {
                        T::Int
                    }
                }
            }
            _ => return self.error(start),
        };
        self.emit(k, start);
        Ok(true)
    }

    /// A token that starts with a letter or `_`: an identifier, a keyword, a URI or a
    /// relative path. rnix's look-ahead (`guess`) scans path characters other than `/`,
    /// and an identifier's characters are the same ones plus `'`, so one scan serves
    /// both: first the shared run, then the look-ahead's `.`/`+` continuation.
    fn word(&mut self, start: usize) -> Result<bool, Refused> {
        let b = self.b;
        let mut i = start;
        while i < b.len() && is(b[i], C_WORD) {
            i += 1;
        }
        let word_end = i;
        // Inside a run of look-ahead characters already scanned and found to be neither
        // a path nor a URI (`lib.types.str`: `types` and `str` lie in the run scanned
        // after `lib`), the scan would end at the same place with the same answer.
        if word_end > self.plain_until {
            while i < b.len() && is(b[i], C_GUESS) {
                i += 1;
            }
            if !matches!(b.get(i), Some(b'/' | b':')) {
                self.plain_until = i;
            }
            // rnix's look-ahead does not take `x_y:z` as a URI; only looked at before a `:`.
            let underscore = || b[start..i].contains(&b'_');
            match (b.get(i).copied(), b.get(i + 1).copied()) {
                (Some(b'/'), Some(b'/' | b'*')) => {}
                (Some(b'/'), Some(c)) if !c.is_ascii() => return Err(Refused),
                (Some(b'/'), Some(c)) if !space(c) => {
                    self.ctx.push(Ctx::Path(T::PathRel));
                    return self.path_rest(start, T::PathRel);
                }
                (Some(b':'), Some(c)) if uri_char(c) && !underscore() => {
                    self.skip_while(|c| is(c, C_IDENT | C_URI));
                    self.emit(T::Uri, start);
                    return Ok(true);
                }
                _ => {}
            }
        }
        self.pos = word_end;
        if b.get(word_end) == Some(&b'\'') {
            self.skip_while(ident_char);
        }
        let k = keyword(&b[start..self.pos]);
        self.emit(k, start);
        Ok(true)
    }

    /// The exponent of a float, if it has one. An `e` without digits is not part of
    /// the float but the start of the next token, as Nix reads it (`1.5e` is the float
    /// 1.5 and the variable `e`; rnix makes an error token).
    fn exponent(&mut self) -> T {
        if matches!(self.at(self.pos), Some(b'e' | b'E')) {
            let before = self.pos;
            self.pos += 1;
            if matches!(self.at(self.pos), Some(b'-' | b'+')) {
                self.pos += 1;
            }
            if self.skip_while(|c| c.is_ascii_digit()) == 0 {
                self.pos = before;
            }
        }
        T::Float
    }

    /// At `...`: whether Nix's path rule matches here, path characters up to a `/`
    /// followed by a path character or by `${`.
    fn dots_start_a_path(&self) -> bool {
        let rest = &self.b[self.pos..];
        let run = rest.iter().take_while(|&&c| is(c, C_GUESS)).count();
        rest.get(run) == Some(&b'/')
            && (rest.get(run + 1).is_some_and(|&c| is(c, C_GUESS))
                || rest[run + 1..].starts_with(b"${"))
    }

    /// rnix's look-ahead that decides, before reading a token, whether it is a path, a
    /// search path or a URI.
    fn guess(&self) -> Result<Option<Guess>, Refused> {
        let rem = &self.b[self.pos..];
        let at = |i: usize| rem.get(i).copied();
        if rem[0] == b'/' {
            return Ok(if rem.starts_with(b"//") {
                None
            } else if rem.starts_with(b"/${") || at(1).is_some_and(|c| path_char(c) && c != b'*') {
                Some(Guess::PathAbs)
            } else {
                None
            });
        }
        if rem[0] == b'~' && at(1) == Some(b'/') {
            return Ok(Some(Guess::PathHome));
        }
        let search = rem[0] == b'<';
        let mut i = 0;
        let mut underscore = false;
        while let Some(c) = at(i) {
            let ok = match c {
                b'<' | b'/' => search,
                c => path_char(c),
            };
            if !ok {
                break;
            }
            underscore |= c == b'_';
            i += 1;
        }
        Ok(match (at(i), at(i + 1)) {
            (Some(b'/'), Some(b'/')) | (Some(b'/'), Some(b'*')) => None,
            (Some(b'/'), Some(c)) if !c.is_ascii() => return Err(Refused),
            (Some(b'/'), Some(c)) if !space(c) => Some(Guess::PathRel),
            (Some(b'>'), _) => Some(Guess::PathSearch),
            (Some(b':'), Some(c)) if uri_char(c) && !underscore => Some(Guess::Uri),
            _ => None,
        })
    }
}

/// The token of an identifier-shaped word: a keyword, or an identifier.
fn keyword(word: &[u8]) -> T {
    match word {
        b"assert" => T::Assert,
        b"else" => T::Else,
        b"if" => T::If,
        b"in" => T::In,
        b"inherit" => T::Inherit,
        b"let" => T::Let,
        b"or" => T::Or,
        b"rec" => T::Rec,
        b"then" => T::Then,
        b"with" => T::With,
        _ => T::Ident,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte loop `space_end` ends with, alone.
    fn slow_end(b: &[u8], mut i: usize, one: impl Fn(u8) -> bool) -> usize {
        while i < b.len() && one(b[i]) {
            i += 1;
        }
        i
    }

    #[test]
    fn whitespace_runs_end_where_the_byte_loop_ends() {
        // Every byte value at every distance from the start, after runs of every
        // whitespace byte, and texts ending inside a run.
        for fill in [b' ', b'\t', b'\n', 0x0b, 0x0c, b'\r'] {
            for len in 0..20 {
                for stop in 0..=255u8 {
                    let mut t = vec![fill; len];
                    t.push(stop);
                    t.extend_from_slice(b"          ");
                    for from in 0..len.min(3) + 1 {
                        assert_eq!(
                            space_end(&t, from),
                            slow_end(&t, from, space),
                            "{t:?} {from}"
                        );
                    }
                    t.truncate(len);
                    assert_eq!(space_end(&t, 0), slow_end(&t, 0, space));
                }
            }
        }
    }
}
