//! DynamoDB's expression language as a typed AST.
//!
//! Conditions (and filters), updates, key conditions and projections are
//! built with builders, rendered to DynamoDB expression strings in which
//! every attribute name and value is a placeholder (`#n0`, `:v0`), parsed
//! back from DynamoDB strings with DynamoDB's precedence and errors, and
//! evaluated against an [`Item`](crate::Item) the way DynamoDB does.
//!
//! ```
//! use dynamodb_mapper::expr::{attr, ExpressionAttributes, Update};
//!
//! let condition = attr("energy").gt(10).and(attr("tags").contains("admin")).or(attr("id").not_exists());
//! let update = Update::new().set(attr("energy"), attr("energy").plus(5)).remove(attr("temp"));
//!
//! let mut placeholders = ExpressionAttributes::default();
//! let text = condition.render(&mut placeholders);
//! assert_eq!(text, "#n0 > :v0 AND contains(#n1, :v1) OR attribute_not_exists(#n2)");
//! assert_eq!(update.render(&mut placeholders), "SET #n0 = #n0 + :v2 REMOVE #n3");
//! assert_eq!(placeholders.names["#n1"], "tags");
//! ```

mod eval;
mod parse;
mod reserved;

use std::collections::BTreeMap;
use std::fmt;

use crate::value::{AttributeValue, ValueType};

pub use eval::{UpdateOutcome, apply_update, compare_scalars, project, resolve};
pub use parse::{ExpressionKind, Parser, check_attribute_maps};

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
pub struct Path(Vec<PathElement>);

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

    fn render(&self, ctx: &mut ExpressionAttributes) -> String {
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

/// Placeholders collected while rendering: `ExpressionAttributeNames` and
/// `ExpressionAttributeValues` of one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpressionAttributes {
    /// `#placeholder` -> attribute name.
    pub names: BTreeMap<String, String>,
    /// `:placeholder` -> value.
    pub values: BTreeMap<String, AttributeValue>,
}

impl ExpressionAttributes {
    /// The placeholder for an attribute name (the same name gets the same placeholder).
    pub fn name(&mut self, name: &str) -> String {
        if let Some((k, _)) = self
            .names
            .iter()
            .find(|(k, v)| v.as_str() == name && k.starts_with("#n"))
        {
            return k.clone();
        }
        let mut i = self.names.len();
        loop {
            let k = format!("#n{i}");
            if !self.names.contains_key(&k) {
                self.names.insert(k.clone(), name.to_owned());
                return k;
            }
            i += 1;
        }
    }

    /// A new placeholder for a value.
    pub fn value(&mut self, value: &AttributeValue) -> String {
        let mut i = self.values.len();
        loop {
            let k = format!(":v{i}");
            if !self.values.contains_key(&k) {
                self.values.insert(k.clone(), value.clone());
                return k;
            }
            i += 1;
        }
    }

    /// True when no placeholder was made.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.values.is_empty()
    }
}

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
    fn render(&self, ctx: &mut ExpressionAttributes) -> String {
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
    fn compare(left: impl Into<Operand>, op: Comparator, right: impl Into<Operand>) -> Condition {
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
    fn render(&self, ctx: &mut ExpressionAttributes) -> String {
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
    fn render(&self, ctx: &mut ExpressionAttributes) -> String {
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

/// A condition on the range key of a query.
#[derive(Clone, Debug, PartialEq)]
pub enum RangeCondition {
    /// `= v`
    Eq(AttributeValue),
    /// `< v`
    Lt(AttributeValue),
    /// `<= v`
    Le(AttributeValue),
    /// `> v`
    Gt(AttributeValue),
    /// `>= v`
    Ge(AttributeValue),
    /// `BETWEEN a AND b`
    Between(AttributeValue, AttributeValue),
    /// `begins_with(key, v)`
    BeginsWith(AttributeValue),
}

/// A query's key condition (`KeyConditionExpression`): the hash key's
/// value, and optionally a condition on the range key.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyCondition {
    /// The hash key attribute and its value.
    pub hash: (String, AttributeValue),
    /// The range key attribute and its condition.
    pub range: Option<(String, RangeCondition)>,
}

impl KeyCondition {
    /// All items with this hash key.
    pub fn hash(name: impl Into<String>, value: impl Into<AttributeValue>) -> Self {
        KeyCondition {
            hash: (name.into(), value.into()),
            range: None,
        }
    }

    /// Adds a range key condition.
    pub fn range(mut self, name: impl Into<String>, condition: RangeCondition) -> Self {
        self.range = Some((name.into(), condition));
        self
    }

    /// Renders with placeholders recorded in `ctx`.
    pub fn render(&self, ctx: &mut ExpressionAttributes) -> String {
        let hash = format!("{} = {}", ctx.name(&self.hash.0), ctx.value(&self.hash.1));
        match &self.range {
            None => hash,
            Some((name, cond)) => {
                let n = ctx.name(name);
                let range = match cond {
                    RangeCondition::Eq(v) => format!("{n} = {}", ctx.value(v)),
                    RangeCondition::Lt(v) => format!("{n} < {}", ctx.value(v)),
                    RangeCondition::Le(v) => format!("{n} <= {}", ctx.value(v)),
                    RangeCondition::Gt(v) => format!("{n} > {}", ctx.value(v)),
                    RangeCondition::Ge(v) => format!("{n} >= {}", ctx.value(v)),
                    RangeCondition::Between(a, b) => {
                        let a = ctx.value(a);
                        format!("{n} BETWEEN {a} AND {}", ctx.value(b))
                    }
                    RangeCondition::BeginsWith(v) => format!("begins_with({n}, {})", ctx.value(v)),
                };
                format!("{hash} AND {range}")
            }
        }
    }
}

/// A projection (`ProjectionExpression`): the paths to return.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Projection(pub Vec<Path>);

impl Projection {
    /// A projection of these paths.
    pub fn new(paths: impl IntoIterator<Item = Path>) -> Self {
        Projection(paths.into_iter().collect())
    }

    /// A projection of these top-level attributes.
    pub fn attributes<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Projection(names.into_iter().map(attr).collect())
    }

    /// Renders with placeholders recorded in `ctx`.
    pub fn render(&self, ctx: &mut ExpressionAttributes) -> String {
        let parts: Vec<String> = self.0.iter().map(|p| p.render(ctx)).collect();
        parts.join(", ")
    }
}
