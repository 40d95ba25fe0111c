//! Conditions: `OR`, `AND`, `NOT`, comparisons and condition functions.

use super::lex::Tok;
use super::terms::known_type;
use super::{
    MAX_IN_OPERANDS, PResult, RANK_MISUSED_FUNCTION, RANK_OTHER, RANK_PARENS, RANK_TYPE, Run,
    Snapshot, Term, UPDATE_FUNCTIONS, describe_value,
};
use crate::expr::{Comparator, Condition, Operand, Path, PathElement};
use crate::value::{AttributeValue, ValueType};

impl Run<'_, '_, '_> {
    pub(super) fn or_condition(&mut self) -> PResult<Condition> {
        let mut left = self.and_condition()?;
        while self.at_keyword("OR") {
            self.advance();
            self.operator();
            let right = self.and_condition()?;
            left = Condition::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    pub(super) fn and_condition(&mut self) -> PResult<Condition> {
        let mut left = self.not_condition()?;
        while self.at_keyword("AND") {
            self.advance();
            self.operator();
            let right = self.not_condition()?;
            left = Condition::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    pub(super) fn not_condition(&mut self) -> PResult<Condition> {
        // A loop, not recursion: `NOT NOT ... NOT` cannot exhaust the stack.
        let mut nots = 0usize;
        while self.at_keyword("NOT") {
            self.advance();
            self.operator();
            nots += 1;
        }
        let mut condition = self.primary_condition()?;
        for _ in 0..nots {
            condition = Condition::Not(Box::new(condition));
        }
        Ok(condition)
    }

    pub(super) fn snapshot(&self) -> Snapshot {
        Snapshot {
            pos: self.pos,
            semantic: self.semantic.clone(),
            used_names: self.parser.used_names.clone(),
            used_values: self.parser.used_values.clone(),
            last_group: self.last_group,
            operators: self.operators,
            substituted: self.substituted,
        }
    }

    pub(super) fn restore(&mut self, s: Snapshot) {
        self.pos = s.pos;
        self.semantic = s.semantic;
        self.parser.used_names = s.used_names;
        self.parser.used_values = s.used_values;
        self.last_group = s.last_group;
        self.operators = s.operators;
        self.substituted = s.substituted;
    }

    pub(super) fn primary_condition(&mut self) -> PResult<Condition> {
        // The recursive path stays in small frames: the group attempt and
        // the comparison are functions of their own.
        if self.peek() == Tok::LParen
            && let Some(c) = self.group_condition()?
        {
            return Ok(c);
        }
        self.comparison()
    }

    /// A parenthesised condition, if the parenthesis opens one (it may open
    /// a parenthesised operand of a comparison instead: `None`).
    #[inline(never)]
    fn group_condition(&mut self) -> PResult<Option<Condition>> {
        let saved = self.snapshot();
        let open = self.pos;
        self.advance();
        if let Ok(c) = self.nested(|r| r.or_condition())
            && self.peek() == Tok::RParen
        {
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
            return Ok(Some(c));
        }
        if self.fatal.is_some() {
            return Err(String::new());
        }
        self.restore(saved);
        Ok(None)
    }

    /// A comparison, `BETWEEN`, `IN` or condition function.
    #[inline(never)]
    fn comparison(&mut self) -> PResult<Condition> {
        let first = match self.term()? {
            Term::Func { name, args } => {
                let is_operand_position = matches!(
                    self.peek(),
                    Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge
                ) || self.at_keyword("BETWEEN")
                    || self.at_keyword("IN");
                if !is_operand_position {
                    return Ok(self.function_condition(name, args));
                }
                Term::Func { name, args }
            }
            other => other,
        };
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
                self.check_distinct("BETWEEN", &left, &low);
                self.check_distinct("BETWEEN", &left, &high);
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
                    } else if crate::expr::compare_scalars(lo, hi)
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
                self.operator();
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
                for o in &list {
                    self.check_distinct("IN", &left, o);
                }
                if list.len() > MAX_IN_OPERANDS {
                    self.semantic_limit(
                        RANK_OTHER,
                        format!("The IN operator is provided with too many operands; number of operands: {}", list.len()),
                    );
                }
                self.operator();
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
        self.operator();
        Ok(Condition::Compare { left, op, right })
    }

    pub(super) fn function_condition(&mut self, name: String, args: Vec<Term>) -> Condition {
        self.operator();
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
                            Operand::Path(_) => {
                                // The type name must be a value: a path's type is
                                // any of them (DynamoDB Local's list, verbatim).
                                self.semantic(
                                    RANK_TYPE,
                                    "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {DOUBLE,INTSET,SS,BS,DECIMAL,FLOAT,FS,DECIMALSET,HD,N,M,DOUBLESET,DICT,HDS,BOOL,L,B,NS,S,NULL,INT}"
                                        .to_owned(),
                                );
                            }
                            other => {
                                if let Some(t) = known_type(other).filter(|t| *t != ValueType::S) {
                                    self.type_error("attribute_type", t);
                                }
                            }
                        }
                        Condition::AttributeType(path, second)
                    }
                    "begins_with" => {
                        if let Some(t) = known_type(&second)
                            && !matches!(t, ValueType::S | ValueType::B)
                        {
                            self.type_error("begins_with", t);
                        }
                        Condition::BeginsWith(path, second)
                    }
                    _ => Condition::Contains(path, second),
                }
            }
        }
    }
}
