//! Paths, placeholders, operands and function calls.

use super::lex::Tok;
use super::{
    CONDITION_FUNCTIONS, MAX_PATH_DEPTH, PResult, RANK_DISTINCT, RANK_MISUSED_FUNCTION,
    RANK_OPERAND_COUNT, RANK_OTHER, RANK_PARENS, RANK_RESERVED, RANK_TYPE, RANK_UNDEFINED,
    RANK_UNKNOWN_FUNCTION, Resolved, Run, Term, UPDATE_FUNCTIONS, is_scalar,
};
use crate::expr::reserved::is_reserved;
use crate::expr::{Operand, Path, PathElement};
use crate::number::Number;
use crate::value::{AttributeValue, ValueType};

impl Run<'_, '_, '_> {
    pub(super) fn is_condition_keyword(&self, i: usize) -> bool {
        ["AND", "OR", "NOT", "BETWEEN", "IN"]
            .iter()
            .any(|k| self.is_keyword(i, k))
    }

    /// An update expression's clause keywords, which DynamoDB's grammar
    /// never takes as a name (in any expression): a syntax error there.
    fn is_clause_keyword(&self, i: usize) -> bool {
        ["SET", "REMOVE", "ADD", "DELETE"]
            .iter()
            .any(|k| self.is_keyword(i, k))
    }

    pub(super) fn path_element_name(&mut self) -> PResult<String> {
        match self.peek() {
            Tok::Ident
                if !self.is_condition_keyword(self.pos) && !self.is_clause_keyword(self.pos) =>
            {
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

    pub(super) fn path(&mut self) -> PResult<Path> {
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
                    let digits = &self.text[i.start..i.end];
                    // DynamoDB's indexes are 32-bit: a larger one (of any
                    // length) is refused, naming it.
                    let index = match digits.parse::<i32>() {
                        Ok(n) => usize::try_from(n).unwrap_or_default(),
                        Err(_) => {
                            self.semantic(
                                RANK_OTHER,
                                format!(
                                    "List index is not within the allowable range; index: [{digits}]"
                                ),
                            );
                            0
                        }
                    };
                    self.expect(Tok::RBracket)?;
                    elements.push(PathElement::Index(index));
                }
                _ => break,
            }
        }
        if elements.len() > MAX_PATH_DEPTH {
            self.semantic_limit(
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
    pub(super) fn value(&mut self) -> Option<AttributeValue> {
        let i = self.advance();
        let placeholder = &self.text[i.start..i.end];
        match self.parser.values.get(placeholder) {
            Some(v) => {
                self.parser.used_values.insert(placeholder.to_owned());
                if !self.parser.resolved.contains_key(placeholder) {
                    // A number's size is counted by its digits, not its
                    // text: a value whose numbers are padded to megabytes
                    // substitutes their canonical text, so that neither
                    // copying it per use nor comparing it per item costs
                    // its length.
                    let resolved = Resolved {
                        size: v.size(),
                        shortened: shortened(v),
                    };
                    self.parser
                        .resolved
                        .insert(placeholder.to_owned(), resolved);
                }
                let resolved = &self.parser.resolved[placeholder];
                let (size, short) = (resolved.size, resolved.shortened.clone());
                // Each reference substitutes the value again: charge it
                // before copying, so that no expression copies more than
                // DynamoDB's limit.
                if self.fatal.is_some() || !self.substitute(size) {
                    return Some(AttributeValue::Null);
                }
                Some(short.unwrap_or_else(|| v.clone()))
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
    pub(super) fn term(&mut self) -> PResult<Term> {
        match self.peek() {
            Tok::Value => Ok(Term::Value(self.value().unwrap_or(AttributeValue::Null))),
            Tok::Ident
                if self.peek_at(1) == Tok::LParen && !self.is_condition_keyword(self.pos) =>
            {
                self.function_term()
            }
            Tok::LParen => self.group_term(),
            _ => Ok(Term::Path(self.path()?)),
        }
    }

    /// A function call: its name and arguments.
    #[inline(never)]
    fn function_term(&mut self) -> PResult<Term> {
        let name = self.text_of(self.pos).to_owned();
        self.advance();
        self.advance();
        self.nested(|r| {
            let mut args = vec![r.term()?];
            while r.peek() == Tok::Comma {
                r.advance();
                args.push(r.term()?);
            }
            r.expect(Tok::RParen)?;
            Ok(Term::Func { name, args })
        })
    }

    /// A parenthesised operand.
    #[inline(never)]
    fn group_term(&mut self) -> PResult<Term> {
        self.advance();
        if self.peek() == Tok::LParen {
            self.semantic(
                RANK_PARENS,
                "The expression has redundant parentheses;".to_owned(),
            );
        }
        self.nested(|r| {
            let t = r.term()?;
            r.expect(Tok::RParen)?;
            Ok(t)
        })
    }

    pub(super) fn check_function_known(&mut self, name: &str) -> bool {
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

    pub(super) fn check_arity(&mut self, name: &str, args: &[Term], n: usize) -> bool {
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

    pub(super) fn type_error(&mut self, op: &str, t: ValueType) {
        self.semantic(
            RANK_TYPE,
            format!("Incorrect operand type for operator or function; operator or function: {op}, operand type: {t}"),
        );
    }

    pub(super) fn require_path(&mut self, name: &str, t: Term) -> Path {
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
    pub(super) fn condition_operand(&mut self, t: Term) -> Operand {
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
                if let Some(t) = known_type(&inner)
                    && matches!(t, ValueType::N | ValueType::Bool | ValueType::Null)
                {
                    self.type_error("size", t);
                }
                self.operator();
                Operand::Size(Box::new(inner))
            }
        }
    }

    pub(super) fn check_distinct(&mut self, op: &str, a: &Operand, b: &Operand) {
        if let (Operand::Path(x), Operand::Path(y)) = (a, b)
            && x == y
        {
            self.semantic(
                    RANK_DISTINCT,
                    format!(
                        "The first operand must be distinct from the remaining operands for this operator or function; operator: {op}, first operand: {}",
                        x.describe()
                    ),
                );
        }
    }

    pub(super) fn check_ordered_operand(&mut self, op: &str, o: &Operand) {
        if let Operand::Value(v) = o {
            let t = v.value_type();
            if !is_scalar(t) {
                self.type_error(op, t);
            }
        }
    }
}

/// The type an operand has whatever the item: a value's, or `N` for a
/// `size()` (whose result is a number); `None` for a path, whose type is
/// the item's. DynamoDB refuses an operand of the wrong known type before
/// it reads any item.
pub(super) fn known_type(o: &Operand) -> Option<ValueType> {
    match o {
        Operand::Value(v) => Some(v.value_type()),
        Operand::Size(_) => Some(ValueType::N),
        Operand::Path(_) => None,
    }
}

/// Number text longer than this is padded: no canonical DynamoDB number
/// (at most 38 digits, exponents from -130 to 125) is half as long.
const LONG_NUMBER: usize = 320;

fn is_long(n: &Number) -> bool {
    n.as_str().len() > LONG_NUMBER
}

/// `v` with each number longer than [`LONG_NUMBER`] in canonical text, or
/// `None` when it has none (the common case: nothing is copied). Walks the
/// value with a stack of its own, however deep it is.
fn shortened(v: &AttributeValue) -> Option<AttributeValue> {
    let mut stack = vec![v];
    let mut found = false;
    while let Some(v) = stack.pop() {
        match v {
            AttributeValue::N(n) => found |= is_long(n),
            AttributeValue::Ns(ns) => found |= ns.iter().any(is_long),
            AttributeValue::L(l) => stack.extend(l),
            AttributeValue::M(m) => stack.extend(m.values()),
            _ => {}
        }
        if found {
            break;
        }
    }
    if !found {
        return None;
    }
    let mut out = v.clone();
    let mut stack = vec![&mut out];
    while let Some(v) = stack.pop() {
        match v {
            AttributeValue::N(n) if is_long(n) => *n = n.canonical(),
            AttributeValue::Ns(ns) => ns
                .iter_mut()
                .filter(|n| is_long(n))
                .for_each(|n| *n = n.canonical()),
            AttributeValue::L(l) => stack.extend(l.iter_mut()),
            AttributeValue::M(m) => stack.extend(m.values_mut()),
            _ => {}
        }
    }
    Some(out)
}
