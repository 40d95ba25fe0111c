//! Key conditions of queries, and projections.

use super::{ExpressionAttributes, Path, attr};
use crate::value::AttributeValue;

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
