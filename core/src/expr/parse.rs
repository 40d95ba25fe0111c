//! Parsing DynamoDB expression strings into the typed AST, with DynamoDB's
//! precedence and its errors.

use std::collections::{BTreeMap, BTreeSet};

use super::reserved::is_reserved;
use super::{
    Comparator, Condition, KeyCondition, Operand, Path, PathElement, Projection, RangeCondition,
    SetOperand, SetValue, Update,
};
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
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
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn tokenize(text: &str) -> Vec<Token> {
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
            c if c.is_ascii_digit() => {
                while i + 1 < b.len() && b[i + 1].is_ascii_digit() {
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
        AttributeValue::B(_) => "{B:...}".to_owned(),
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
}

struct Run<'p, 'a, 't> {
    parser: &'p mut Parser<'a>,
    text: &'t str,
    tokens: Vec<Token>,
    pos: usize,
    semantic: Option<(u8, String)>,
    /// Token positions of the `(` and `)` of the last parenthesised condition.
    last_group: Option<(usize, usize)>,
}

type PResult<T> = Result<T, String>;

/// Parser state saved before trying one reading of ambiguous input.
struct Snapshot {
    pos: usize,
    semantic: Option<(u8, String)>,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
    last_group: Option<(usize, usize)>,
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
        }
    }

    fn run<'p, 't, T>(
        &'p mut self,
        text: &'t str,
        kind: ExpressionKind,
        f: impl FnOnce(&mut Run<'p, 'a, 't>) -> PResult<T>,
    ) -> Result<T, Error> {
        let prefix = format!("Invalid {}: ", kind.name());
        if text.trim().is_empty() {
            return Err(Error::invalid(format!(
                "{prefix}The expression can not be empty;"
            )));
        }
        let mut run = Run {
            parser: self,
            text,
            tokens: tokenize(text),
            pos: 0,
            semantic: None,
            last_group: None,
        };
        let result = f(&mut run).and_then(|v| {
            if run.peek() != Tok::Eof {
                Err(run.syntax_error())
            } else {
                Ok(v)
            }
        });
        match (result, run.semantic) {
            (Err(syntax), _) => Err(Error::invalid(format!("{prefix}{syntax}"))),
            (Ok(_), Some((_, message))) => Err(Error::invalid(format!("{prefix}{message}"))),
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
        let condition = self.run(text, ExpressionKind::KeyCondition, |r| r.or_condition())?;
        key_condition(condition, key)
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
fn java_hash_set_order(mut keys: Vec<&str>) -> Vec<&str> {
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
    keys.sort_by_key(|k| bucket(k));
    keys
}

/// Checks the placeholder maps of a request themselves: key syntax and
/// valid values.
pub fn check_attribute_maps(
    names: &BTreeMap<String, String>,
    values: &BTreeMap<String, AttributeValue>,
) -> Result<(), Error> {
    for k in names.keys() {
        if !k.starts_with('#') || k.len() < 2 || !k.bytes().skip(1).all(is_ident_char) {
            return Err(Error::invalid(format!(
                "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{k}\""
            )));
        }
    }
    for (k, v) in values {
        if !k.starts_with(':') || k.len() < 2 || !k.bytes().skip(1).all(is_ident_char) {
            return Err(Error::invalid(format!(
                "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{k}\""
            )));
        }
        if let Err(message) = crate::rules::check_value(v) {
            return Err(Error::invalid(format!(
                "ExpressionAttributeValues contains invalid value: {message} for key {k}"
            )));
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

    fn semantic(&mut self, rank: u8, message: String) {
        match &self.semantic {
            Some((r, _)) if *r <= rank => {}
            _ => self.semantic = Some((rank, message)),
        }
    }

    // --- paths and operands ---------------------------------------------------

    fn is_condition_keyword(&self, i: usize) -> bool {
        ["AND", "OR", "NOT", "BETWEEN", "IN"]
            .iter()
            .any(|k| self.is_keyword(i, k))
    }

    fn path_element_name(&mut self) -> PResult<String> {
        match self.peek() {
            Tok::Ident if !self.is_condition_keyword(self.pos) => {
                let i = self.advance();
                let name = &self.text[i.start..i.end];
                if is_reserved(name) {
                    self.semantic(
                        RANK_RESERVED,
                        format!("Attribute name is a reserved keyword; reserved keyword: {name}"),
                    );
                }
                Ok(name.to_owned())
            }
            Tok::Name => {
                let i = self.advance();
                let placeholder = &self.text[i.start..i.end];
                match self.parser.names.get(placeholder) {
                    Some(name) => {
                        self.parser.used_names.insert(placeholder.to_owned());
                        Ok(name.clone())
                    }
                    None => {
                        self.semantic(
                            RANK_UNDEFINED,
                            format!(
                                "An expression attribute name used in the document path is not defined; attribute name: {placeholder}"
                            ),
                        );
                        Ok(placeholder.to_owned())
                    }
                }
            }
            _ => Err(self.syntax_error()),
        }
    }

    fn path(&mut self) -> PResult<Path> {
        let mut elements = vec![PathElement::Attr(self.path_element_name()?)];
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.advance();
                    elements.push(PathElement::Attr(self.path_element_name()?));
                }
                Tok::LBracket => {
                    self.advance();
                    let i = self.expect(Tok::Int)?;
                    let index: usize = self.text[i.start..i.end].parse().map_err(|_| {
                        // An index too large for memory is a syntax error at that token.
                        self.pos -= 1;
                        self.syntax_error()
                    })?;
                    self.expect(Tok::RBracket)?;
                    elements.push(PathElement::Index(index));
                }
                _ => break,
            }
        }
        if elements.len() > MAX_PATH_DEPTH {
            self.semantic(
                RANK_OTHER,
                format!(
                    "The document path has too many nesting levels; nesting levels: {}",
                    elements.len()
                ),
            );
        }
        Ok(Path(elements))
    }

    /// The value of the placeholder at the cursor; `None` when undefined
    /// (the error is recorded).
    fn value(&mut self) -> Option<AttributeValue> {
        let i = self.advance();
        let placeholder = &self.text[i.start..i.end];
        match self.parser.values.get(placeholder) {
            Some(v) => {
                self.parser.used_values.insert(placeholder.to_owned());
                Some(v.clone())
            }
            None => {
                self.semantic(
                    RANK_UNDEFINED,
                    format!("An expression attribute value used in expression is not defined; attribute value: {placeholder}"),
                );
                None
            }
        }
    }

    /// A path, a value, or a function call (possibly parenthesised).
    fn term(&mut self) -> PResult<Term> {
        match self.peek() {
            Tok::Value => Ok(Term::Value(self.value().unwrap_or(AttributeValue::Null))),
            Tok::Ident
                if self.peek_at(1) == Tok::LParen && !self.is_condition_keyword(self.pos) =>
            {
                let name = self.text_of(self.pos).to_owned();
                self.advance();
                self.advance();
                let mut args = vec![self.term()?];
                while self.peek() == Tok::Comma {
                    self.advance();
                    args.push(self.term()?);
                }
                self.expect(Tok::RParen)?;
                Ok(Term::Func { name, args })
            }
            Tok::LParen => {
                self.advance();
                if self.peek() == Tok::LParen {
                    self.semantic(
                        RANK_PARENS,
                        "The expression has redundant parentheses;".to_owned(),
                    );
                }
                let t = self.term()?;
                self.expect(Tok::RParen)?;
                Ok(t)
            }
            _ => Ok(Term::Path(self.path()?)),
        }
    }

    fn check_function_known(&mut self, name: &str) -> bool {
        if CONDITION_FUNCTIONS.contains(&name) || UPDATE_FUNCTIONS.contains(&name) {
            true
        } else {
            self.semantic(
                RANK_UNKNOWN_FUNCTION,
                format!("Invalid function name; function: {name}"),
            );
            false
        }
    }

    fn check_arity(&mut self, name: &str, args: &[Term], n: usize) -> bool {
        if args.len() == n {
            true
        } else {
            self.semantic(
                RANK_OPERAND_COUNT,
                format!(
                    "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}",
                    args.len()
                ),
            );
            false
        }
    }

    fn type_error(&mut self, op: &str, t: ValueType) {
        self.semantic(
            RANK_TYPE,
            format!("Incorrect operand type for operator or function; operator or function: {op}, operand type: {t}"),
        );
    }

    fn require_path(&mut self, name: &str, t: Term) -> Path {
        match t {
            Term::Path(p) => p,
            _ => {
                self.semantic(
                    RANK_TYPE,
                    format!("Operator or function requires a document path; operator or function: {name}"),
                );
                Path(vec![PathElement::Attr(String::new())])
            }
        }
    }

    /// A term used as a condition operand.
    fn condition_operand(&mut self, t: Term) -> Operand {
        match t {
            Term::Path(p) => Operand::Path(p),
            Term::Value(v) => Operand::Value(v),
            Term::Func { name, args } => {
                if !self.check_function_known(&name) {
                    return Operand::Value(AttributeValue::Null);
                }
                if UPDATE_FUNCTIONS.contains(&name.as_str()) {
                    self.semantic(
                        RANK_MISUSED_FUNCTION,
                        format!("The function is not allowed in a condition expression; function: {name}"),
                    );
                    return Operand::Value(AttributeValue::Null);
                }
                if name != "size" {
                    self.semantic(
                        RANK_MISUSED_FUNCTION,
                        format!("The function is not allowed to be used this way in an expression; function: {name}"),
                    );
                    return Operand::Value(AttributeValue::Null);
                }
                if !self.check_arity(&name, &args, 1) {
                    return Operand::Value(AttributeValue::Null);
                }
                let inner = args.into_iter().next().expect("one argument");
                let inner = self.condition_operand(inner);
                if let Operand::Value(v) = &inner {
                    let t = v.value_type();
                    if matches!(t, ValueType::N | ValueType::Bool | ValueType::Null) {
                        self.type_error("size", t);
                    }
                }
                Operand::Size(Box::new(inner))
            }
        }
    }

    fn check_distinct(&mut self, op: &str, a: &Operand, b: &Operand) {
        if let (Operand::Path(x), Operand::Path(y)) = (a, b) {
            if x == y {
                self.semantic(
                    RANK_DISTINCT,
                    format!(
                        "The first operand must be distinct from the remaining operands for this operator or function; operator: {op}, first operand: {}",
                        x.describe()
                    ),
                );
            }
        }
    }

    fn check_ordered_operand(&mut self, op: &str, o: &Operand) {
        if let Operand::Value(v) = o {
            let t = v.value_type();
            if !is_scalar(t) {
                self.type_error(op, t);
            }
        }
    }

    // --- conditions -----------------------------------------------------------

    fn or_condition(&mut self) -> PResult<Condition> {
        let mut left = self.and_condition()?;
        while self.at_keyword("OR") {
            self.advance();
            let right = self.and_condition()?;
            left = Condition::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_condition(&mut self) -> PResult<Condition> {
        let mut left = self.not_condition()?;
        while self.at_keyword("AND") {
            self.advance();
            let right = self.not_condition()?;
            left = Condition::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_condition(&mut self) -> PResult<Condition> {
        if self.at_keyword("NOT") {
            self.advance();
            let inner = self.not_condition()?;
            return Ok(Condition::Not(Box::new(inner)));
        }
        self.primary_condition()
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            pos: self.pos,
            semantic: self.semantic.clone(),
            used_names: self.parser.used_names.clone(),
            used_values: self.parser.used_values.clone(),
            last_group: self.last_group,
        }
    }

    fn restore(&mut self, s: Snapshot) {
        self.pos = s.pos;
        self.semantic = s.semantic;
        self.parser.used_names = s.used_names;
        self.parser.used_values = s.used_values;
        self.last_group = s.last_group;
    }

    fn primary_condition(&mut self) -> PResult<Condition> {
        if self.peek() == Tok::LParen {
            // A parenthesised condition, or a parenthesised operand of a comparison.
            let saved = self.snapshot();
            let open = self.pos;
            self.advance();
            if let Ok(c) = self.or_condition() {
                if self.peek() == Tok::RParen {
                    let close = self.pos;
                    self.advance();
                    // Redundant when the whole inside is itself one group.
                    if self.last_group == Some((open + 1, close - 1)) {
                        self.semantic(
                            RANK_PARENS,
                            "The expression has redundant parentheses;".to_owned(),
                        );
                    }
                    self.last_group = Some((open, close));
                    return Ok(c);
                }
            }
            self.restore(saved);
        }
        let first = self.term()?;
        if let Term::Func { name, args } = &first {
            let is_boolean = CONDITION_FUNCTIONS.contains(&name.as_str()) && name != "size";
            let is_operand_position = matches!(
                self.peek(),
                Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge
            ) || self.at_keyword("BETWEEN")
                || self.at_keyword("IN");
            if is_boolean || !is_operand_position {
                return Ok(self.function_condition(name.clone(), args.clone()));
            }
        }
        let left = self.condition_operand(first);
        let op = match self.peek() {
            Tok::Eq => Comparator::Eq,
            Tok::Ne => Comparator::Ne,
            Tok::Lt => Comparator::Lt,
            Tok::Le => Comparator::Le,
            Tok::Gt => Comparator::Gt,
            Tok::Ge => Comparator::Ge,
            _ if self.at_keyword("BETWEEN") => {
                self.advance();
                let low = self.term()?;
                if !self.at_keyword("AND") {
                    return Err(self.syntax_error());
                }
                self.advance();
                let high = self.term()?;
                let (low, high) = (self.condition_operand(low), self.condition_operand(high));
                self.check_ordered_operand("BETWEEN", &left);
                self.check_ordered_operand("BETWEEN", &low);
                self.check_ordered_operand("BETWEEN", &high);
                if let (Operand::Value(lo), Operand::Value(hi)) = (&low, &high) {
                    if lo.value_type() != hi.value_type() {
                        self.semantic(
                            RANK_TYPE,
                            format!(
                                "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                                describe_value(lo),
                                describe_value(hi)
                            ),
                        );
                    } else if super::eval::compare_scalars(lo, hi)
                        == Some(std::cmp::Ordering::Greater)
                    {
                        self.semantic(
                            RANK_TYPE,
                            format!(
                                "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                                describe_value(lo),
                                describe_value(hi)
                            ),
                        );
                    }
                }
                return Ok(Condition::Between {
                    value: left,
                    low,
                    high,
                });
            }
            _ if self.at_keyword("IN") => {
                self.advance();
                self.expect(Tok::LParen)?;
                let mut list = Vec::new();
                loop {
                    let t = self.term()?;
                    list.push(self.condition_operand(t));
                    if self.peek() == Tok::Comma {
                        self.advance();
                    } else {
                        break;
                    }
                }
                self.expect(Tok::RParen)?;
                if list.len() > MAX_IN_OPERANDS {
                    self.semantic(
                        RANK_OTHER,
                        format!("The IN operator is provided with too many operands; number of operands: {}", list.len()),
                    );
                }
                return Ok(Condition::In { value: left, list });
            }
            _ => {
                if let Operand::Size(_) = left {
                    self.semantic(
                        RANK_MISUSED_FUNCTION,
                        "The function is not allowed to be used this way in an expression; function: size".to_owned(),
                    );
                    return Ok(Condition::AttributeExists(Path(vec![PathElement::Attr(
                        String::new(),
                    )])));
                }
                return Err(self.syntax_error());
            }
        };
        self.advance();
        let right = self.term()?;
        let right = self.condition_operand(right);
        self.check_distinct(op.as_str(), &left, &right);
        if !matches!(op, Comparator::Eq | Comparator::Ne) {
            self.check_ordered_operand(op.as_str(), &left);
            self.check_ordered_operand(op.as_str(), &right);
        }
        Ok(Condition::Compare { left, op, right })
    }

    fn function_condition(&mut self, name: String, args: Vec<Term>) -> Condition {
        let placeholder = Condition::AttributeExists(Path(vec![PathElement::Attr(String::new())]));
        if !self.check_function_known(&name) {
            return placeholder;
        }
        if UPDATE_FUNCTIONS.contains(&name.as_str()) {
            self.semantic(
                RANK_MISUSED_FUNCTION,
                format!("The function is not allowed in a condition expression; function: {name}"),
            );
            return placeholder;
        }
        if name == "size" {
            self.semantic(
                RANK_MISUSED_FUNCTION,
                "The function is not allowed to be used this way in an expression; function: size"
                    .to_owned(),
            );
            return placeholder;
        }
        let arity = if name.starts_with("attribute_") && name != "attribute_type" {
            1
        } else {
            2
        };
        if !self.check_arity(&name, &args, arity) {
            return placeholder;
        }
        let mut args = args.into_iter();
        let first = args.next().expect("checked arity");
        let path = self.require_path(&name, first);
        match name.as_str() {
            "attribute_exists" => Condition::AttributeExists(path),
            "attribute_not_exists" => Condition::AttributeNotExists(path),
            _ => {
                let second = args.next().expect("checked arity");
                let second = self.condition_operand(second);
                self.check_distinct(&name, &Operand::Path(path.clone()), &second);
                match name.as_str() {
                    "attribute_type" => {
                        match &second {
                            Operand::Value(AttributeValue::S(t))
                                if ValueType::from_name(t).is_none() =>
                            {
                                self.semantic(
                                        RANK_TYPE,
                                        format!(
                                            "Invalid attribute type name found; type: {t}, valid types: {{N,BS,L,B,NULL,M,S,SS,NS,BOOL}}"
                                        ),
                                    );
                            }
                            Operand::Value(v) if !matches!(v, AttributeValue::S(_)) => {
                                let t = v.value_type();
                                self.type_error("attribute_type", t);
                            }
                            _ => {}
                        }
                        Condition::AttributeType(path, second)
                    }
                    "begins_with" => {
                        if let Operand::Value(v) = &second {
                            let t = v.value_type();
                            if !matches!(t, ValueType::S | ValueType::B) {
                                self.type_error("begins_with", t);
                            }
                        }
                        Condition::BeginsWith(path, second)
                    }
                    _ => Condition::Contains(path, second),
                }
            }
        }
    }

    // --- updates --------------------------------------------------------------

    fn set_operand(&mut self, t: Term) -> SetOperand {
        match t {
            Term::Path(p) => SetOperand::Path(p),
            Term::Value(v) => SetOperand::Value(v),
            Term::Func { name, args } => {
                let placeholder = SetOperand::Value(AttributeValue::Null);
                if !self.check_function_known(&name) {
                    return placeholder;
                }
                if !UPDATE_FUNCTIONS.contains(&name.as_str()) {
                    self.semantic(
                        RANK_MISUSED_FUNCTION,
                        format!(
                            "The function is not allowed in an update expression; function: {name}"
                        ),
                    );
                    return placeholder;
                }
                if !self.check_arity(&name, &args, 2) {
                    return placeholder;
                }
                let mut args = args.into_iter();
                let (a, b) = (args.next().expect("two"), args.next().expect("two"));
                if name == "if_not_exists" {
                    let path = self.require_path(&name, a);
                    let default = self.set_operand(b);
                    SetOperand::IfNotExists(path, Box::new(default))
                } else {
                    let (a, b) = (self.set_operand(a), self.set_operand(b));
                    for o in [&a, &b] {
                        if let SetOperand::Value(v) = o {
                            if v.value_type() != ValueType::L {
                                let t = v.value_type();
                                self.type_error("list_append", t);
                            }
                        }
                    }
                    SetOperand::ListAppend(Box::new(a), Box::new(b))
                }
            }
        }
    }

    fn set_value(&mut self) -> PResult<SetValue> {
        let first = self.term()?;
        let first = self.set_operand(first);
        let op = self.peek();
        if !matches!(op, Tok::Plus | Tok::Minus) {
            return Ok(SetValue::Operand(first));
        }
        self.advance();
        let second = self.term()?;
        let second = self.set_operand(second);
        let sym = if op == Tok::Plus { "+" } else { "-" };
        for o in [&first, &second] {
            if let SetOperand::Value(v) = o {
                if v.value_type() != ValueType::N {
                    let t = v.value_type();
                    self.type_error(sym, t);
                }
            }
        }
        Ok(if op == Tok::Plus {
            SetValue::Plus(first, second)
        } else {
            SetValue::Minus(first, second)
        })
    }

    fn clause_keyword(&self) -> Option<&'static str> {
        ["SET", "REMOVE", "ADD", "DELETE"]
            .into_iter()
            .find(|k| self.at_keyword(k))
    }

    fn update(&mut self) -> PResult<Update> {
        let mut update = Update::default();
        let mut seen: Vec<&'static str> = Vec::new();
        let mut targets: Vec<Path> = Vec::new();
        while self.peek() != Tok::Eof {
            let Some(clause) = self.clause_keyword() else {
                return Err(self.syntax_error());
            };
            if seen.contains(&clause) {
                return Err(format!(
                    "The \"{clause}\" section can only be used once in an update expression;"
                ));
            }
            seen.push(clause);
            self.advance();
            loop {
                let path = self.path()?;
                targets.push(path.clone());
                match clause {
                    "SET" => {
                        self.expect(Tok::Eq)?;
                        let value = self.set_value()?;
                        update.set.push((path, value));
                    }
                    "REMOVE" => update.remove.push(path),
                    _ => {
                        if self.peek() != Tok::Value {
                            return Err(self.syntax_error());
                        }
                        let defined = self.value();
                        let value = defined.clone().unwrap_or(AttributeValue::Null);
                        let t = value.value_type();
                        let allowed = if clause == "ADD" {
                            matches!(
                                t,
                                ValueType::N | ValueType::Ss | ValueType::Ns | ValueType::Bs
                            )
                        } else {
                            matches!(t, ValueType::Ss | ValueType::Ns | ValueType::Bs)
                        };
                        if !allowed && defined.is_some() {
                            self.semantic(
                                RANK_TYPE,
                                format!(
                                    "Incorrect operand type for operator or function; operator: {clause}, operand type: {}, typeSet: ALLOWED_FOR_{clause}_OPERAND",
                                    type_name_long(t)
                                ),
                            );
                        }
                        if clause == "ADD" {
                            update.add.push((path, value));
                        } else {
                            update.delete.push((path, value));
                        }
                    }
                }
                if self.peek() == Tok::Comma {
                    self.advance();
                } else {
                    break;
                }
            }
        }
        if let Some(message) = overlapping(&targets) {
            self.semantic(RANK_OTHER, message);
        }
        Ok(update)
    }

    // --- projections ----------------------------------------------------------

    fn projection(&mut self) -> PResult<Projection> {
        let mut paths = vec![self.path()?];
        while self.peek() == Tok::Comma {
            self.advance();
            paths.push(self.path()?);
        }
        if let Some(message) = overlapping(&paths) {
            self.semantic(RANK_OTHER, message);
        }
        Ok(Projection(paths))
    }
}

/// DynamoDB's check that no two document paths of an update or projection
/// overlap (one is a prefix of the other) or conflict (the same container
/// used as a map by one and as a list by the other).
pub(crate) fn overlapping(paths: &[Path]) -> Option<String> {
    for (i, a) in paths.iter().enumerate() {
        for b in &paths[i + 1..] {
            let common = a.0.iter().zip(&b.0).take_while(|(x, y)| x == y).count();
            if common == a.0.len().min(b.0.len()) {
                return Some(format!(
                    "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                    a.describe(),
                    b.describe()
                ));
            }
            let (x, y) = (&a.0[common], &b.0[common]);
            if matches!(
                (x, y),
                (PathElement::Attr(_), PathElement::Index(_))
                    | (PathElement::Index(_), PathElement::Attr(_))
            ) {
                return Some(format!(
                    "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                    a.describe(),
                    b.describe()
                ));
            }
        }
    }
    None
}

/// Turns a parsed key condition into a [`KeyCondition`] on `key`.
fn key_condition(condition: Condition, key: &KeySchema) -> Result<KeyCondition, Error> {
    fn leaves(c: Condition, out: &mut Vec<Condition>) -> Result<(), Error> {
        match c {
            Condition::And(a, b) => {
                leaves(*a, out)?;
                leaves(*b, out)
            }
            Condition::Or(..) => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: OR",
            )),
            Condition::Not(..) => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: NOT",
            )),
            Condition::In { .. } => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: IN",
            )),
            Condition::Compare {
                op: Comparator::Ne, ..
            } => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: <>",
            )),
            Condition::AttributeExists(_) => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: attribute_exists",
            )),
            Condition::AttributeNotExists(_) => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: attribute_not_exists",
            )),
            Condition::AttributeType(..) => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: attribute_type",
            )),
            Condition::Contains(..) => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: contains",
            )),
            other => {
                out.push(other);
                Ok(())
            }
        }
    }
    let missed = || Error::invalid("Query condition missed key schema element");
    let unsupported = || Error::invalid("Query key condition not supported");
    let mut parts = Vec::new();
    leaves(condition, &mut parts)?;

    // (attribute, condition) per leaf.
    let mut on_keys: Vec<(String, RangeCondition)> = Vec::new();
    for leaf in parts {
        let (path, cond) = match leaf {
            Condition::Compare { left, op, right } => {
                let (path, value, op) = match (left, right) {
                    (Operand::Path(p), Operand::Value(v)) => (p, v, op),
                    (Operand::Value(v), Operand::Path(p)) => {
                        let flipped = match op {
                            Comparator::Lt => Comparator::Gt,
                            Comparator::Le => Comparator::Ge,
                            Comparator::Gt => Comparator::Lt,
                            Comparator::Ge => Comparator::Le,
                            other => other,
                        };
                        (p, v, flipped)
                    }
                    _ => return Err(unsupported()),
                };
                let c = match op {
                    Comparator::Eq => RangeCondition::Eq(value),
                    Comparator::Lt => RangeCondition::Lt(value),
                    Comparator::Le => RangeCondition::Le(value),
                    Comparator::Gt => RangeCondition::Gt(value),
                    Comparator::Ge => RangeCondition::Ge(value),
                    Comparator::Ne => unreachable!("refused above"),
                };
                (path, c)
            }
            Condition::Between { value, low, high } => match (value, low, high) {
                (Operand::Path(p), Operand::Value(a), Operand::Value(b)) => {
                    (p, RangeCondition::Between(a, b))
                }
                _ => return Err(unsupported()),
            },
            Condition::BeginsWith(p, Operand::Value(v)) => (p, RangeCondition::BeginsWith(v)),
            _ => return Err(unsupported()),
        };
        if !path.is_top_level() || !key.contains(path.head()) {
            return Err(missed());
        }
        on_keys.push((path.head().to_owned(), cond));
    }
    if on_keys.len() > 2 {
        return Err(Error::invalid(
            "KeyConditionExpressions must only contain one condition per key",
        ));
    }
    if on_keys.len() == 2 && on_keys[0].0 == on_keys[1].0 {
        return Err(Error::invalid(
            "KeyConditionExpressions must only contain one condition per key",
        ));
    }
    let hash_pos = on_keys
        .iter()
        .position(|(n, _)| *n == key.hash.name)
        .ok_or_else(missed)?;
    let (hash_name, hash_cond) = on_keys.remove(hash_pos);
    let RangeCondition::Eq(hash_value) = hash_cond else {
        return Err(unsupported());
    };
    let check_type = |v: &AttributeValue, want: crate::ScalarType| {
        if v.value_type() != want.value_type() {
            Err(Error::invalid(
                "One or more parameter values were invalid: Condition parameter type does not match schema type",
            ))
        } else {
            Ok(())
        }
    };
    check_type(&hash_value, key.hash.scalar_type)?;
    let range = match on_keys.pop() {
        None => None,
        Some((name, cond)) => {
            let range_key = key.range.as_ref().ok_or_else(missed)?;
            match &cond {
                RangeCondition::Between(a, b) => {
                    check_type(a, range_key.scalar_type)?;
                    check_type(b, range_key.scalar_type)?;
                }
                RangeCondition::BeginsWith(v) => check_type(v, range_key.scalar_type)?,
                RangeCondition::Eq(v)
                | RangeCondition::Lt(v)
                | RangeCondition::Le(v)
                | RangeCondition::Gt(v)
                | RangeCondition::Ge(v) => check_type(v, range_key.scalar_type)?,
            }
            Some((name, cond))
        }
    };
    Ok(KeyCondition {
        hash: (hash_name, hash_value),
        range,
    })
}
