//! Which attribute names an untyped expression uses that a model does not
//! know.

use std::any::TypeId;
use std::collections::{BTreeSet, HashMap};
use std::sync::{OnceLock, PoisonError, RwLock};

use crate::error::Error;
use crate::expr::{
    Condition, KeyCondition, Operand, Path, Projection, SetOperand, SetValue, Update,
};
use crate::model::Model;

/// An expression (or a part of one) that names attributes: its paths'
/// top-level attribute names can be listed.
pub trait NamedAttributes {
    /// Calls `f` with the top-level attribute of every path, in order
    /// (a name used twice is given twice).
    fn for_each_attribute<'a>(&'a self, f: &mut dyn FnMut(&'a str));
}

impl NamedAttributes for Path {
    fn for_each_attribute<'a>(&'a self, f: &mut dyn FnMut(&'a str)) {
        f(self.head());
    }
}

/// The name an operand reads, if any (a `size` nests one operand: no
/// stack is needed to reach its path).
fn operand_attribute(mut operand: &Operand) -> Option<&str> {
    loop {
        match operand {
            Operand::Path(p) => return Some(p.head()),
            Operand::Value(_) => return None,
            Operand::Size(inner) => operand = inner,
        }
    }
}

impl NamedAttributes for Condition {
    fn for_each_attribute<'a>(&'a self, f: &mut dyn FnMut(&'a str)) {
        fn operand<'a>(o: &'a Operand, f: &mut dyn FnMut(&'a str)) {
            if let Some(name) = operand_attribute(o) {
                f(name);
            }
        }
        // The right sides of the `AND`s and `OR`s still to visit, kept on
        // a stack so that no nesting depth makes the walk recurse (and a
        // condition without them allocates nothing); names come out in
        // reading order.
        let mut later: Vec<&'a Condition> = Vec::new();
        let mut next = Some(self);
        while let Some(condition) = next.take().or_else(|| later.pop()) {
            match condition {
                Condition::Compare { left, right, .. } => {
                    operand(left, f);
                    operand(right, f);
                }
                Condition::Between { value, low, high } => {
                    operand(value, f);
                    operand(low, f);
                    operand(high, f);
                }
                Condition::In { value, list } => {
                    operand(value, f);
                    list.iter().for_each(|o| operand(o, f));
                }
                Condition::AttributeExists(p) | Condition::AttributeNotExists(p) => f(p.head()),
                Condition::AttributeType(p, o)
                | Condition::BeginsWith(p, o)
                | Condition::Contains(p, o) => {
                    f(p.head());
                    operand(o, f);
                }
                Condition::And(a, b) | Condition::Or(a, b) => {
                    later.push(b);
                    next = Some(a);
                }
                Condition::Not(c) => next = Some(c),
            }
        }
    }
}

impl NamedAttributes for SetOperand {
    fn for_each_attribute<'a>(&'a self, f: &mut dyn FnMut(&'a str)) {
        let mut stack = vec![self];
        while let Some(operand) = stack.pop() {
            match operand {
                SetOperand::Path(p) => f(p.head()),
                SetOperand::Value(_) => {}
                SetOperand::IfNotExists(p, default) => {
                    f(p.head());
                    stack.push(default);
                }
                SetOperand::ListAppend(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
            }
        }
    }
}

impl NamedAttributes for SetValue {
    fn for_each_attribute<'a>(&'a self, f: &mut dyn FnMut(&'a str)) {
        match self {
            SetValue::Operand(o) => o.for_each_attribute(f),
            SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
                a.for_each_attribute(f);
                b.for_each_attribute(f);
            }
        }
    }
}

impl NamedAttributes for Update {
    fn for_each_attribute<'a>(&'a self, f: &mut dyn FnMut(&'a str)) {
        for (path, value) in &self.set {
            f(path.head());
            value.for_each_attribute(f);
        }
        for path in self.target_paths().skip(self.set.len()) {
            f(path.head());
        }
    }
}

impl NamedAttributes for Projection {
    fn for_each_attribute<'a>(&'a self, f: &mut dyn FnMut(&'a str)) {
        self.0.iter().for_each(|p| f(p.head()));
    }
}

impl NamedAttributes for KeyCondition {
    fn for_each_attribute<'a>(&'a self, f: &mut dyn FnMut(&'a str)) {
        f(&self.hash.0);
        if let Some((name, _)) = &self.range {
            f(name);
        }
    }
}

impl<T: NamedAttributes> NamedAttributes for Option<T> {
    fn for_each_attribute<'a>(&'a self, f: &mut dyn FnMut(&'a str)) {
        if let Some(v) = self {
            v.for_each_attribute(f);
        }
    }
}

impl<T: NamedAttributes> NamedAttributes for [T] {
    fn for_each_attribute<'a>(&'a self, f: &mut dyn FnMut(&'a str)) {
        self.iter().for_each(|v| v.for_each_attribute(f));
    }
}

impl<T: NamedAttributes> NamedAttributes for Vec<T> {
    fn for_each_attribute<'a>(&'a self, f: &mut dyn FnMut(&'a str)) {
        self.as_slice().for_each_attribute(f);
    }
}

impl<T: NamedAttributes + ?Sized> NamedAttributes for &T {
    fn for_each_attribute<'a>(&'a self, f: &mut dyn FnMut(&'a str)) {
        (**self).for_each_attribute(f);
    }
}

macro_rules! tuples {
    ($(($($n:tt $t:ident),*)),*) => {$(
        impl<$($t: NamedAttributes),*> NamedAttributes for ($($t,)*) {
            fn for_each_attribute<'a>(&'a self, f: &mut dyn FnMut(&'a str)) {
                $(self.$n.for_each_attribute(f);)*
            }
        }
    )*};
}
tuples!((0 A, 1 B), (0 A, 1 B, 2 C), (0 A, 1 B, 2 C, 3 D));

/// Every top-level attribute name model `M` knows: its fields'
/// attributes (the version and TTL attributes among them), its key, its
/// indexes' keys and its migrations' schema version attribute.
pub fn model_attributes<M: Model>() -> BTreeSet<&'static str> {
    known_attributes::<M>().clone()
}

/// [`model_attributes`] of `M`, built once per model type: every check of
/// an expression reads it.
fn known_attributes<M: Model>() -> &'static BTreeSet<&'static str> {
    type Known = &'static BTreeSet<&'static str>;
    type Cache = RwLock<HashMap<TypeId, Known>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    thread_local! {
        // The model this thread asked for last: a run of checks of one
        // model (a transaction's actions, a page of writes) takes no lock.
        static LAST: std::cell::Cell<Option<(TypeId, Known)>> = const { std::cell::Cell::new(None) };
    }
    let id = TypeId::of::<M>();
    if let Some((last, known)) = LAST.with(std::cell::Cell::get)
        && last == id
    {
        return known;
    }
    let known = shared_known_attributes::<M>(CACHE.get_or_init(Cache::default), id);
    LAST.with(|l| l.set(Some((id, known))));
    known
}

fn shared_known_attributes<M: Model>(
    cache: &'static RwLock<HashMap<TypeId, &'static BTreeSet<&'static str>>>,
    id: TypeId,
) -> &'static BTreeSet<&'static str> {
    if let Some(known) = cache
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&id)
    {
        return known;
    }
    // One set per model type (schemas are static too): a bounded leak.
    let mut cache = cache.write().unwrap_or_else(PoisonError::into_inner);
    cache
        .entry(id)
        .or_insert_with(|| Box::leak(Box::new(build_model_attributes::<M>())))
}

fn build_model_attributes<M: Model>() -> BTreeSet<&'static str> {
    let schema = M::schema();
    let table = &schema.table;
    let mut names: BTreeSet<&'static str> = schema.attributes.iter().map(String::as_str).collect();
    names.extend(table.key.names());
    names.extend(table.indexes.iter().flat_map(|i| i.key.names()));
    names.extend(table.ttl_attribute.as_deref());
    names.extend(schema.version_attribute.as_deref());
    names.extend(M::migrations().map(|m| m.version_attribute()));
    names
}

/// The top-level attribute names that `expression` uses and model `M`
/// does not know (see [`model_attributes`]), each once, in the order they
/// first appear; empty when every name is known, and always empty for a
/// model with a field flattened by serde (its items may hold any
/// attribute: see [`ModelSchema::flattened`](crate::ModelSchema::flattened)).
///
/// `expression` is an [`Update`], a [`Condition`], a [`Projection`], a
/// [`KeyCondition`], a [`Path`], or an `Option`, slice, `Vec` or tuple of
/// them: `unknown_attributes::<Order>(&(&update, &condition))`.
///
/// ```
/// use dynamodb_mapper::expr::{attr, Update};
/// use dynamodb_mapper::fields::unknown_attributes;
/// use dynamodb_mapper::Model;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Model, Serialize, Deserialize)]
/// #[model(table = "orders")]
/// struct Order {
///     #[model(hash_key)]
///     id: String,
///     status: String,
///     total_cents: i64,
///     #[model(version)]
///     version: u64,
/// }
///
/// let update = Update::new().set(attr("stauts"), "paid").set(attr("version"), 2);
/// let filter = attr("totl_cents").gt(100).and(attr("status").eq("paid"));
/// assert_eq!(unknown_attributes::<Order>(&(&update, &filter)), ["stauts", "totl_cents"]);
///
/// let fine = Update::new().set(attr("status"), "paid").remove(attr("total_cents"));
/// assert!(unknown_attributes::<Order>(&fine).is_empty());
/// ```
pub fn unknown_attributes<M: Model>(expression: &(impl NamedAttributes + ?Sized)) -> Vec<String> {
    if M::schema().flattened {
        return Vec::new();
    }
    let known = known_attributes::<M>();
    let mut unknown: Vec<String> = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    expression.for_each_attribute(&mut |name| {
        if !known.contains(name) && seen.insert(name) {
            unknown.push(name.to_owned());
        }
    });
    unknown
}

/// [`Error::UnknownAttributes`] for the names of `expression` that model
/// `M` does not know (see [`unknown_attributes`]), used in `what` (`"the
/// update"`, `"the filter"`) on `table`; `Ok` when every name is known.
/// What the repository and the transaction builder check the expressions
/// they are given with, unless the table allows unknown attributes.
pub fn refuse_unknown_attributes<M: Model>(
    table: &str,
    what: &str,
    expression: &(impl NamedAttributes + ?Sized),
) -> Result<(), Error> {
    let names = unknown_attributes::<M>(expression);
    if names.is_empty() {
        return Ok(());
    }
    let known = known_attributes::<M>();
    let suggestions = names.iter().map(|n| closest(n, known)).collect();
    Err(Error::UnknownAttributes {
        table: table.to_owned(),
        model: crate::transaction::model_name::<M>().to_owned(),
        context: what.to_owned(),
        names,
        suggestions,
    })
}

/// The known name closest to `name` by edit distance, if it is close
/// (at most a third of the name's length, and at least one edit).
fn closest(name: &str, known: &BTreeSet<&'static str>) -> Option<String> {
    // Names longer than any sensible attribute name are not compared:
    // the distance takes time in the product of the lengths.
    const LONGEST: usize = 64;
    let chars: Vec<char> = name.chars().take(LONGEST + 1).collect();
    if chars.len() > LONGEST {
        return None;
    }
    let bound = (chars.len() / 3).max(1);
    known
        .iter()
        .filter(|k| k.chars().count() <= LONGEST)
        .map(|k| (edit_distance(&chars, k), *k))
        .filter(|(d, _)| *d <= bound)
        .min()
        .map(|(_, k)| k.to_owned())
}

/// Levenshtein distance, with adjacent transpositions counted as one edit.
fn edit_distance(a: &[char], b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut d = (previous[j] + cost)
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
            if i > 0 && j > 0 && *ca == b[j - 1] && a[i - 1] == *cb {
                d = d.min(before[j - 1] + 1);
            }
            current[j + 1] = d;
        }
        before = std::mem::replace(&mut previous, current);
    }
    previous[b.len()]
}
