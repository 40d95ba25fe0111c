//! The walks over a whole [`AttributeValue`] tree: drop, clone, equality,
//! hashing, size and debug formatting.
//!
//! A caller can build a value of any depth (a list in a list in a list ...,
//! 100,000 levels deep), and DynamoDB's 32-level limit is only checked
//! where the value is sent. So none of these walks recurses: each keeps its
//! own stack on the heap, and the thread's stack stays flat however deep
//! the value is.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::{mem, slice};

use super::{AttributeValue, number_size, same_set};
use crate::number::Number;

use AttributeValue::{B, Bool, Bs, L, M, N, Ns, Null, S, Ss};

impl AttributeValue {
    /// True for a list or map with at least one element: a value whose
    /// drop, clone or comparison has to go one level further down.
    fn is_branch(&self) -> bool {
        match self {
            L(l) => !l.is_empty(),
            M(m) => !m.is_empty(),
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------
// Drop

impl Drop for AttributeValue {
    #[inline]
    fn drop(&mut self) {
        // Only a list or a map can hold a branch; the check for any other
        // value is inline (mapping drops one value shell per attribute).
        if matches!(self, L(_) | M(_)) {
            drop_branches(self);
        }
    }
}

/// The rest of [`AttributeValue`]'s drop, for a list or a map.
fn drop_branches(v: &mut AttributeValue) {
    // The common case: no child is itself a non-empty list or map, so
    // the compiler's drop of the children goes one level down at most.
    let deep = match v {
        L(l) => l.iter().any(AttributeValue::is_branch),
        M(m) => m.values().any(AttributeValue::is_branch),
        _ => false,
    };
    if !deep {
        return;
    }
    // Otherwise move every branch onto a heap stack; each one popped is
    // emptied the same way before it is dropped, so no drop recurses.
    let mut stack = Vec::new();
    take_branches(v, &mut stack);
    while let Some(mut v) = stack.pop() {
        take_branches(&mut v, &mut stack);
    }
}

/// Moves a list's or map's non-empty list and map children onto `stack`,
/// and drops its other children (none of which goes deeper).
fn take_branches(v: &mut AttributeValue, stack: &mut Vec<AttributeValue>) {
    match v {
        L(l) => stack.extend(l.drain(..).filter(AttributeValue::is_branch)),
        M(m) => stack.extend(mem::take(m).into_values().filter(AttributeValue::is_branch)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Moving out

/// An [`AttributeValue`] taken apart, so that its content can be moved out
/// by a `match` (an `AttributeValue` itself has a `Drop` impl, which the
/// language does not let a pattern move out of).
///
/// ```
/// use dynamodb_mapper::{AttributeValue, Unpacked};
///
/// let v = AttributeValue::L(vec!["a".into(), "b".into()]);
/// let list: Vec<AttributeValue> = match v.unpack() {
///     Unpacked::L(l) => l,
///     _ => Vec::new(),
/// };
/// assert_eq!(list.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Unpacked {
    /// String (`S`).
    S(String),
    /// Number (`N`).
    N(Number),
    /// Binary (`B`).
    B(Vec<u8>),
    /// String set (`SS`).
    Ss(Vec<String>),
    /// Number set (`NS`).
    Ns(Vec<Number>),
    /// Binary set (`BS`).
    Bs(Vec<Vec<u8>>),
    /// Map (`M`).
    M(BTreeMap<String, AttributeValue>),
    /// List (`L`).
    L(Vec<AttributeValue>),
    /// Boolean (`BOOL`).
    Bool(bool),
    /// Null (`NULL`).
    Null,
}

impl AttributeValue {
    /// Takes the value apart, so that a `match` can move its content out.
    pub fn unpack(mut self) -> Unpacked {
        let unpacked = match &mut self {
            S(s) => Unpacked::S(mem::take(s)),
            N(n) => Unpacked::N(mem::replace(n, Number::zero())),
            B(b) => Unpacked::B(mem::take(b)),
            Ss(v) => Unpacked::Ss(mem::take(v)),
            Ns(v) => Unpacked::Ns(mem::take(v)),
            Bs(v) => Unpacked::Bs(mem::take(v)),
            M(m) => Unpacked::M(mem::take(m)),
            L(l) => Unpacked::L(mem::take(l)),
            Bool(b) => Unpacked::Bool(*b),
            Null => Unpacked::Null,
        };
        // What is left owns no allocation (empty strings, vectors and maps,
        // an inline zero): skip its drop, which mapping pays once per value.
        mem::forget(self);
        unpacked
    }
}

impl From<Unpacked> for AttributeValue {
    fn from(v: Unpacked) -> Self {
        match v {
            Unpacked::S(s) => S(s),
            Unpacked::N(n) => N(n),
            Unpacked::B(b) => B(b),
            Unpacked::Ss(v) => Ss(v),
            Unpacked::Ns(v) => Ns(v),
            Unpacked::Bs(v) => Bs(v),
            Unpacked::M(m) => M(m),
            Unpacked::L(l) => L(l),
            Unpacked::Bool(b) => Bool(b),
            Unpacked::Null => Null,
        }
    }
}

// ---------------------------------------------------------------------------
// Clone

/// A list or map being copied: the children still to copy, and the copy
/// so far.
enum CloneFrame<'a> {
    L(slice::Iter<'a, AttributeValue>, Vec<AttributeValue>),
    M(
        std::collections::btree_map::Iter<'a, String, AttributeValue>,
        Vec<(String, AttributeValue)>,
        // The key of the child being copied one level down.
        Option<&'a String>,
    ),
}

impl<'a> CloneFrame<'a> {
    /// Starts copying a list or map; `None` for any other value.
    fn open(v: &'a AttributeValue) -> Option<Self> {
        match v {
            L(l) => Some(CloneFrame::L(l.iter(), Vec::with_capacity(l.len()))),
            M(m) => Some(CloneFrame::M(m.iter(), Vec::with_capacity(m.len()), None)),
            _ => None,
        }
    }

    fn finish(self) -> AttributeValue {
        match self {
            CloneFrame::L(_, out) => L(out),
            // The entries come out of a map in key order.
            CloneFrame::M(_, out, _) => M(out.into_iter().collect()),
        }
    }

    /// Adds a copied child (after a descent, under the remembered key).
    fn push(&mut self, v: AttributeValue) {
        match self {
            CloneFrame::L(_, out) => out.push(v),
            CloneFrame::M(_, out, key) => {
                let k = key.take().expect("a map child is copied under its key");
                out.push((k.clone(), v));
            }
        }
    }
}

/// Copies a value that holds no list or map (or only empty ones).
fn clone_leaf(v: &AttributeValue) -> AttributeValue {
    match v {
        S(s) => S(s.clone()),
        N(n) => N(n.clone()),
        B(b) => B(b.clone()),
        Ss(v) => Ss(v.clone()),
        Ns(v) => Ns(v.clone()),
        Bs(v) => Bs(v.clone()),
        M(m) => M(m.iter().map(|(k, v)| (k.clone(), clone_leaf(v))).collect()),
        L(l) => L(l.iter().map(clone_leaf).collect()),
        Bool(b) => Bool(*b),
        Null => Null,
    }
}

impl Clone for AttributeValue {
    #[inline]
    fn clone(&self) -> Self {
        // Scalars without an allocation are copied inline: a struct map's
        // template (every value `NULL`) is cloned once per item mapped.
        match self {
            Null => Null,
            Bool(b) => Bool(*b),
            _ => clone_deep(self),
        }
    }
}

/// [`AttributeValue::clone`] of any value, without recursion.
fn clone_deep(v: &AttributeValue) -> AttributeValue {
    let Some(root) = CloneFrame::open(v) else {
        return clone_leaf(v);
    };
    let mut stack = vec![root];
    loop {
        let top = stack.last_mut().expect("the stack holds the root");
        let next = match top {
            CloneFrame::L(it, _) => it.next(),
            CloneFrame::M(it, _, key) => it.next().map(|(k, v)| {
                *key = Some(k);
                v
            }),
        };
        match next {
            Some(child) if child.is_branch() => {
                stack.push(CloneFrame::open(child).expect("a branch is a list or map"));
            }
            Some(child) => top.push(clone_leaf(child)),
            None => {
                let done = stack.pop().expect("the top frame").finish();
                match stack.last_mut() {
                    Some(parent) => parent.push(done),
                    None => return done,
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Equality and hashing

/// Compares two values that are not both lists or both maps.
fn leaf_eq(a: &AttributeValue, b: &AttributeValue) -> bool {
    match (a, b) {
        (S(a), S(b)) => a == b,
        (N(a), N(b)) => a == b,
        (B(a), B(b)) => a == b,
        (Ss(a), Ss(b)) => same_set(a, b),
        (Ns(a), Ns(b)) => same_set(a, b),
        (Bs(a), Bs(b)) => same_set(a, b),
        (Bool(a), Bool(b)) => a == b,
        (Null, Null) => true,
        _ => false,
    }
}

impl PartialEq for AttributeValue {
    fn eq(&self, other: &Self) -> bool {
        let mut pending: Vec<(&AttributeValue, &AttributeValue)> = Vec::new();
        let (mut a, mut b) = (self, other);
        loop {
            match (a, b) {
                (L(x), L(y)) => {
                    if x.len() != y.len() {
                        return false;
                    }
                    for (p, q) in x.iter().zip(y) {
                        if p.is_branch() || q.is_branch() {
                            pending.push((p, q));
                        } else if !leaf_eq_or_empty(p, q) {
                            return false;
                        }
                    }
                }
                (M(x), M(y)) => {
                    if x.len() != y.len() {
                        return false;
                    }
                    for ((ka, p), (kb, q)) in x.iter().zip(y) {
                        if ka != kb {
                            return false;
                        }
                        if p.is_branch() || q.is_branch() {
                            pending.push((p, q));
                        } else if !leaf_eq_or_empty(p, q) {
                            return false;
                        }
                    }
                }
                _ => {
                    if !leaf_eq(a, b) {
                        return false;
                    }
                }
            }
            match pending.pop() {
                Some((p, q)) => (a, b) = (p, q),
                None => return true,
            }
        }
    }
}

/// Compares two values neither of which is a non-empty list or map.
fn leaf_eq_or_empty(a: &AttributeValue, b: &AttributeValue) -> bool {
    match (a, b) {
        (L(_), L(_)) | (M(_), M(_)) => true, // both empty
        _ => leaf_eq(a, b),
    }
}

impl Eq for AttributeValue {}

/// A set's members hashed in an order that does not matter, as sets
/// compare: the sum of each member's own hash.
fn hash_set<T: Hash, H: Hasher>(members: &[T], state: &mut H) {
    let sum = members.iter().fold(0u64, |acc, m| {
        let mut h = DefaultHasher::new();
        m.hash(&mut h);
        acc.wrapping_add(h.finish())
    });
    state.write_usize(members.len());
    state.write_u64(sum);
}

/// Hashes consistently with equality: numbers by value (`1` and `1.0`
/// alike), sets whatever the order of their members.
impl Hash for AttributeValue {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut pending: Vec<&AttributeValue> = Vec::new();
        let mut v = self;
        loop {
            state.write_u8(v.value_type() as u8);
            match v {
                S(s) => s.hash(state),
                N(n) => n.hash(state),
                B(b) => b.hash(state),
                Ss(m) => hash_set(m, state),
                Ns(m) => hash_set(m, state),
                Bs(m) => hash_set(m, state),
                Bool(b) => b.hash(state),
                Null => {}
                L(l) => {
                    state.write_usize(l.len());
                    // Children are hashed in order after this value.
                    pending.extend(l.iter().rev());
                }
                M(m) => {
                    state.write_usize(m.len());
                    for k in m.keys() {
                        k.hash(state);
                    }
                    pending.extend(m.values().rev());
                }
            }
            match pending.pop() {
                Some(next) => v = next,
                None => return,
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Size

/// The bytes DynamoDB counts for a value that is not a list or map (and
/// for a list or map, its own three without its elements').
pub(super) fn leaf_size(v: &AttributeValue) -> usize {
    match v {
        S(s) => s.len(),
        N(n) => number_size(n),
        B(b) => b.len(),
        Ss(v) => v.iter().map(String::len).sum(),
        Ns(v) => v.iter().map(number_size).sum(),
        Bs(v) => v.iter().map(Vec::len).sum(),
        Bool(_) | Null => 1,
        L(_) | M(_) => 3,
    }
}

/// [`leaf_size`], at most: a number counts its text's length plus two
/// (its pairs of digits are at most its digits, which are at most its
/// characters), so no number is decomposed.
fn leaf_size_bound(v: &AttributeValue) -> usize {
    match v {
        N(n) => n.as_str().len() + 2,
        Ns(v) => v.iter().map(|n| n.as_str().len() + 2).sum(),
        other => leaf_size(other),
    }
}

/// [`AttributeValue::size`], without recursion.
pub(super) fn size(v: &AttributeValue) -> usize {
    size_by(v, leaf_size)
}

/// [`AttributeValue::size`] or more (see [`leaf_size_bound`]).
pub(super) fn size_bound(v: &AttributeValue) -> usize {
    size_by(v, leaf_size_bound)
}

/// The size of `v` with `leaf_size` counting each value's own bytes.
#[inline(always)]
fn size_by(v: &AttributeValue, leaf_size: fn(&AttributeValue) -> usize) -> usize {
    let mut total = 0usize;
    let mut pending: Vec<&AttributeValue> = Vec::new();
    let mut v = v;
    loop {
        total += leaf_size(v);
        match v {
            L(l) => {
                for child in l {
                    if child.is_branch() {
                        total += 1;
                        pending.push(child);
                    } else {
                        total += 1 + leaf_size(child);
                    }
                }
            }
            M(m) => {
                for (k, child) in m {
                    if child.is_branch() {
                        total += 1 + k.len();
                        pending.push(child);
                    } else {
                        total += 1 + k.len() + leaf_size(child);
                    }
                }
            }
            _ => {}
        }
        match pending.pop() {
            Some(next) => v = next,
            None => return total,
        }
    }
}

// ---------------------------------------------------------------------------
// Debug

/// Formats a value that is not a non-empty list or map.
fn fmt_leaf(v: &AttributeValue, f: &mut dyn fmt::Write, alternate: bool) -> fmt::Result {
    match v {
        S(s) => write!(f, "S({s:?})"),
        N(n) => write!(f, "N({n})"),
        B(b) => write!(f, "B({} bytes)", b.len()),
        // As `debug_tuple("Ss").field(v)` writes it.
        Ss(v) if alternate => {
            f.write_str("Ss(\n    ")?;
            write!(
                Indented {
                    f: &mut *f,
                    indent: 1
                },
                "{v:#?}"
            )?;
            f.write_str(",\n)")
        }
        Ss(v) => write!(f, "Ss({v:?})"),
        Ns(v) => {
            let texts: Vec<&str> = v.iter().map(Number::as_str).collect();
            if alternate {
                write!(f, "Ns({texts:#?})")
            } else {
                write!(f, "Ns({texts:?})")
            }
        }
        Bs(v) => write!(f, "Bs({} members)", v.len()),
        L(_) => f.write_str("L([])"),
        M(_) => f.write_str("M({})"),
        Bool(b) => write!(f, "Bool({b})"),
        Null => f.write_str("Null"),
    }
}

/// Writes through to a formatter, indenting every line after the first
/// (the way `{:#?}` indents nested entries).
struct Indented<'a> {
    f: &'a mut dyn fmt::Write,
    indent: usize,
}

impl fmt::Write for Indented<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut lines = s.split('\n');
        if let Some(first) = lines.next() {
            self.f.write_str(first)?;
        }
        for line in lines {
            self.f.write_char('\n')?;
            for _ in 0..self.indent {
                self.f.write_str("    ")?;
            }
            self.f.write_str(line)?;
        }
        Ok(())
    }
}

/// A list or map being formatted: the entries still to write and its level.
enum DebugFrame<'a> {
    L(slice::Iter<'a, AttributeValue>),
    M(std::collections::btree_map::Iter<'a, String, AttributeValue>),
}

/// The same text as `debug_list`/`debug_map` give (`L([S("a"), N(1)])`,
/// and the indented form for `{:#?}`), written without recursion.
impl fmt::Debug for AttributeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alternate = f.alternate();
        if !self.is_branch() {
            return fmt_leaf(self, f, alternate);
        }
        let mut stack: Vec<(DebugFrame<'_>, bool)> = Vec::new();
        open_debug(self, f, alternate, &mut stack)?;
        loop {
            let level = stack.len();
            let Some((frame, first)) = stack.last_mut() else {
                return Ok(());
            };
            let next = match frame {
                DebugFrame::L(it) => it.next().map(|v| (None, v)),
                DebugFrame::M(it) => it.next().map(|(k, v)| (Some(k), v)),
            };
            let Some((key, child)) = next else {
                let close = match frame {
                    DebugFrame::L(_) => "])",
                    DebugFrame::M(_) => "})",
                };
                stack.pop();
                if alternate {
                    indent(f, level - 1)?;
                }
                f.write_str(close)?;
                if alternate && !stack.is_empty() {
                    f.write_str(",\n")?;
                }
                continue;
            };
            if alternate {
                indent(f, level)?;
            } else if !mem::replace(first, false) {
                f.write_str(", ")?;
            }
            if let Some(k) = key {
                write!(f, "{k:?}: ")?;
            }
            if child.is_branch() {
                open_debug(child, f, alternate, &mut stack)?;
            } else {
                if alternate {
                    fmt_leaf(
                        child,
                        &mut Indented {
                            f: &mut *f,
                            indent: level,
                        },
                        true,
                    )?;
                    f.write_str(",\n")?;
                } else {
                    fmt_leaf(child, f, false)?;
                }
            }
        }
    }
}

fn indent(f: &mut fmt::Formatter<'_>, level: usize) -> fmt::Result {
    for _ in 0..level {
        f.write_str("    ")?;
    }
    Ok(())
}

/// Writes a non-empty list's or map's opening and pushes its frame.
fn open_debug<'a>(
    v: &'a AttributeValue,
    f: &mut fmt::Formatter<'_>,
    alternate: bool,
    stack: &mut Vec<(DebugFrame<'a>, bool)>,
) -> fmt::Result {
    let frame = match v {
        L(l) => {
            f.write_str("L([")?;
            DebugFrame::L(l.iter())
        }
        M(m) => {
            f.write_str("M({")?;
            DebugFrame::M(m.iter())
        }
        _ => unreachable!("only lists and maps are opened"),
    };
    if alternate {
        f.write_char('\n')?;
    }
    stack.push((frame, true));
    Ok(())
}
