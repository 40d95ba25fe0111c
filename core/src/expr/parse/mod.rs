//! Parsing DynamoDB expression strings into the typed AST, with DynamoDB's
//! precedence and its errors.

mod condition;
mod key;
mod lex;
mod terms;
mod update;

use std::collections::{BTreeMap, BTreeSet};

use key::key_condition;
#[cfg(feature = "emulator")]
pub(crate) use key::key_condition as key_condition_on;
use lex::{Tok, Token, is_ident_char, tokenize};

use super::{Condition, KeyCondition, Path, Projection, Update};
use crate::error::Error;
use crate::model::KeySchema;
use crate::value::{AttributeValue, ValueType};

/// Which expression of a request is being parsed; DynamoDB names it in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpressionKind {
    /// `ConditionExpression`
    Condition,
    /// `FilterExpression`
    Filter,
    /// `KeyConditionExpression`
    KeyCondition,
    /// `UpdateExpression`
    Update,
    /// `ProjectionExpression`
    Projection,
}

impl ExpressionKind {
    fn name(self) -> &'static str {
        match self {
            ExpressionKind::Condition => "ConditionExpression",
            ExpressionKind::Filter => "FilterExpression",
            ExpressionKind::KeyCondition => "KeyConditionExpression",
            ExpressionKind::Update => "UpdateExpression",
            ExpressionKind::Projection => "ProjectionExpression",
        }
    }
}

/// The deepest document path DynamoDB accepts, in elements.
const MAX_PATH_DEPTH: usize = 32;
/// The most operands of `IN`.
const MAX_IN_OPERANDS: usize = 100;
/// The longest placeholder (`#name` or `:value`), in bytes.
const MAX_PLACEHOLDER_BYTES: usize = 255;
/// The longest expression DynamoDB accepts, in bytes.
pub(crate) const MAX_EXPRESSION_BYTES: usize = 4096;
/// The most operators and functions in one expression.
const MAX_OPERATORS: usize = 300;
/// The most bytes of values one expression may substitute (each reference
/// of a placeholder counts its value again), as DynamoDB Local measures it.
const MAX_SUBSTITUTED_BYTES: usize = 1024 * 1024;
/// The deepest nesting of parentheses, `NOT`s and function calls the parser
/// follows. Past the operator limit no expression DynamoDB accepts nests
/// deeper; the bound keeps the recursive parser within a small stack.
const MAX_PARSE_DEPTH: usize = 640;
/// Expressions nested at most this deep are parsed on the caller's stack.
const SHALLOW_DEPTH: usize = 48;
/// The stack of the thread that parses deeper expressions: room for
/// [`MAX_PARSE_DEPTH`] levels with a wide margin, even in debug builds.
const DEEP_PARSE_STACK: usize = 32 * 1024 * 1024;

/// The deepest nesting of parentheses among the tokens.
fn paren_depth(tokens: &[Token]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for t in tokens {
        match t.tok {
            Tok::LParen => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Tok::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}
/// An operand or function call, before it is known where it is used.
#[derive(Clone, Debug)]
enum Term {
    Path(Path),
    Value(AttributeValue),
    Func { name: String, args: Vec<Term> },
}

// Ranks of semantic errors: the lowest is reported, as DynamoDB does.
const RANK_PARENS: u8 = 0;
const RANK_UNKNOWN_FUNCTION: u8 = 1;
const RANK_MISUSED_FUNCTION: u8 = 2;
const RANK_RESERVED: u8 = 3;
const RANK_UNDEFINED: u8 = 4;
const RANK_OPERAND_COUNT: u8 = 5;
const RANK_DISTINCT: u8 = 6;
const RANK_TYPE: u8 = 7;
const RANK_OTHER: u8 = 8;
const RANK_OPERATORS: u8 = 9;

const CONDITION_FUNCTIONS: [&str; 6] = [
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
    "size",
];
const UPDATE_FUNCTIONS: [&str; 2] = ["if_not_exists", "list_append"];

fn type_name_long(t: ValueType) -> &'static str {
    match t {
        ValueType::S => "STRING",
        ValueType::N => "NUMBER",
        ValueType::B => "BINARY",
        ValueType::Ss => "STRING_SET",
        ValueType::Ns => "NUMBER_SET",
        ValueType::Bs => "BINARY_SET",
        ValueType::M => "MAP",
        ValueType::L => "LIST",
        ValueType::Bool => "BOOLEAN",
        ValueType::Null => "NULL",
    }
}

/// Describes a value the way DynamoDB's BETWEEN errors do: `{N:5}`.
fn describe_value(v: &AttributeValue) -> String {
    match v {
        AttributeValue::S(s) => format!("{{S:{s}}}"),
        AttributeValue::N(n) => format!("{{N:{n}}}"),
        // As DynamoDB Local prints a Java ByteBuffer.
        AttributeValue::B(b) => format!(
            "{{B:java.nio.HeapByteBuffer[pos=0 lim={n} cap={n}]}}",
            n = b.len()
        ),
        other => format!("{{{}:...}}", other.value_type()),
    }
}

fn is_scalar(t: ValueType) -> bool {
    matches!(t, ValueType::S | ValueType::N | ValueType::B)
}

/// Parses the expressions of one request, resolving `#name` and `:value`
/// placeholders from the request's maps and recording which were used.
pub struct Parser<'a> {
    names: &'a BTreeMap<String, String>,
    values: &'a BTreeMap<String, AttributeValue>,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
    /// What each referenced placeholder substitutes, worked out on its
    /// first reference (see [`Run::value`]): a placeholder may be
    /// referenced a thousand times, and its value be megabytes of text.
    resolved: BTreeMap<String, Resolved>,
}

/// A placeholder's value as an expression substitutes it.
struct Resolved {
    /// The value's [`size`](AttributeValue::size), charged per reference.
    size: usize,
    /// For a value holding numbers written at great length (`000…1`), the
    /// value with those numbers in canonical text, substituted instead.
    shortened: Option<AttributeValue>,
}

struct Run<'p, 'a, 't> {
    parser: &'p mut Parser<'a>,
    text: &'t str,
    tokens: Vec<Token>,
    pos: usize,
    /// The semantic error to report: its rank, its message, and whether it
    /// is a limit ([`Error::LimitExceeded`]).
    semantic: Option<(u8, String, bool)>,
    /// Token positions of the `(` and `)` of the last parenthesised condition.
    last_group: Option<(usize, usize)>,
    /// Operators and functions counted so far.
    operators: usize,
    /// Current nesting of recursive descent.
    depth: usize,
    /// Bytes of values substituted so far.
    substituted: usize,
    /// A limit that stops the parse at once: reported whatever else failed.
    fatal: Option<String>,
}

type PResult<T> = Result<T, String>;

/// Parser state saved before trying one reading of ambiguous input.
struct Snapshot {
    pos: usize,
    /// The semantic error to report: its rank, its message, and whether it
    /// is a limit ([`Error::LimitExceeded`]).
    semantic: Option<(u8, String, bool)>,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
    last_group: Option<(usize, usize)>,
    operators: usize,
    /// Values charged: a reparsed stretch charges its values again.
    substituted: usize,
}

impl<'a> Parser<'a> {
    /// A parser over a request's placeholder maps.
    pub fn new(
        names: &'a BTreeMap<String, String>,
        values: &'a BTreeMap<String, AttributeValue>,
    ) -> Self {
        Parser {
            names,
            values,
            used_names: BTreeSet::new(),
            used_values: BTreeSet::new(),
            resolved: BTreeMap::new(),
        }
    }

    fn run<'p, 't, T: Send>(
        &'p mut self,
        text: &'t str,
        kind: ExpressionKind,
        f: impl FnOnce(&mut Run<'p, 'a, 't>) -> PResult<T> + Send,
    ) -> Result<T, Error> {
        let prefix = format!("Invalid {}: ", kind.name());
        // Only the empty text is "empty": blank text is a syntax error at
        // its end, as DynamoDB answers.
        if text.is_empty() {
            return Err(Error::invalid(format!(
                "{prefix}The expression can not be empty;"
            )));
        }
        if text.len() > MAX_EXPRESSION_BYTES {
            return Err(Error::limit(format!(
                "{prefix}Expression size has exceeded the maximum allowed size; expression size: {}",
                text.len()
            )));
        }
        let mut run = Run {
            parser: self,
            text,
            tokens: tokenize(text),
            pos: 0,
            semantic: None,
            last_group: None,
            operators: 0,
            depth: 0,
            substituted: text.len(),
            fatal: None,
        };
        let parse = |run: &mut Run<'p, 'a, 't>| {
            f(run).and_then(|v| {
                if run.peek() != Tok::Eof {
                    Err(run.syntax_error())
                } else {
                    Ok(v)
                }
            })
        };
        let result = if paren_depth(&run.tokens) <= SHALLOW_DEPTH {
            parse(&mut run)
        } else {
            // Deep nesting (bounded by MAX_PARSE_DEPTH) is parsed on a
            // thread whose stack holds it, whatever the caller's stack is.
            std::thread::scope(|scope| {
                std::thread::Builder::new()
                    .name("expression-parser".to_owned())
                    .stack_size(DEEP_PARSE_STACK)
                    .spawn_scoped(scope, || parse(&mut run))
                    .map_err(|e| Error::backend("cannot start the expression parser", e))
                    .map(|handle| handle.join())
            })?
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        if let Some(message) = run.fatal.take() {
            // A limit (size, operators) or, for nesting too deep to be
            // anything but redundant parentheses, a plain validation error.
            return Err(Error::from_validation_message(format!("{prefix}{message}")));
        }
        if result.is_ok() && run.operators > MAX_OPERATORS {
            // The lowest-ranked semantic error, as DynamoDB Local reports it
            // (it stops counting at the first operator over the limit).
            run.semantic_limit(
                RANK_OPERATORS,
                format!(
                    "The expression contains too many operators; operator count: {}",
                    MAX_OPERATORS + 1
                ),
            );
        }
        match (result, run.semantic) {
            (Err(syntax), _) => Err(Error::invalid(format!("{prefix}{syntax}"))),
            (Ok(_), Some((_, message, true))) => Err(Error::limit(format!("{prefix}{message}"))),
            (Ok(_), Some((_, message, false))) => Err(Error::invalid(format!("{prefix}{message}"))),
            (Ok(v), None) => Ok(v),
        }
    }

    /// Parses a `ConditionExpression` or `FilterExpression`.
    pub fn condition(&mut self, text: &str, kind: ExpressionKind) -> Result<Condition, Error> {
        self.run(text, kind, |r| r.or_condition())
    }

    /// Parses an `UpdateExpression`.
    pub fn update(&mut self, text: &str) -> Result<Update, Error> {
        self.run(text, ExpressionKind::Update, |r| r.update())
    }

    /// Parses a `ProjectionExpression`.
    pub fn projection(&mut self, text: &str) -> Result<Projection, Error> {
        self.run(text, ExpressionKind::Projection, |r| r.projection())
    }

    /// Parses a `KeyConditionExpression` against the key schema it queries.
    pub fn key_condition(&mut self, text: &str, key: &KeySchema) -> Result<KeyCondition, Error> {
        let condition = self.key_condition_text(text)?;
        key_condition(condition, key)
    }

    /// Parses a `KeyConditionExpression` without checking it against a key
    /// schema (see [`Parser::key_condition`] and [`key_condition_on`]).
    #[cfg_attr(not(feature = "emulator"), allow(dead_code))]
    pub(crate) fn key_condition_text(&mut self, text: &str) -> Result<Condition, Error> {
        self.run(text, ExpressionKind::KeyCondition, |r| r.or_condition())
    }

    /// Fails if a placeholder of the maps was not used by any expression
    /// (names are reported first, as DynamoDB does).
    pub fn finish(&self) -> Result<(), Error> {
        let unused_names = self.names.keys().filter(|k| !self.used_names.contains(*k));
        let unused_names: Vec<&str> = unused_names.map(String::as_str).collect();
        if !unused_names.is_empty() {
            return Err(Error::invalid(format!(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                java_hash_set_order(unused_names).join(", ")
            )));
        }
        let unused_values = self
            .values
            .keys()
            .filter(|k| !self.used_values.contains(*k));
        let unused_values: Vec<&str> = unused_values.map(String::as_str).collect();
        if !unused_values.is_empty() {
            return Err(Error::invalid(format!(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                java_hash_set_order(unused_values).join(", ")
            )));
        }
        Ok(())
    }
}

/// The order a Java `HashSet<String>` lists these strings in (DynamoDB's
/// messages print such sets): by bucket of the spread `String.hashCode`,
/// with the table grown as elements are added (load factor 0.75).
pub fn java_hash_set_order(mut keys: Vec<&str>) -> Vec<&str> {
    let mut capacity = 16usize;
    while keys.len() > capacity * 3 / 4 {
        capacity *= 2;
    }
    let bucket = |s: &str| {
        let h = s
            .encode_utf16()
            .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)));
        let spread = (h ^ ((h as u32) >> 16) as i32) as u32;
        spread as usize & (capacity - 1)
    };
    keys.sort_by_cached_key(|k| bucket(k));
    keys
}

/// DynamoDB's message for an empty placeholder in `map`.
fn empty_key(map: &str) -> Error {
    Error::invalid(format!(
        "{map} contains invalid key: The expression attribute map contains an empty key;"
    ))
}

/// Checks the placeholder maps of a request themselves: key syntax and
/// valid values.
pub fn check_attribute_maps(
    names: &BTreeMap<String, String>,
    values: &BTreeMap<String, AttributeValue>,
) -> Result<(), Error> {
    for (k, name) in names {
        if k.is_empty() {
            return Err(empty_key("ExpressionAttributeNames"));
        }
        if k.len() > MAX_PLACEHOLDER_BYTES {
            return Err(Error::limit(format!(
                "ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: {}",
                k.len()
            )));
        }
        if !k.starts_with('#') || k.len() < 2 || !k.bytes().skip(1).all(is_ident_char) {
            return Err(Error::invalid(format!(
                "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{k}\""
            )));
        }
        if name.is_empty() {
            return Err(Error::invalid(format!(
                "ExpressionAttributeNames contains invalid value: Empty attribute name for key {k}"
            )));
        }
        if name.len() > crate::rules::MAX_ATTRIBUTE_NAME_BYTES {
            return Err(Error::limit(format!(
                "ExpressionAttributeNames contains invalid value: Attribute name is too large, must be less than 65536 bytes for key {k}"
            )));
        }
    }
    for (k, v) in values {
        if k.is_empty() {
            return Err(empty_key("ExpressionAttributeValues"));
        }
        if k.len() > MAX_PLACEHOLDER_BYTES {
            return Err(Error::limit(
                "ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long;",
            ));
        }
        if !k.starts_with(':') || k.len() < 2 || !k.bytes().skip(1).all(is_ident_char) {
            return Err(Error::invalid(format!(
                "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{k}\""
            )));
        }
        match crate::rules::check_value(v) {
            Ok(()) => {}
            Err(Error::LimitExceeded { message }) => {
                return Err(Error::limit(format!(
                    "ExpressionAttributeValues contains invalid value: {message} for key {k}"
                )));
            }
            Err(Error::InvalidRequest { message }) => {
                return Err(Error::invalid(format!(
                    "ExpressionAttributeValues contains invalid value: {message} for key {k}"
                )));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl<'p, 'a, 't> Run<'p, 'a, 't> {
    fn peek(&self) -> Tok {
        self.tokens[self.pos].tok
    }

    fn peek_at(&self, n: usize) -> Tok {
        self.tokens.get(self.pos + n).map_or(Tok::Eof, |t| t.tok)
    }

    fn text_of(&self, i: usize) -> &'t str {
        let t = self.tokens[i];
        &self.text[t.start..t.end]
    }

    fn advance(&mut self) -> Token {
        let t = self.tokens[self.pos];
        if t.tok != Tok::Eof {
            self.pos += 1;
        }
        t
    }

    fn is_keyword(&self, i: usize, keyword: &str) -> bool {
        self.tokens[i].tok == Tok::Ident && self.text_of(i).eq_ignore_ascii_case(keyword)
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        self.is_keyword(self.pos, keyword)
    }

    /// DynamoDB's syntax error: the current token, and the text from the
    /// previous token to the next one.
    fn syntax_error(&self) -> String {
        let cur = self.tokens[self.pos];
        let token = if cur.tok == Tok::Eof {
            "<EOF>".to_owned()
        } else {
            self.text[cur.start..cur.end].to_owned()
        };
        let from = if self.pos > 0 {
            self.tokens[self.pos - 1].start
        } else if cur.tok == Tok::Eof {
            // Blank text: DynamoDB quotes all of it.
            0
        } else {
            cur.start
        };
        let to = if cur.tok == Tok::Eof {
            self.text.len()
        } else {
            self.tokens
                .get(self.pos + 1)
                .map_or(cur.end, |n| if n.tok == Tok::Eof { cur.end } else { n.end })
        };
        format!(
            "Syntax error; token: \"{token}\", near: \"{}\"",
            &self.text[from..to]
        )
    }

    fn expect(&mut self, tok: Tok) -> PResult<Token> {
        if self.peek() == tok {
            Ok(self.advance())
        } else {
            Err(self.syntax_error())
        }
    }

    /// Counts an operator or function of the expression.
    fn operator(&mut self) {
        self.operators += 1;
    }

    /// Enters one level of recursive descent; refuses to go deeper than
    /// [`MAX_PARSE_DEPTH`] (the parse stops with a clear error, never a
    /// stack overflow).
    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            // Nesting this deep needs more than 300 operators unless it is
            // redundant: name whichever the expression has.
            let operators = self
                .tokens
                .iter()
                .enumerate()
                .filter(|(i, t)| {
                    matches!(
                        t.tok,
                        Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge
                    ) || (t.tok == Tok::Ident
                        && (self.tokens.get(i + 1).is_some_and(|n| n.tok == Tok::LParen)
                            || ["AND", "OR", "NOT", "BETWEEN", "IN"]
                                .iter()
                                .any(|k| self.is_keyword(*i, k))))
                })
                .count();
            self.fatal = Some(if operators > MAX_OPERATORS {
                format!(
                    "The expression contains too many operators; operator count: {}",
                    MAX_OPERATORS + 1
                )
            } else {
                "The expression has redundant parentheses;".to_owned()
            });
            return Err(String::new());
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Runs one level of recursive descent (see [`Run::enter`]).
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        self.enter()?;
        let result = f(self);
        self.leave();
        result
    }

    /// Charges a substituted value of `size` against the expression's
    /// size; false (and the parse stops) once the expression is over
    /// DynamoDB's limit.
    fn substitute(&mut self, size: usize) -> bool {
        self.substituted = self.substituted.saturating_add(size);
        if self.substituted > MAX_SUBSTITUTED_BYTES {
            self.fatal = Some("Expression size has exceeded the maximum allowed size;".to_owned());
            return false;
        }
        true
    }

    fn semantic(&mut self, rank: u8, message: String) {
        self.record_semantic(rank, message, false);
    }

    /// A semantic error that reports one of DynamoDB's limits.
    fn semantic_limit(&mut self, rank: u8, message: String) {
        self.record_semantic(rank, message, true);
    }

    fn record_semantic(&mut self, rank: u8, message: String, limit: bool) {
        match &self.semantic {
            Some((r, ..)) if *r <= rank => {}
            _ => self.semantic = Some((rank, message, limit)),
        }
    }
}
