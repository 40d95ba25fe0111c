//! Splitting an expression into tokens.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    Ident,
    Name,
    Value,
    Int,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Unknown,
    Eof,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) start: usize,
    pub(super) end: usize,
}

pub(super) fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

pub(super) fn tokenize(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = match c {
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b'[' => Tok::LBracket,
            b']' => Tok::RBracket,
            b',' => Tok::Comma,
            b'.' => Tok::Dot,
            b'+' => Tok::Plus,
            b'-' => Tok::Minus,
            b'=' => Tok::Eq,
            b'<' => {
                if b.get(i + 1) == Some(&b'>') {
                    i += 1;
                    Tok::Ne
                } else if b.get(i + 1) == Some(&b'=') {
                    i += 1;
                    Tok::Le
                } else {
                    Tok::Lt
                }
            }
            b'>' => {
                if b.get(i + 1) == Some(&b'=') {
                    i += 1;
                    Tok::Ge
                } else {
                    Tok::Gt
                }
            }
            b'#' | b':' if b.get(i + 1).is_some_and(|&n| is_ident_char(n)) => {
                while i + 1 < b.len() && is_ident_char(b[i + 1]) {
                    i += 1;
                }
                if c == b'#' { Tok::Name } else { Tok::Value }
            }
            // A leading zero is a number of its own (`0`, never `007`), as
            // DynamoDB lexes list indexes: `l[01]` is a syntax error at `1`.
            c if c.is_ascii_digit() => {
                while c != b'0' && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
                    i += 1;
                }
                Tok::Int
            }
            c if c.is_ascii_alphabetic() => {
                while i + 1 < b.len() && is_ident_char(b[i + 1]) {
                    i += 1;
                }
                Tok::Ident
            }
            _ => {
                // One character, however many bytes it takes.
                let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
                i += ch_len - 1;
                Tok::Unknown
            }
        };
        i += 1;
        out.push(Token { tok, start, end: i });
    }
    out.push(Token {
        tok: Tok::Eof,
        start: text.len(),
        end: text.len(),
    });
    out
}
