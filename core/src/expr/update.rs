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
    pub(super) fn render(&self, ctx: &mut ExpressionAttributes) -> String {
        match self {
            SetOperand::Path(p) => p.render(ctx),
            SetOperand::Value(v) => ctx.value(v),
            SetOperand::IfNotExists(p, v) => {
                format!("if_not_exists({}, {})", p.render(ctx), v.render(ctx))
            }
            SetOperand::ListAppend(a, b) => {
                format!("list_append({}, {})", a.render(ctx), b.render(ctx))
            }
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
