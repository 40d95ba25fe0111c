//! Update expressions and projections.

use super::lex::Tok;
use super::{
    PResult, RANK_MISUSED_FUNCTION, RANK_OTHER, RANK_TYPE, Run, Term, UPDATE_FUNCTIONS,
    type_name_long,
};
use crate::expr::{Operand, Path, PathElement, Projection, SetOperand, SetValue, Update};
use crate::value::{AttributeValue, ValueType};

impl Run<'_, '_, '_> {
    pub(super) fn set_operand(&mut self, t: Term) -> SetOperand {
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
                    if let SetOperand::Path(p) = &default {
                        self.check_distinct(
                            &name,
                            &Operand::Path(path.clone()),
                            &Operand::Path(p.clone()),
                        );
                    }
                    SetOperand::IfNotExists(path, Box::new(default))
                } else {
                    let (a, b) = (self.set_operand(a), self.set_operand(b));
                    // DynamoDB takes a path, a value or `if_not_exists`
                    // inside `list_append`, not another `list_append`.
                    if [&a, &b]
                        .iter()
                        .any(|o| matches!(o, SetOperand::ListAppend(..)))
                    {
                        self.semantic(
                            RANK_MISUSED_FUNCTION,
                            "The function is not allowed to be used this way in an expression; function: list_append".to_owned(),
                        );
                    }
                    for o in [&a, &b] {
                        if let SetOperand::Value(v) = o
                            && v.value_type() != ValueType::L
                        {
                            let t = v.value_type();
                            self.type_error("list_append", t);
                        }
                    }
                    SetOperand::ListAppend(Box::new(a), Box::new(b))
                }
            }
        }
    }

    pub(super) fn set_value(&mut self) -> PResult<SetValue> {
        // `(a + b)`: a sum or difference in parentheses, which DynamoDB
        // takes as a whole value (and not as the first operand of another).
        if self.peek() == Tok::LParen {
            let saved = self.snapshot();
            self.advance();
            let inner = self.nested(|r| {
                let v = r.arithmetic_value()?;
                r.expect(Tok::RParen)?;
                Ok(v)
            });
            if let Ok(v @ (SetValue::Plus(..) | SetValue::Minus(..))) = inner {
                if matches!(self.peek(), Tok::Plus | Tok::Minus) {
                    return Err(self.syntax_error());
                }
                return Ok(v);
            }
            if self.fatal.is_some() {
                return Err(String::new());
            }
            self.restore(saved);
        }
        self.arithmetic_value()
    }

    /// An operand, or two joined by `+` or `-`.
    fn arithmetic_value(&mut self) -> PResult<SetValue> {
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
            if let SetOperand::Value(v) = o
                && v.value_type() != ValueType::N
            {
                let t = v.value_type();
                self.type_error(sym, t);
            }
        }
        Ok(if op == Tok::Plus {
            SetValue::Plus(first, second)
        } else {
            SetValue::Minus(first, second)
        })
    }

    pub(super) fn clause_keyword(&self) -> Option<&'static str> {
        ["SET", "REMOVE", "ADD", "DELETE"]
            .into_iter()
            .find(|k| self.at_keyword(k))
    }

    pub(super) fn update(&mut self) -> PResult<Update> {
        let mut update = Update::default();
        let mut seen: Vec<&'static str> = Vec::new();
        let mut targets: Vec<Path> = Vec::new();
        // At least one clause: blank text is a syntax error at its end.
        if self.peek() == Tok::Eof {
            return Err(self.syntax_error());
        }
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

    pub(super) fn projection(&mut self) -> PResult<Projection> {
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
/// used as a map by one and as a list by the other). A few paths are
/// compared pair by pair (naming the first pair in request order); many are
/// sorted first, since any overlap or conflict then shows between
/// neighbours: n log n, not n squared.
pub(super) fn overlapping(paths: &[Path]) -> Option<String> {
    const PAIRWISE: usize = 16;
    if paths.len() <= PAIRWISE {
        for (i, a) in paths.iter().enumerate() {
            for b in &paths[i + 1..] {
                if let Some(message) = pair_fault(a, b) {
                    return Some(message);
                }
            }
        }
        return None;
    }
    let mut order: Vec<usize> = (0..paths.len()).collect();
    order.sort_by(|&a, &b| paths[a].0.cmp(&paths[b].0));
    order.windows(2).find_map(|w| {
        let (i, j) = (w[0].min(w[1]), w[0].max(w[1]));
        pair_fault(&paths[i], &paths[j])
    })
}

/// DynamoDB's message when two paths overlap or conflict.
fn pair_fault(a: &Path, b: &Path) -> Option<String> {
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
    None
}
