//! Projections: the part of an item a `ProjectionExpression` selects.

use std::collections::BTreeMap;

use super::{Path, PathElement};
use crate::value::{AttributeValue, Item};

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
/// (To project many items, build a [`Projector`] once.)
pub fn project(item: &Item, paths: &[Path]) -> Item {
    Projector::new(paths).apply(item)
}

/// A projection made ready to apply: the paths merged into one tree once,
/// so that each item projected walks only what it selects.
pub struct Projector {
    root: BTreeMap<String, Selection>,
}

impl Projector {
    /// The projection of these paths.
    pub fn new(paths: &[Path]) -> Self {
        let mut root: BTreeMap<String, Selection> = BTreeMap::new();
        for p in paths {
            root.entry(p.head().to_owned())
                .or_insert_with(|| Selection::Keys(BTreeMap::new()))
                .add(&p.elements()[1..]);
        }
        Projector { root }
    }

    /// The part of `item` the projection selects (see [`project`]).
    pub fn apply(&self, item: &Item) -> Item {
        // Walk the smaller side: a projection of a thousand names over
        // items of two attributes looks up two.
        let pick =
            |k: &String, sel: &Selection, v: &AttributeValue| sel.apply(v).map(|v| (k.clone(), v));
        Item(if item.len() < self.root.len() {
            item.iter()
                .filter_map(|(k, v)| self.root.get(k).and_then(|sel| pick(k, sel, v)))
                .collect()
        } else {
            self.root
                .iter()
                .filter_map(|(k, sel)| item.get(k).and_then(|v| pick(k, sel, v)))
                .collect()
        })
    }
}

impl std::fmt::Debug for Projector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Projector")
            .field("attributes", &self.root.keys().collect::<Vec<_>>())
            .finish()
    }
}
