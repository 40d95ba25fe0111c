//! Evaluating expressions against items, with DynamoDB's rules.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use super::{Comparator, Condition, Operand, Path, PathElement, SetOperand, SetValue, Update};
use crate::error::Error;
use crate::number::{Number, NumberError};
use crate::value::{AttributeValue, Item};

const MISSING_OPERAND: &str =
    "The provided expression refers to an attribute that does not exist in the item";
const WRONG_TYPE: &str = "An operand in the update expression has an incorrect data type";
const INVALID_PATH: &str =
    "The document path provided in the update expression is invalid for update";

/// The value at a path in an item, if there is one.
pub fn resolve<'a>(
    item: &'a BTreeMap<String, AttributeValue>,
    path: &Path,
) -> Option<&'a AttributeValue> {
    let mut elements = path.elements().iter();
    let mut current = match elements.next()? {
        PathElement::Attr(a) => item.get(a)?,
        PathElement::Index(_) => return None,
    };
    for e in elements {
        current = match (e, current) {
            (PathElement::Attr(a), AttributeValue::M(m)) => m.get(a)?,
            (PathElement::Index(i), AttributeValue::L(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// DynamoDB's `size()`: characters of a string (as Java counts them, in
/// UTF-16 units), bytes of a binary, members of a set, elements of a list
/// or map; nothing for other types.
fn size_of(v: &AttributeValue) -> Option<usize> {
    Some(match v {
        AttributeValue::S(s) => s.encode_utf16().count(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Ss(s) => s.len(),
        AttributeValue::Ns(s) => s.len(),
        AttributeValue::Bs(s) => s.len(),
        AttributeValue::L(l) => l.len(),
        AttributeValue::M(m) => m.len(),
        _ => return None,
    })
}

fn operand<'a>(op: &'a Operand, item: &'a Item) -> Option<Cow<'a, AttributeValue>> {
    match op {
        Operand::Path(p) => resolve(item, p).map(Cow::Borrowed),
        Operand::Value(v) => Some(Cow::Borrowed(v)),
        Operand::Size(inner) => {
            let v = operand(inner, item)?;
            size_of(&v).map(|n| Cow::Owned(AttributeValue::N(Number::from(n))))
        }
    }
}

/// Orders two scalars of the same type (N, S or B); `None` otherwise.
pub fn compare_scalars(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::N(x), AttributeValue::N(y)) => Some(x.cmp(y)),
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn contains(container: &AttributeValue, needle: &AttributeValue) -> bool {
    match (container, needle) {
        (AttributeValue::S(s), AttributeValue::S(n)) => s.contains(n.as_str()),
        (AttributeValue::B(b), AttributeValue::B(n)) => {
            n.is_empty() || b.windows(n.len()).any(|w| w == n.as_slice())
        }
        (AttributeValue::Ss(s), AttributeValue::S(n)) => s.contains(n),
        (AttributeValue::Ns(s), AttributeValue::N(n)) => s.contains(n),
        (AttributeValue::Bs(s), AttributeValue::B(n)) => s.contains(n),
        (AttributeValue::L(l), n) => l.contains(n),
        _ => false,
    }
}

impl Condition {
    /// Every document path the condition reads.
    pub fn paths(&self) -> Vec<&Path> {
        fn operand_paths<'a>(o: &'a Operand, out: &mut Vec<&'a Path>) {
            match o {
                Operand::Path(p) => out.push(p),
                Operand::Size(inner) => operand_paths(inner, out),
                Operand::Value(_) => {}
            }
        }
        fn walk<'a>(c: &'a Condition, out: &mut Vec<&'a Path>) {
            match c {
                Condition::Compare { left, right, .. } => {
                    operand_paths(left, out);
                    operand_paths(right, out);
                }
                Condition::Between { value, low, high } => {
                    operand_paths(value, out);
                    operand_paths(low, out);
                    operand_paths(high, out);
                }
                Condition::In { value, list } => {
                    operand_paths(value, out);
                    list.iter().for_each(|o| operand_paths(o, out));
                }
                Condition::AttributeExists(p) | Condition::AttributeNotExists(p) => out.push(p),
                Condition::AttributeType(p, o)
                | Condition::BeginsWith(p, o)
                | Condition::Contains(p, o) => {
                    out.push(p);
                    operand_paths(o, out);
                }
                Condition::And(a, b) | Condition::Or(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                Condition::Not(a) => walk(a, out),
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// Evaluates the condition against an item (an empty item when there is
    /// none). Comparing values of different types is false, not an error;
    /// `<>` is true when either side is missing.
    pub fn evaluate(&self, item: &Item) -> bool {
        match self {
            Condition::Compare { left, op, right } => {
                let (a, b) = (operand(left, item), operand(right, item));
                match op {
                    Comparator::Eq => matches!((a, b), (Some(a), Some(b)) if a == b),
                    Comparator::Ne => !matches!((a, b), (Some(a), Some(b)) if a == b),
                    _ => {
                        let (Some(a), Some(b)) = (a, b) else {
                            return false;
                        };
                        let Some(ord) = compare_scalars(&a, &b) else {
                            return false;
                        };
                        match op {
                            Comparator::Lt => ord == Ordering::Less,
                            Comparator::Le => ord != Ordering::Greater,
                            Comparator::Gt => ord == Ordering::Greater,
                            Comparator::Ge => ord != Ordering::Less,
                            Comparator::Eq | Comparator::Ne => unreachable!("handled above"),
                        }
                    }
                }
            }
            Condition::Between { value, low, high } => {
                let (Some(v), Some(lo), Some(hi)) = (
                    operand(value, item),
                    operand(low, item),
                    operand(high, item),
                ) else {
                    return false;
                };
                matches!(
                    compare_scalars(&lo, &v),
                    Some(Ordering::Less | Ordering::Equal)
                ) && matches!(
                    compare_scalars(&v, &hi),
                    Some(Ordering::Less | Ordering::Equal)
                )
            }
            Condition::In { value, list } => {
                let Some(v) = operand(value, item) else {
                    return false;
                };
                list.iter()
                    .any(|c| operand(c, item).is_some_and(|c| c == v))
            }
            Condition::AttributeExists(p) => resolve(item, p).is_some(),
            Condition::AttributeNotExists(p) => resolve(item, p).is_none(),
            Condition::AttributeType(p, t) => {
                match (resolve(item, p), operand(t, item).as_deref()) {
                    (Some(v), Some(AttributeValue::S(t))) => v.value_type().as_str() == t,
                    _ => false,
                }
            }
            Condition::BeginsWith(p, prefix) => {
                match (resolve(item, p), operand(prefix, item).as_deref()) {
                    (Some(AttributeValue::S(s)), Some(AttributeValue::S(x))) => {
                        s.starts_with(x.as_str())
                    }
                    (Some(AttributeValue::B(b)), Some(AttributeValue::B(x))) => b.starts_with(x),
                    _ => false,
                }
            }
            Condition::Contains(p, needle) => match (resolve(item, p), operand(needle, item)) {
                (Some(c), Some(n)) => contains(c, &n),
                _ => false,
            },
            Condition::And(a, b) => a.evaluate(item) && b.evaluate(item),
            Condition::Or(a, b) => a.evaluate(item) || b.evaluate(item),
            Condition::Not(a) => !a.evaluate(item),
        }
    }
}

fn invalid(message: &str) -> Error {
    Error::invalid(message)
}

fn arithmetic_error(e: NumberError) -> Error {
    match e {
        NumberError::Underflow(_) => invalid(
            "Number underflow. Attempting to store a number with magnitude smaller than supported range",
        ),
        _ => invalid("DynamoDB only supports precision up to 38 digits"),
    }
}

fn eval_set_operand(op: &SetOperand, item: &Item) -> Result<AttributeValue, Error> {
    match op {
        SetOperand::Path(p) => resolve(item, p)
            .cloned()
            .ok_or_else(|| invalid(MISSING_OPERAND)),
        SetOperand::Value(v) => Ok(v.clone()),
        SetOperand::IfNotExists(p, default) => match resolve(item, p) {
            Some(v) => Ok(v.clone()),
            None => eval_set_operand(default, item),
        },
        SetOperand::ListAppend(a, b) => {
            let (a, b) = (eval_set_operand(a, item)?, eval_set_operand(b, item)?);
            match (a.unpack(), b.unpack()) {
                (crate::Unpacked::L(mut x), crate::Unpacked::L(y)) => {
                    x.extend(y);
                    Ok(AttributeValue::L(x))
                }
                _ => Err(invalid(WRONG_TYPE)),
            }
        }
    }
}

fn eval_set_value(v: &SetValue, item: &Item) -> Result<AttributeValue, Error> {
    match v {
        SetValue::Operand(o) => eval_set_operand(o, item),
        SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
            let (a, b) = (eval_set_operand(a, item)?, eval_set_operand(b, item)?);
            match (&a, &b) {
                (AttributeValue::N(x), AttributeValue::N(y)) => {
                    let r = if matches!(v, SetValue::Plus(..)) {
                        x.checked_add(y)
                    } else {
                        x.checked_sub(y)
                    };
                    r.map(AttributeValue::N).map_err(arithmetic_error)
                }
                _ => Err(invalid(WRONG_TYPE)),
            }
        }
    }
}

/// The container that holds the last element of `path`, created by nothing:
/// every parent must exist with the right type.
fn parent_mut<'a>(
    item: &'a mut BTreeMap<String, AttributeValue>,
    path: &Path,
) -> Result<Option<&'a mut AttributeValue>, Error> {
    let elements = path.elements();
    if elements.len() == 1 {
        return Ok(None);
    }
    let mut current = match &elements[0] {
        PathElement::Attr(a) => item.get_mut(a).ok_or_else(|| invalid(INVALID_PATH))?,
        PathElement::Index(_) => return Err(invalid(INVALID_PATH)),
    };
    for e in &elements[1..elements.len() - 1] {
        current = match (e, current) {
            (PathElement::Attr(a), AttributeValue::M(m)) => {
                m.get_mut(a).ok_or_else(|| invalid(INVALID_PATH))?
            }
            (PathElement::Index(i), AttributeValue::L(l)) => {
                l.get_mut(*i).ok_or_else(|| invalid(INVALID_PATH))?
            }
            _ => return Err(invalid(INVALID_PATH)),
        };
    }
    Ok(Some(current))
}

/// Writes a value at a path; a list index past the end appends.
fn set_at(
    item: &mut BTreeMap<String, AttributeValue>,
    path: &Path,
    value: AttributeValue,
) -> Result<(), Error> {
    let last = path.elements().last().expect("non-empty path");
    match parent_mut(item, path)? {
        None => {
            item.insert(path.head().to_owned(), value);
        }
        Some(parent) => match (last, parent) {
            (PathElement::Attr(a), AttributeValue::M(m)) => {
                m.insert(a.clone(), value);
            }
            (PathElement::Index(i), AttributeValue::L(l)) => {
                if *i < l.len() {
                    l[*i] = value;
                } else {
                    l.push(value);
                }
            }
            _ => return Err(invalid(INVALID_PATH)),
        },
    }
    Ok(())
}

fn remove_at(item: &mut BTreeMap<String, AttributeValue>, path: &Path) -> Result<(), Error> {
    let last = path.elements().last().expect("non-empty path");
    match parent_mut(item, path)? {
        None => {
            item.remove(path.head());
        }
        Some(parent) => match (last, parent) {
            (PathElement::Attr(a), AttributeValue::M(m)) => {
                m.remove(a);
            }
            (PathElement::Index(i), AttributeValue::L(l)) => {
                if *i < l.len() {
                    l.remove(*i);
                }
            }
            _ => return Err(invalid(INVALID_PATH)),
        },
    }
    Ok(())
}

fn get_at<'a>(
    item: &'a mut BTreeMap<String, AttributeValue>,
    path: &Path,
) -> Result<Option<&'a mut AttributeValue>, Error> {
    if path.is_top_level() {
        return Ok(item.get_mut(path.head()));
    }
    let last = path.elements().last().expect("non-empty path");
    match parent_mut(item, path)? {
        None => Err(invalid(INVALID_PATH)),
        Some(parent) => match (last, parent) {
            (PathElement::Attr(a), AttributeValue::M(m)) => Ok(m.get_mut(a)),
            (PathElement::Index(i), AttributeValue::L(l)) => Ok(l.get_mut(*i)),
            _ => Err(invalid(INVALID_PATH)),
        },
    }
}

fn union<T: PartialEq>(into: &mut Vec<T>, add: Vec<T>) {
    for v in add {
        if !into.contains(&v) {
            into.push(v);
        }
    }
}

/// What an update changed: the top-level attributes it touched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdateOutcome {
    /// Names of the top-level attributes the update wrote or removed.
    pub touched: BTreeSet<String>,
}

/// Applies an update to an item, the way DynamoDB does: every `SET` value
/// is computed from the item as it was before the update; list indices past
/// the end append, in index order; `REMOVE` of list elements uses the old
/// indices; `ADD` creates numbers and sets; `DELETE` that empties a set
/// removes the attribute. On error the item is left unchanged.
pub fn apply_update(item: &mut Item, update: &Update) -> Result<UpdateOutcome, Error> {
    let mut sets: Vec<(&Path, AttributeValue)> = Vec::with_capacity(update.set.len());
    for (path, value) in &update.set {
        sets.push((path, eval_set_value(value, item)?));
    }
    // Work on a copy so that a failure leaves the item untouched.
    let mut out = item.0.clone();
    sets.sort_by(|a, b| a.0.cmp(b.0));
    for (path, value) in sets {
        set_at(&mut out, path, value)?;
    }
    let mut removes: Vec<&Path> = update.remove.iter().collect();
    removes.sort_by(|a, b| b.cmp(a));
    for path in removes {
        remove_at(&mut out, path)?;
    }
    for (path, value) in &update.add {
        match get_at(&mut out, path)? {
            None => set_at(&mut out, path, value.clone())?,
            Some(current) => match (current, value) {
                (AttributeValue::N(x), AttributeValue::N(y)) => {
                    *x = x.checked_add(y).map_err(arithmetic_error)?;
                }
                (AttributeValue::Ss(x), AttributeValue::Ss(y)) => union(x, y.clone()),
                (AttributeValue::Ns(x), AttributeValue::Ns(y)) => union(x, y.clone()),
                (AttributeValue::Bs(x), AttributeValue::Bs(y)) => union(x, y.clone()),
                _ => return Err(invalid(WRONG_TYPE)),
            },
        }
    }
    for (path, value) in &update.delete {
        let emptied = match get_at(&mut out, path)? {
            None => false,
            Some(current) => match (current, value) {
                (AttributeValue::Ss(x), AttributeValue::Ss(y)) => {
                    x.retain(|v| !y.contains(v));
                    x.is_empty()
                }
                (AttributeValue::Ns(x), AttributeValue::Ns(y)) => {
                    x.retain(|v| !y.contains(v));
                    x.is_empty()
                }
                (AttributeValue::Bs(x), AttributeValue::Bs(y)) => {
                    x.retain(|v| !y.contains(v));
                    x.is_empty()
                }
                _ => return Err(invalid(WRONG_TYPE)),
            },
        };
        if emptied {
            remove_at(&mut out, path)?;
        }
    }
    item.0 = out;
    Ok(UpdateOutcome {
        touched: update.target_paths().map(|p| p.head().to_owned()).collect(),
    })
}

/// What a projection selects inside a value.
enum Selection {
    All,
    Keys(BTreeMap<String, Selection>),
    Indices(BTreeMap<usize, Selection>),
}

impl Selection {
    fn add(&mut self, rest: &[PathElement]) {
        let Some((first, rest)) = rest.split_first() else {
            *self = Selection::All;
            return;
        };
        match first {
            PathElement::Attr(a) => {
                if !matches!(self, Selection::Keys(_)) {
                    *self = Selection::Keys(BTreeMap::new());
                }
                if let Selection::Keys(m) = self {
                    m.entry(a.clone())
                        .or_insert_with(|| Selection::Keys(BTreeMap::new()))
                        .add(rest);
                }
            }
            PathElement::Index(i) => {
                if !matches!(self, Selection::Indices(_)) {
                    *self = Selection::Indices(BTreeMap::new());
                }
                if let Selection::Indices(m) = self {
                    m.entry(*i)
                        .or_insert_with(|| Selection::Keys(BTreeMap::new()))
                        .add(rest);
                }
            }
        }
    }

    fn apply(&self, value: &AttributeValue) -> Option<AttributeValue> {
        match (self, value) {
            (Selection::All, v) => Some(v.clone()),
            (Selection::Keys(keys), AttributeValue::M(m)) => {
                let out: BTreeMap<String, AttributeValue> = keys
                    .iter()
                    .filter_map(|(k, sel)| {
                        m.get(k).and_then(|v| sel.apply(v)).map(|v| (k.clone(), v))
                    })
                    .collect();
                (!out.is_empty()).then_some(AttributeValue::M(out))
            }
            (Selection::Indices(indices), AttributeValue::L(l)) => {
                let out: Vec<AttributeValue> = indices
                    .iter()
                    .filter_map(|(i, sel)| l.get(*i).and_then(|v| sel.apply(v)))
                    .collect();
                (!out.is_empty()).then_some(AttributeValue::L(out))
            }
            _ => None,
        }
    }
}

/// The part of an item a projection selects: nested map keys keep their
/// structure, selected list elements are compacted in their original order.
pub fn project(item: &Item, paths: &[Path]) -> Item {
    let mut root: BTreeMap<String, Selection> = BTreeMap::new();
    for p in paths {
        root.entry(p.head().to_owned())
            .or_insert_with(|| Selection::Keys(BTreeMap::new()))
            .add(&p.elements()[1..]);
    }
    Item(
        root.iter()
            .filter_map(|(k, sel)| {
                item.get(k)
                    .and_then(|v| sel.apply(v))
                    .map(|v| (k.clone(), v))
            })
            .collect(),
    )
}
