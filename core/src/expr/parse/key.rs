//! Key conditions of queries, checked against the key schema they query.

use crate::error::Error;
use crate::expr::{Comparator, Condition, KeyCondition, Operand, RangeCondition};
use crate::model::KeySchema;
use crate::value::AttributeValue;

/// Turns a parsed key condition into a [`KeyCondition`] on `key`.
pub(crate) fn key_condition(condition: Condition, key: &KeySchema) -> Result<KeyCondition, Error> {
    /// The conditions joined by `AND`, left to right (a loop, not recursion).
    fn leaves<'c>(c: &'c Condition, out: &mut Vec<&'c Condition>) -> Result<(), Error> {
        let mut stack = vec![c];
        while let Some(c) = stack.pop() {
            if let Condition::And(a, b) = c {
                stack.push(b);
                stack.push(a);
            } else {
                leaf(c, out)?;
            }
        }
        Ok(())
    }
    fn leaf<'c>(c: &'c Condition, out: &mut Vec<&'c Condition>) -> Result<(), Error> {
        match c {
            Condition::And(..) => unreachable!("split by leaves"),
            Condition::Or(..) => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: OR",
            )),
            Condition::Not(..) => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: NOT",
            )),
            Condition::In { .. } => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: IN",
            )),
            Condition::Compare {
                op: Comparator::Ne, ..
            } => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: <>",
            )),
            Condition::AttributeExists(_) => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: attribute_exists",
            )),
            Condition::AttributeNotExists(_) => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: attribute_not_exists",
            )),
            Condition::AttributeType(..) => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: attribute_type",
            )),
            Condition::Contains(..) => Err(Error::invalid(
                "Invalid operator used in KeyConditionExpression: contains",
            )),
            other => {
                out.push(other);
                Ok(())
            }
        }
    }
    let missed = || Error::invalid("Query condition missed key schema element");
    let unsupported = || Error::invalid("Query key condition not supported");
    let nested = || Error::invalid("KeyConditionExpressions cannot contain nested operations");
    // DynamoDB Local's messages for comparisons of two names, or of none.
    let two_names = || invalid_condition("Multiple attribute names used in one condition");
    let no_key = || invalid_condition("No key attribute specified");
    let mut parts = Vec::new();
    leaves(&condition, &mut parts)?;

    // (attribute, condition) per leaf.
    let mut on_keys: Vec<(String, RangeCondition)> = Vec::new();
    for leaf in parts {
        let (path, cond) = match leaf {
            Condition::Compare { left, op, right } => {
                let (path, value, op) = match (left, right) {
                    (Operand::Path(p), Operand::Value(v)) => (p, v, *op),
                    (Operand::Value(v), Operand::Path(p)) => {
                        let flipped = match op {
                            Comparator::Lt => Comparator::Gt,
                            Comparator::Le => Comparator::Ge,
                            Comparator::Gt => Comparator::Lt,
                            Comparator::Ge => Comparator::Le,
                            other => *other,
                        };
                        (p, v, flipped)
                    }
                    (l, r) if is_size(l) || is_size(r) => return Err(nested()),
                    (Operand::Path(_), Operand::Path(_)) => return Err(two_names()),
                    (Operand::Value(_), Operand::Value(_)) => return Err(no_key()),
                    _ => return Err(unsupported()),
                };
                let value = value.clone();
                let c = match op {
                    Comparator::Eq => RangeCondition::Eq(value),
                    Comparator::Lt => RangeCondition::Lt(value),
                    Comparator::Le => RangeCondition::Le(value),
                    Comparator::Gt => RangeCondition::Gt(value),
                    Comparator::Ge => RangeCondition::Ge(value),
                    Comparator::Ne => unreachable!("refused above"),
                };
                (path, c)
            }
            Condition::Between { value, low, high } => match (value, low, high) {
                (Operand::Path(p), Operand::Value(a), Operand::Value(b)) => {
                    (p, RangeCondition::Between(a.clone(), b.clone()))
                }
                (v, l, h) if is_size(v) || is_size(l) || is_size(h) => return Err(nested()),
                (Operand::Path(_), l, h) if is_path(l) || is_path(h) => return Err(two_names()),
                (Operand::Value(_), _, _) => {
                    return Err(invalid_condition(
                        "BETWEEN operator must have the key attribute as its first operand",
                    ));
                }
                _ => return Err(unsupported()),
            },
            Condition::BeginsWith(p, Operand::Value(v)) => {
                (p, RangeCondition::BeginsWith(v.clone()))
            }
            _ => return Err(unsupported()),
        };
        if !path.is_top_level() {
            return Err(Error::invalid(if key.contains(path.head()) {
                format!(
                    "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: {}",
                    path.head()
                )
            } else {
                "KeyConditionExpressions cannot have conditions on nested attributes".to_owned()
            }));
        }
        on_keys.push((path.head().to_owned(), cond));
    }
    // Of more than two conditions, DynamoDB Local names a repeated key
    // first, else the count.
    if on_keys.len() > 2 {
        let mut names: Vec<&str> = on_keys.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        return Err(Error::invalid(if names.windows(2).any(|w| w[0] == w[1]) {
            "KeyConditionExpressions must only contain one condition per key"
        } else {
            "Conditions can be of length 1 or 2 only"
        }));
    }
    if on_keys.len() == 2 && on_keys[0].0 == on_keys[1].0 {
        return Err(Error::invalid(
            "KeyConditionExpressions must only contain one condition per key",
        ));
    }
    // More conditions than the schema has keys is "not supported"; a
    // condition on another attribute "missed" the schema, as DynamoDB Local
    // answers.
    if on_keys.len() > 1 + usize::from(key.range.is_some()) {
        return Err(unsupported());
    }
    if on_keys.iter().any(|(name, _)| !key.contains(name)) {
        return Err(missed());
    }
    let hash_pos = on_keys
        .iter()
        .position(|(n, _)| *n == key.hash.name)
        .ok_or_else(missed)?;
    let (hash_name, hash_cond) = on_keys.remove(hash_pos);
    let RangeCondition::Eq(hash_value) = hash_cond else {
        return Err(unsupported());
    };
    let check_type = |v: &AttributeValue, want: crate::ScalarType| {
        if v.value_type() != want.value_type() {
            Err(Error::invalid(
                "One or more parameter values were invalid: Condition parameter type does not match schema type",
            ))
        } else {
            Ok(())
        }
    };
    check_type(&hash_value, key.hash.scalar_type)?;
    let range = match on_keys.pop() {
        None => None,
        Some((name, cond)) => {
            let range_key = key.range.as_ref().ok_or_else(missed)?;
            match &cond {
                RangeCondition::Between(a, b) => {
                    check_type(a, range_key.scalar_type)?;
                    check_type(b, range_key.scalar_type)?;
                }
                RangeCondition::BeginsWith(v) => check_type(v, range_key.scalar_type)?,
                RangeCondition::Eq(v)
                | RangeCondition::Lt(v)
                | RangeCondition::Le(v)
                | RangeCondition::Gt(v)
                | RangeCondition::Ge(v) => check_type(v, range_key.scalar_type)?,
            }
            Some((name, cond))
        }
    };
    Ok(KeyCondition {
        hash: (hash_name, hash_value),
        range,
    })
}

/// DynamoDB Local's error for a comparison a key condition cannot hold.
fn invalid_condition(why: &str) -> Error {
    Error::invalid(format!(
        "Invalid condition in KeyConditionExpression: {why}"
    ))
}

/// True for a document path.
fn is_path(o: &Operand) -> bool {
    matches!(o, Operand::Path(_))
}

/// True for a `size()`: a function, which a key condition may not hold.
fn is_size(o: &Operand) -> bool {
    matches!(o, Operand::Size(_))
}
