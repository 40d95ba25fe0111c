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
/// The deepest nesting of `SET` operand functions evaluated (an expression
/// of 4 KB nests fewer than 300).
const MAX_OPERAND_DEPTH: usize = 512;
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
    // A loop over `size(size(...))`, however deep a caller built it.
    let (base, sizes) = op.unwrap_sizes();
    let mut v = match base {
        Operand::Path(p) => Cow::Borrowed(resolve(item, p)?),
        Operand::Value(v) => Cow::Borrowed(v),
        Operand::Size(_) => unreachable!("unwrapped above"),
    };
    for _ in 0..sizes {
        v = Cow::Owned(AttributeValue::N(Number::from(size_of(&v)?)));
    }
    Some(v)
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
        // A linear search: comparing the needle at every offset is
        // quadratic, and both may be attributes of 400 KB items.
        (AttributeValue::B(b), AttributeValue::B(n)) => memchr::memmem::find(b, n).is_some(),
        (AttributeValue::Ss(s), AttributeValue::S(n)) => s.contains(n),
        (AttributeValue::Ns(s), AttributeValue::N(n)) => s.contains(n),
        (AttributeValue::Bs(s), AttributeValue::B(n)) => s.contains(n),
        (AttributeValue::L(l), n) => l.contains(n),
        _ => false,
    }
}

impl Condition {
    /// Every document path the condition reads, left to right.
    pub fn paths(&self) -> Vec<&Path> {
        fn operand_path<'a>(o: &'a Operand, out: &mut Vec<&'a Path>) {
            if let Operand::Path(p) = o.unwrap_sizes().0 {
                out.push(p);
            }
        }
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(c) = stack.pop() {
            match c {
                Condition::Compare { left, right, .. } => {
                    operand_path(left, &mut out);
                    operand_path(right, &mut out);
                }
                Condition::Between { value, low, high } => {
                    operand_path(value, &mut out);
                    operand_path(low, &mut out);
                    operand_path(high, &mut out);
                }
                Condition::In { value, list } => {
                    operand_path(value, &mut out);
                    list.iter().for_each(|o| operand_path(o, &mut out));
                }
                Condition::AttributeExists(p) | Condition::AttributeNotExists(p) => out.push(p),
                Condition::AttributeType(p, o)
                | Condition::BeginsWith(p, o)
                | Condition::Contains(p, o) => {
                    out.push(p);
                    operand_path(o, &mut out);
                }
                Condition::And(a, b) | Condition::Or(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                Condition::Not(a) => stack.push(a),
            }
        }
        out
    }

    /// Evaluates the condition against an item (an empty item when there is
    /// none). Comparing values of different types is false, not an error;
    /// `<>` is true when either side is missing. A loop over the tree, with
    /// `AND` and `OR` short-circuiting: any condition a caller builds is
    /// evaluated without recursion.
    pub fn evaluate(&self, item: &Item) -> bool {
        enum Step<'c> {
            Eval(&'c Condition),
            /// The left side of an `AND` was just computed.
            AndThen(&'c Condition),
            /// The left side of an `OR` was just computed.
            OrElse(&'c Condition),
            Negate,
        }
        let mut result = false;
        let mut stack = vec![Step::Eval(self)];
        while let Some(step) = stack.pop() {
            match step {
                Step::Eval(Condition::And(a, b)) => {
                    stack.push(Step::AndThen(b));
                    stack.push(Step::Eval(a));
                }
                Step::Eval(Condition::Or(a, b)) => {
                    stack.push(Step::OrElse(b));
                    stack.push(Step::Eval(a));
                }
                Step::Eval(Condition::Not(a)) => {
                    stack.push(Step::Negate);
                    stack.push(Step::Eval(a));
                }
                Step::Eval(leaf) => result = leaf.evaluate_leaf(item),
                Step::AndThen(b) => {
                    if result {
                        stack.push(Step::Eval(b));
                    }
                }
                Step::OrElse(b) => {
                    if !result {
                        stack.push(Step::Eval(b));
                    }
                }
                Step::Negate => result = !result,
            }
        }
        result
    }

    /// Evaluates a condition with no condition inside.
    fn evaluate_leaf(&self, item: &Item) -> bool {
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
            Condition::And(..) | Condition::Or(..) | Condition::Not(..) => {
                unreachable!("evaluated by the loop")
            }
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
        NumberError::Overflow(_) => invalid(
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
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

/// Adds the members of `add` missing from `into`, in `add`'s order:
/// n log n, not every member against every other.
fn union<T: Ord + Clone>(into: &mut Vec<T>, add: &[T]) {
    let new: Vec<T> = {
        let present: BTreeSet<&T> = into.iter().collect();
        let mut seen: BTreeSet<&T> = BTreeSet::new();
        add.iter()
            .filter(|v| !present.contains(v) && seen.insert(*v))
            .cloned()
            .collect()
    };
    into.extend(new);
}

/// Removes the members of `remove` from `from`; true when it is emptied.
fn difference<T: Ord>(from: &mut Vec<T>, remove: &[T]) -> bool {
    let gone: BTreeSet<&T> = remove.iter().collect();
    from.retain(|v| !gone.contains(v));
    from.is_empty()
}

/// False for a path to a list element past the end of its list in `item`
/// (the item before the update); true otherwise (the removal decides).
fn existed_in_list(item: &Item, path: &Path) -> bool {
    let elements = path.elements();
    let Some((PathElement::Index(i), parent)) = elements.split_last() else {
        return true;
    };
    let mut current: Option<&AttributeValue> = None;
    for (n, e) in parent.iter().enumerate() {
        current = match (n, e, current) {
            (0, PathElement::Attr(a), _) => item.get(a),
            (_, PathElement::Attr(a), Some(AttributeValue::M(m))) => m.get(a),
            (_, PathElement::Index(i), Some(AttributeValue::L(l))) => l.get(*i),
            _ => None,
        };
        if current.is_none() {
            return true;
        }
    }
    match current {
        Some(AttributeValue::L(l)) => *i < l.len(),
        _ => true,
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
    // Operands are evaluated recursively: refuse, before any of it, an
    // operand built deeper than any expression DynamoDB accepts.
    for (_, value) in &update.set {
        let deepest = match value {
            SetValue::Operand(o) => o.depth(),
            SetValue::Plus(a, b) | SetValue::Minus(a, b) => a.depth().max(b.depth()),
        };
        if deepest > MAX_OPERAND_DEPTH {
            return Err(Error::limit(format!(
                "The update expression nests functions {deepest} levels deep; at most {MAX_OPERAND_DEPTH} are supported"
            )));
        }
    }
    let mut sets: Vec<(&Path, AttributeValue)> = Vec::with_capacity(update.set.len());
    // Paths of one update never overlap, so every value set lands in the
    // item: once they add up to more than an item may hold, the update is
    // refused before another copy is made (`SET a = l, b = l, ...` of a
    // large `l` copied it once per action).
    let mut set_size = 0usize;
    for (path, value) in &update.set {
        let value = eval_set_value(value, item)?;
        set_size = set_size.saturating_add(value.size());
        if set_size > crate::rules::MAX_ITEM_SIZE {
            return Err(crate::rules::item_too_large(true));
        }
        sets.push((path, value));
    }
    // Work on a copy so that a failure leaves the item untouched.
    let mut out = item.0.clone();
    sets.sort_by(|a, b| a.0.cmp(b.0));
    for (path, value) in sets {
        set_at(&mut out, path, value)?;
    }
    // REMOVE uses the indices as they were before the update: an element
    // that did not exist then (a `SET` may have appended one there since)
    // is not removed.
    let mut removes: Vec<&Path> = update
        .remove
        .iter()
        .filter(|p| existed_in_list(item, p))
        .collect();
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
                (AttributeValue::Ss(x), AttributeValue::Ss(y)) => union(x, y),
                (AttributeValue::Ns(x), AttributeValue::Ns(y)) => union(x, y),
                (AttributeValue::Bs(x), AttributeValue::Bs(y)) => union(x, y),
                _ => return Err(invalid(WRONG_TYPE)),
            },
        }
    }
    for (path, value) in &update.delete {
        let emptied = match get_at(&mut out, path)? {
            None => false,
            Some(current) => match (current, value) {
                (AttributeValue::Ss(x), AttributeValue::Ss(y)) => difference(x, y),
                (AttributeValue::Ns(x), AttributeValue::Ns(y)) => difference(x, y),
                (AttributeValue::Bs(x), AttributeValue::Bs(y)) => difference(x, y),
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
