//! Conditions and filters: comparators, operands, the condition tree.

use super::{ExpressionAttributes, Path};
use crate::value::AttributeValue;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparator {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Comparator {
    /// The operator's text.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Eq => "=",
            Comparator::Ne => "<>",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }
}

/// An operand of a condition: a path, a value, or `size(path)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// The value at a document path.
    Path(Path),
    /// A value (sent as a placeholder).
    Value(AttributeValue),
    /// `size(operand)`.
    Size(Box<Operand>),
}

impl Operand {
    pub(super) fn render(&self, ctx: &mut ExpressionAttributes) -> String {
        match self {
            Operand::Path(p) => p.render(ctx),
            Operand::Value(v) => ctx.value(v),
            Operand::Size(inner) => format!("size({})", inner.render(ctx)),
        }
    }

    /// `operand = value`, for `size(...)` comparisons.
    pub fn eq(self, value: impl Into<Operand>) -> Condition {
        Condition::compare(self, Comparator::Eq, value)
    }
    /// `operand <> value`
    pub fn ne(self, value: impl Into<Operand>) -> Condition {
        Condition::compare(self, Comparator::Ne, value)
    }
    /// `operand < value`
    pub fn lt(self, value: impl Into<Operand>) -> Condition {
        Condition::compare(self, Comparator::Lt, value)
    }
    /// `operand <= value`
    pub fn le(self, value: impl Into<Operand>) -> Condition {
        Condition::compare(self, Comparator::Le, value)
    }
    /// `operand > value`
    pub fn gt(self, value: impl Into<Operand>) -> Condition {
        Condition::compare(self, Comparator::Gt, value)
    }
    /// `operand >= value`
    pub fn ge(self, value: impl Into<Operand>) -> Condition {
        Condition::compare(self, Comparator::Ge, value)
    }
    /// `operand BETWEEN low AND high`
    pub fn between(self, low: impl Into<Operand>, high: impl Into<Operand>) -> Condition {
        Condition::Between {
            value: self,
            low: low.into(),
            high: high.into(),
        }
    }
}

impl From<Path> for Operand {
    fn from(p: Path) -> Self {
        Operand::Path(p)
    }
}

impl<T: Into<AttributeValue>> From<T> for Operand {
    fn from(v: T) -> Self {
        Operand::Value(v.into())
    }
}

/// A condition (`ConditionExpression`) or filter (`FilterExpression`).
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// `a <op> b`
    Compare {
        /// Left operand.
        left: Operand,
        /// Operator.
        op: Comparator,
        /// Right operand.
        right: Operand,
    },
    /// `a BETWEEN low AND high`
    Between {
        /// The operand tested.
        value: Operand,
        /// Lower bound (inclusive).
        low: Operand,
        /// Upper bound (inclusive).
        high: Operand,
    },
    /// `a IN (b, c, ...)`
    In {
        /// The operand tested.
        value: Operand,
        /// The candidates.
        list: Vec<Operand>,
    },
    /// `attribute_exists(path)`
    AttributeExists(Path),
    /// `attribute_not_exists(path)`
    AttributeNotExists(Path),
    /// `attribute_type(path, type)`
    AttributeType(Path, Operand),
    /// `begins_with(path, prefix)`
    BeginsWith(Path, Operand),
    /// `contains(path, operand)`
    Contains(Path, Operand),
    /// `a AND b`
    And(Box<Condition>, Box<Condition>),
    /// `a OR b`
    Or(Box<Condition>, Box<Condition>),
    /// `NOT a`
    Not(Box<Condition>),
}

impl Condition {
    pub(super) fn compare(
        left: impl Into<Operand>,
        op: Comparator,
        right: impl Into<Operand>,
    ) -> Condition {
        Condition::Compare {
            left: left.into(),
            op,
            right: right.into(),
        }
    }

    /// `self AND other`
    pub fn and(self, other: Condition) -> Condition {
        Condition::And(Box::new(self), Box::new(other))
    }

    /// `self OR other`
    pub fn or(self, other: Condition) -> Condition {
        Condition::Or(Box::new(self), Box::new(other))
    }

    /// `NOT self`
    pub fn negate(self) -> Condition {
        Condition::Not(Box::new(self))
    }

    /// All of the conditions (`None` for none).
    pub fn all(conditions: impl IntoIterator<Item = Condition>) -> Option<Condition> {
        conditions.into_iter().reduce(Condition::and)
    }

    /// Any of the conditions (`None` for none).
    pub fn any(conditions: impl IntoIterator<Item = Condition>) -> Option<Condition> {
        conditions.into_iter().reduce(Condition::or)
    }

    /// Renders with placeholders recorded in `ctx`.
    pub fn render(&self, ctx: &mut ExpressionAttributes) -> String {
        match self {
            Condition::Compare { left, op, right } => {
                format!("{} {} {}", left.render(ctx), op.as_str(), right.render(ctx))
            }
            Condition::Between { value, low, high } => {
                format!(
                    "{} BETWEEN {} AND {}",
                    value.render(ctx),
                    low.render(ctx),
                    high.render(ctx)
                )
            }
            Condition::In { value, list } => {
                let v = value.render(ctx);
                let items: Vec<String> = list.iter().map(|o| o.render(ctx)).collect();
                format!("{v} IN ({})", items.join(", "))
            }
            Condition::AttributeExists(p) => format!("attribute_exists({})", p.render(ctx)),
            Condition::AttributeNotExists(p) => format!("attribute_not_exists({})", p.render(ctx)),
            Condition::AttributeType(p, t) => {
                format!("attribute_type({}, {})", p.render(ctx), t.render(ctx))
            }
            Condition::BeginsWith(p, v) => {
                format!("begins_with({}, {})", p.render(ctx), v.render(ctx))
            }
            Condition::Contains(p, v) => format!("contains({}, {})", p.render(ctx), v.render(ctx)),
            Condition::And(l, r) => {
                let left = l.render_child(ctx, matches!(**l, Condition::Or(..)));
                let right =
                    r.render_child(ctx, matches!(**r, Condition::Or(..) | Condition::And(..)));
                format!("{left} AND {right}")
            }
            Condition::Or(l, r) => {
                let left = l.render_child(ctx, false);
                let right = r.render_child(ctx, matches!(**r, Condition::Or(..)));
                format!("{left} OR {right}")
            }
            Condition::Not(c) => {
                let inner =
                    c.render_child(ctx, matches!(**c, Condition::Or(..) | Condition::And(..)));
                format!("NOT {inner}")
            }
        }
    }

    fn render_child(&self, ctx: &mut ExpressionAttributes, parens: bool) -> String {
        let s = self.render(ctx);
        if parens { format!("({s})") } else { s }
    }
}

impl std::ops::Not for Condition {
    type Output = Condition;
    fn not(self) -> Condition {
        self.negate()
    }
}
