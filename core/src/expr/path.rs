//! Document paths and the builders that start from them.

use std::fmt;

use super::{Comparator, Condition, ExpressionAttributes, Operand, SetOperand, SetValue};
use crate::value::{AttributeValue, ValueType};

/// One step of a document path: an attribute or map key, or a list index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathElement {
    /// A top-level attribute or a key inside a map.
    Attr(String),
    /// An index into a list.
    Index(usize),
}

/// A document path into an item: `a`, `a.b`, `a.b[3].c`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(pub(super) Vec<PathElement>);

/// A path to a top-level attribute; chain [`Path::key`] and [`Path::index`]
/// to go deeper. Names are always sent as placeholders, so any name works.
pub fn attr(name: impl Into<String>) -> Path {
    Path(vec![PathElement::Attr(name.into())])
}

impl Path {
    /// Builds a path from its elements; the first must be an attribute.
    pub fn from_elements(elements: Vec<PathElement>) -> Option<Path> {
        match elements.first() {
            Some(PathElement::Attr(_)) => Some(Path(elements)),
            _ => None,
        }
    }

    /// A key inside the map at this path.
    pub fn key(mut self, name: impl Into<String>) -> Path {
        self.0.push(PathElement::Attr(name.into()));
        self
    }

    /// An element of the list at this path.
    pub fn index(mut self, index: usize) -> Path {
        self.0.push(PathElement::Index(index));
        self
    }

    /// The elements.
    pub fn elements(&self) -> &[PathElement] {
        &self.0
    }

    /// The top-level attribute name.
    pub fn head(&self) -> &str {
        match &self.0[0] {
            PathElement::Attr(a) => a,
            PathElement::Index(_) => unreachable!("a path starts with an attribute"),
        }
    }

    /// True for a path to a top-level attribute.
    pub fn is_top_level(&self) -> bool {
        self.0.len() == 1
    }

    /// True if `self` is `other` or starts with it.
    pub fn starts_with(&self, other: &Path) -> bool {
        self.0.len() >= other.0.len() && self.0[..other.0.len()] == other.0[..]
    }

    /// The path as DynamoDB's error messages print it: `[a, b, [3]]`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| match e {
                PathElement::Attr(a) => a.clone(),
                PathElement::Index(i) => format!("[{i}]"),
            })
            .collect();
        format!("[{}]", parts.join(", "))
    }

    pub(super) fn render(&self, ctx: &mut ExpressionAttributes) -> String {
        let mut out = String::new();
        for e in &self.0 {
            match e {
                PathElement::Attr(a) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(&ctx.name(a));
                }
                PathElement::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    // --- condition builders -------------------------------------------------

    /// `path = value`
    pub fn eq(self, value: impl Into<Operand>) -> Condition {
        Condition::compare(self, Comparator::Eq, value)
    }
    /// `path <> value`
    pub fn ne(self, value: impl Into<Operand>) -> Condition {
        Condition::compare(self, Comparator::Ne, value)
    }
    /// `path < value`
    pub fn lt(self, value: impl Into<Operand>) -> Condition {
        Condition::compare(self, Comparator::Lt, value)
    }
    /// `path <= value`
    pub fn le(self, value: impl Into<Operand>) -> Condition {
        Condition::compare(self, Comparator::Le, value)
    }
    /// `path > value`
    pub fn gt(self, value: impl Into<Operand>) -> Condition {
        Condition::compare(self, Comparator::Gt, value)
    }
    /// `path >= value`
    pub fn ge(self, value: impl Into<Operand>) -> Condition {
        Condition::compare(self, Comparator::Ge, value)
    }
    /// `path BETWEEN low AND high`
    pub fn between(self, low: impl Into<Operand>, high: impl Into<Operand>) -> Condition {
        Condition::Between {
            value: Operand::Path(self),
            low: low.into(),
            high: high.into(),
        }
    }
    /// `path IN (a, b, ...)`
    pub fn is_in<I: IntoIterator<Item = V>, V: Into<Operand>>(self, values: I) -> Condition {
        Condition::In {
            value: Operand::Path(self),
            list: values.into_iter().map(Into::into).collect(),
        }
    }
    /// `attribute_exists(path)`
    pub fn exists(self) -> Condition {
        Condition::AttributeExists(self)
    }
    /// `attribute_not_exists(path)`
    pub fn not_exists(self) -> Condition {
        Condition::AttributeNotExists(self)
    }
    /// `attribute_type(path, :type)`
    pub fn has_type(self, value_type: ValueType) -> Condition {
        Condition::AttributeType(
            self,
            Operand::Value(AttributeValue::S(value_type.as_str().to_owned())),
        )
    }
    /// `begins_with(path, prefix)`
    pub fn begins_with(self, prefix: impl Into<Operand>) -> Condition {
        Condition::BeginsWith(self, prefix.into())
    }
    /// `contains(path, operand)`: a substring, a set member or a list element.
    pub fn contains(self, operand: impl Into<Operand>) -> Condition {
        Condition::Contains(self, operand.into())
    }
    /// `size(path)`, to compare: `attr("tags").size().gt(3)`.
    pub fn size(self) -> Operand {
        Operand::Size(Box::new(Operand::Path(self)))
    }

    // --- update operand builders ---------------------------------------------

    /// `path + operand`, for `SET`.
    pub fn plus(self, operand: impl Into<SetOperand>) -> SetValue {
        SetValue::Plus(SetOperand::Path(self), operand.into())
    }
    /// `path - operand`, for `SET`.
    pub fn minus(self, operand: impl Into<SetOperand>) -> SetValue {
        SetValue::Minus(SetOperand::Path(self), operand.into())
    }
    /// `if_not_exists(path, operand)`, for `SET`.
    pub fn if_not_exists(self, operand: impl Into<SetOperand>) -> SetOperand {
        SetOperand::IfNotExists(self, Box::new(operand.into()))
    }
}

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Path{}", self.describe())
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            match e {
                PathElement::Attr(a) if i == 0 => write!(f, "{a}")?,
                PathElement::Attr(a) => write!(f, ".{a}")?,
                PathElement::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}
