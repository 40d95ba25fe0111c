//! Updates: `SET`, `REMOVE`, `ADD` and `DELETE` actions.

use super::{ExpressionAttributes, Path};
use crate::value::AttributeValue;

/// An operand of a `SET` action.
#[derive(Clone, Debug, PartialEq)]
pub enum SetOperand {
    /// The value at a path (read before the update).
    Path(Path),
    /// A value.
    Value(AttributeValue),
    /// `if_not_exists(path, operand)`
    IfNotExists(Path, Box<SetOperand>),
    /// `list_append(a, b)`
    ListAppend(Box<SetOperand>, Box<SetOperand>),
}

impl SetOperand {
    /// Renders with placeholders recorded in `ctx`, in a loop over the tree.
    pub(super) fn render(&self, ctx: &mut ExpressionAttributes) -> String {
        enum Frame<'o> {
            Node(&'o SetOperand),
            Text(&'static str),
        }
        let mut out = String::new();
        let mut stack = vec![Frame::Node(self)];
        while let Some(frame) = stack.pop() {
            match frame {
                Frame::Text(t) => out.push_str(t),
                Frame::Node(SetOperand::Path(p)) => out.push_str(&p.render(ctx)),
                Frame::Node(SetOperand::Value(v)) => out.push_str(&ctx.value(v)),
                Frame::Node(SetOperand::IfNotExists(p, v)) => {
                    out.push_str("if_not_exists(");
                    out.push_str(&p.render(ctx));
                    out.push_str(", ");
                    stack.push(Frame::Text(")"));
                    stack.push(Frame::Node(v));
                }
                Frame::Node(SetOperand::ListAppend(a, b)) => {
                    out.push_str("list_append(");
                    stack.push(Frame::Text(")"));
                    stack.push(Frame::Node(b));
                    stack.push(Frame::Text(", "));
                    stack.push(Frame::Node(a));
                }
            }
        }
        out
    }

    /// Adds the paths this operand reads to `out`, left to right.
    pub(crate) fn collect_paths<'o>(&'o self, out: &mut Vec<&'o Path>) {
        let mut stack = vec![self];
        while let Some(o) = stack.pop() {
            match o {
                SetOperand::Path(p) => out.push(p),
                SetOperand::Value(_) => {}
                SetOperand::IfNotExists(p, v) => {
                    out.push(p);
                    stack.push(v);
                }
                SetOperand::ListAppend(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
            }
        }
    }

    /// How deeply functions nest in this operand (a loop over the tree).
    pub(crate) fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((o, d)) = stack.pop() {
            deepest = deepest.max(d);
            match o {
                SetOperand::IfNotExists(_, v) => stack.push((v, d + 1)),
                SetOperand::ListAppend(a, b) => {
                    stack.push((a, d + 1));
                    stack.push((b, d + 1));
                }
                SetOperand::Path(_) | SetOperand::Value(_) => {}
            }
        }
        deepest
    }

    /// Moves the composite children out (to be dropped in a loop).
    fn detach_children(&mut self, out: &mut Vec<SetOperand>) {
        let mut detach = |o: &mut Box<SetOperand>| {
            if matches!(
                **o,
                SetOperand::IfNotExists(..) | SetOperand::ListAppend(..)
            ) {
                out.push(std::mem::replace(
                    &mut **o,
                    SetOperand::Value(AttributeValue::Null),
                ));
            }
        };
        match self {
            SetOperand::IfNotExists(_, v) => detach(v),
            SetOperand::ListAppend(a, b) => {
                detach(a);
                detach(b);
            }
            SetOperand::Path(_) | SetOperand::Value(_) => {}
        }
    }

    /// `list_append(a, b)`
    pub fn list_append(a: impl Into<SetOperand>, b: impl Into<SetOperand>) -> SetOperand {
        SetOperand::ListAppend(Box::new(a.into()), Box::new(b.into()))
    }

    /// `self + operand`
    pub fn plus(self, operand: impl Into<SetOperand>) -> SetValue {
        SetValue::Plus(self, operand.into())
    }

    /// `self - operand`
    pub fn minus(self, operand: impl Into<SetOperand>) -> SetValue {
        SetValue::Minus(self, operand.into())
    }
}

/// Dropped in a loop: an operand of any depth a caller builds cannot
/// exhaust the stack.
impl Drop for SetOperand {
    fn drop(&mut self) {
        if matches!(self, SetOperand::Path(_) | SetOperand::Value(_)) {
            return;
        }
        let mut stack = Vec::new();
        self.detach_children(&mut stack);
        while let Some(mut o) = stack.pop() {
            o.detach_children(&mut stack);
        }
    }
}

impl From<Path> for SetOperand {
    fn from(p: Path) -> Self {
        SetOperand::Path(p)
    }
}

impl<T: Into<AttributeValue>> From<T> for SetOperand {
    fn from(v: T) -> Self {
        SetOperand::Value(v.into())
    }
}

/// The right-hand side of a `SET` action.
#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    /// An operand.
    Operand(SetOperand),
    /// `a + b` (numbers).
    Plus(SetOperand, SetOperand),
    /// `a - b` (numbers).
    Minus(SetOperand, SetOperand),
}

impl SetValue {
    pub(super) fn render(&self, ctx: &mut ExpressionAttributes) -> String {
        match self {
            SetValue::Operand(o) => o.render(ctx),
            SetValue::Plus(a, b) => format!("{} + {}", a.render(ctx), b.render(ctx)),
            SetValue::Minus(a, b) => format!("{} - {}", a.render(ctx), b.render(ctx)),
        }
    }
}

impl<T: Into<SetOperand>> From<T> for SetValue {
    fn from(v: T) -> Self {
        SetValue::Operand(v.into())
    }
}

/// An update (`UpdateExpression`): `SET`, `REMOVE`, `ADD` and `DELETE` actions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Update {
    /// `SET path = value` actions.
    pub set: Vec<(Path, SetValue)>,
    /// `REMOVE path` actions.
    pub remove: Vec<Path>,
    /// `ADD path value` actions (numbers and sets).
    pub add: Vec<(Path, AttributeValue)>,
    /// `DELETE path value` actions (sets).
    pub delete: Vec<(Path, AttributeValue)>,
}

impl Update {
    /// An empty update.
    pub fn new() -> Self {
        Update::default()
    }

    /// True when the update only takes away (`REMOVE` and `DELETE` actions,
    /// at least one): on an absent item it creates nothing, as DynamoDB
    /// answers it.
    pub fn only_takes_away(&self) -> bool {
        self.set.is_empty()
            && self.add.is_empty()
            && !(self.remove.is_empty() && self.delete.is_empty())
    }

    /// `SET path = value`
    pub fn set(mut self, path: Path, value: impl Into<SetValue>) -> Self {
        self.set.push((path, value.into()));
        self
    }

    /// `REMOVE path`
    pub fn remove(mut self, path: Path) -> Self {
        self.remove.push(path);
        self
    }

    /// `ADD path value`: adds to a number, or adds members to a set; creates
    /// the attribute when missing.
    pub fn add(mut self, path: Path, value: impl Into<AttributeValue>) -> Self {
        self.add.push((path, value.into()));
        self
    }

    /// `DELETE path set`: removes members from a set.
    pub fn delete(mut self, path: Path, set: impl Into<AttributeValue>) -> Self {
        self.delete.push((path, set.into()));
        self
    }

    /// True when there is no action.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
            && self.remove.is_empty()
            && self.add.is_empty()
            && self.delete.is_empty()
    }

    /// Every path the update writes, in clause order.
    pub fn target_paths(&self) -> impl Iterator<Item = &Path> {
        self.set
            .iter()
            .map(|(p, _)| p)
            .chain(self.remove.iter())
            .chain(self.add.iter().map(|(p, _)| p))
            .chain(self.delete.iter().map(|(p, _)| p))
    }

    /// Every document path the update writes (in clause order) and then
    /// every path its `SET` values read.
    pub fn paths(&self) -> Vec<&Path> {
        let mut out: Vec<&Path> = self.target_paths().collect();
        for (_, value) in &self.set {
            match value {
                SetValue::Operand(o) => o.collect_paths(&mut out),
                SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
                    a.collect_paths(&mut out);
                    b.collect_paths(&mut out);
                }
            }
        }
        out
    }

    /// Renders with placeholders recorded in `ctx`.
    pub fn render(&self, ctx: &mut ExpressionAttributes) -> String {
        let mut clauses = Vec::new();
        if !self.set.is_empty() {
            let actions: Vec<String> = self
                .set
                .iter()
                .map(|(p, v)| {
                    let path = p.render(ctx);
                    format!("{path} = {}", v.render(ctx))
                })
                .collect();
            clauses.push(format!("SET {}", actions.join(", ")));
        }
        if !self.remove.is_empty() {
            let actions: Vec<String> = self.remove.iter().map(|p| p.render(ctx)).collect();
            clauses.push(format!("REMOVE {}", actions.join(", ")));
        }
        if !self.add.is_empty() {
            let actions: Vec<String> = self
                .add
                .iter()
                .map(|(p, v)| {
                    let path = p.render(ctx);
                    format!("{path} {}", ctx.value(v))
                })
                .collect();
            clauses.push(format!("ADD {}", actions.join(", ")));
        }
        if !self.delete.is_empty() {
            let actions: Vec<String> = self
                .delete
                .iter()
                .map(|(p, v)| {
                    let path = p.render(ctx);
                    format!("{path} {}", ctx.value(v))
                })
                .collect();
            clauses.push(format!("DELETE {}", actions.join(", ")));
        }
        clauses.join(" ")
    }
}
