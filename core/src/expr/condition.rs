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
    /// The operand under any `size(...)` wrappers, and how many there are.
    pub(super) fn unwrap_sizes(&self) -> (&Operand, usize) {
        let mut base = self;
        let mut sizes = 0;
        while let Operand::Size(inner) = base {
            base = inner;
            sizes += 1;
        }
        (base, sizes)
    }

    pub(super) fn render(&self, ctx: &mut ExpressionAttributes) -> String {
        // A loop over `size(size(...))`, however deep a caller built it.
        let (base, sizes) = self.unwrap_sizes();
        let inner = match base {
            Operand::Path(p) => p.render(ctx),
            Operand::Value(v) => ctx.value(v),
            Operand::Size(_) => unreachable!("unwrapped above"),
        };
        let mut out = String::with_capacity(inner.len() + sizes * 6);
        (0..sizes).for_each(|_| out.push_str("size("));
        out.push_str(&inner);
        (0..sizes).for_each(|_| out.push(')'));
        out
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

    /// Renders with placeholders recorded in `ctx`. A loop over the tree,
    /// not recursion: any condition a caller builds renders.
    pub fn render(&self, ctx: &mut ExpressionAttributes) -> String {
        enum Frame<'c> {
            Node(&'c Condition, bool),
            Text(&'static str),
        }
        let mut out = String::new();
        let mut stack = vec![Frame::Node(self, false)];
        while let Some(frame) = stack.pop() {
            let (c, parens) = match frame {
                Frame::Text(t) => {
                    out.push_str(t);
                    continue;
                }
                Frame::Node(c, parens) => (c, parens),
            };
            if parens {
                out.push('(');
                stack.push(Frame::Text(")"));
            }
            match c {
                Condition::And(l, r) => {
                    stack.push(Frame::Node(
                        r,
                        matches!(**r, Condition::Or(..) | Condition::And(..)),
                    ));
                    stack.push(Frame::Text(" AND "));
                    stack.push(Frame::Node(l, matches!(**l, Condition::Or(..))));
                }
                Condition::Or(l, r) => {
                    stack.push(Frame::Node(r, matches!(**r, Condition::Or(..))));
                    stack.push(Frame::Text(" OR "));
                    stack.push(Frame::Node(l, false));
                }
                Condition::Not(inner) => {
                    out.push_str("NOT ");
                    stack.push(Frame::Node(
                        inner,
                        matches!(**inner, Condition::Or(..) | Condition::And(..)),
                    ));
                }
                leaf => out.push_str(&leaf.render_leaf(ctx)),
            }
        }
        out
    }

    /// Renders a condition that has no condition inside.
    fn render_leaf(&self, ctx: &mut ExpressionAttributes) -> String {
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
            Condition::And(..) | Condition::Or(..) | Condition::Not(..) => {
                unreachable!("rendered by the loop")
            }
        }
    }

    /// A condition with nothing inside, cheap to make and to drop.
    pub(super) fn leaf() -> Condition {
        Condition::AttributeExists(Path(Vec::new()))
    }

    /// Takes the condition out, leaving a [`Condition::leaf`] in its place.
    pub(super) fn take(&mut self) -> Condition {
        std::mem::replace(self, Condition::leaf())
    }

    /// Moves the composite children out (to be dropped in a loop).
    fn detach_children(&mut self, out: &mut Vec<Condition>) {
        let mut detach = |c: &mut Box<Condition>| {
            if matches!(
                **c,
                Condition::And(..) | Condition::Or(..) | Condition::Not(..)
            ) {
                out.push(c.take());
            }
        };
        match self {
            Condition::And(a, b) | Condition::Or(a, b) => {
                detach(a);
                detach(b);
            }
            Condition::Not(a) => detach(a),
            _ => {}
        }
    }
}

/// Dropped in a loop: a condition of any depth a caller builds (a long
/// `Condition::all`, say) cannot exhaust the stack.
impl Drop for Condition {
    fn drop(&mut self) {
        if !matches!(
            self,
            Condition::And(..) | Condition::Or(..) | Condition::Not(..)
        ) {
            return;
        }
        let mut stack = Vec::new();
        self.detach_children(&mut stack);
        while let Some(mut c) = stack.pop() {
            c.detach_children(&mut stack);
        }
    }
}

/// Dropped in a loop over `size(size(...))`.
impl Drop for Operand {
    fn drop(&mut self) {
        let Operand::Size(inner) = self else {
            return;
        };
        let mut next = std::mem::replace(&mut **inner, Operand::Value(AttributeValue::Null));
        while let Operand::Size(inner) = &mut next {
            let deeper = std::mem::replace(&mut **inner, Operand::Value(AttributeValue::Null));
            next = deeper;
        }
    }
}

impl std::ops::Not for Condition {
    type Output = Condition;
    fn not(self) -> Condition {
        self.negate()
    }
}
