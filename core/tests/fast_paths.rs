//! The fast paths of the read and write paths give what the slow paths
//! they stand in for give: a read of a model with migrations that notes
//! the version attribute while mapping (against `Migrations::upgrade` and
//! `from_item`), struct maps cloned from per-thread templates (against a
//! thread whose templates are all taken, where maps are built by sorting),
//! floats that skip the re-parse of ryu's text (against `Number::parse`),
//! key attributes checked while a stored item is decoded (a damaged item
//! is still `Error::Corrupt`), and a layered backend's `call` (against
//! its typed methods: both look at the request when polled).

use std::collections::BTreeMap;

use dynamodb_mapper::backend::{Backend, GetItem, Layered, PutItem, Query, Request, Scan};
use dynamodb_mapper::codec::{decode_item, encode_item};
use dynamodb_mapper::emulator::Emulator;
use dynamodb_mapper::expr::KeyCondition;
use dynamodb_mapper::layers::{Budget, Faults, Pacer};
use dynamodb_mapper::migration::Migrations;
use dynamodb_mapper::{
    AttributeValue, Error, Item, KeySchema, Model, Number, Repository, ScalarType, Table,
    TableDefinition, from_item, to_item, to_value,
};
use dynamodb_mapper_memory::MemoryBackend;
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------
// Reads of models with migrations (`Table::load`, the watched version)
// ---------------------------------------------------------------------

fn n(text: &str) -> AttributeValue {
    AttributeValue::N(Number::parse(text).unwrap())
}

/// Version 3; step 1 adds `b`, step 2 adds `c`.
fn three_steps() -> Migrations {
    Migrations::new(3)
        .step(1, |item: Item| {
            Ok::<_, std::convert::Infallible>(item.with("b", "from step 1"))
        })
        .step(2, |item: Item| {
            Ok::<_, std::convert::Infallible>(item.with("c", "from step 2"))
        })
}

#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "fast_plain", migrations = three_steps)]
struct Plain {
    #[model(hash_key)]
    id: String,
    b: Option<String>,
    c: Option<String>,
    nested: Option<BTreeMap<String, AttributeValue>>,
}

/// A model whose own field is the version attribute.
fn own_field_migrations() -> Migrations {
    Migrations::new(2).step(1, |item: Item| {
        Ok::<_, std::convert::Infallible>(item.with("b", "from step 1"))
    })
}

#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "fast_own", migrations = own_field_migrations)]
#[serde(deny_unknown_fields)]
struct OwnField {
    #[model(hash_key)]
    id: String,
    schema_version: u32,
    b: Option<String>,
}

/// The version in `rev`; step 1 removes `aaa_legacy` (sorted before every
/// other attribute: a strict model fails on it before it reaches `rev`).
fn rev_migrations() -> Migrations {
    Migrations::new(2)
        .attribute("rev")
        .step(1, |mut item: Item| {
            item.remove("aaa_legacy");
            item.remove("zzz_legacy");
            Ok::<_, std::convert::Infallible>(item.with("b", "from step 1"))
        })
}

#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "fast_rev", migrations = rev_migrations)]
#[serde(deny_unknown_fields)]
struct Strict {
    #[model(hash_key)]
    id: String,
    rev: u32,
    b: Option<String>,
    #[serde(default)]
    inner: BTreeMap<String, AttributeValue>,
}

#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "fast_flat", migrations = three_steps)]
struct Flat {
    #[model(hash_key)]
    id: String,
    #[serde(flatten)]
    rest: BTreeMap<String, AttributeValue>,
}

/// What the slow path makes of `item`: upgraded by the public
/// `Migrations::upgrade`, then mapped by `from_item` (`Err` for a
/// migration failure or a mapping error, told apart).
fn reference<T: Model + for<'de> Deserialize<'de>>(item: &Item) -> Result<T, String> {
    let m = T::migrations().expect("a model with migrations");
    let upgraded = m
        .upgrade(item.clone())
        .map_err(|e| format!("migration: {e}"))?;
    from_item(upgraded.unwrap_or_else(|| item.clone())).map_err(|e| format!("mapping: {e}"))
}

/// What a repository read makes of `item` (`Repository::load_item`, what
/// every read path does with the items it reads: a store would answer
/// with its numbers in canonical form, `3` for `3.0` or `03`).
fn loaded<T>(table: &Table<T>, item: Item) -> Result<T, String>
where
    T: Model + for<'de> Deserialize<'de> + Serialize + Send + Sync + 'static,
{
    match table.load_item(item) {
        Ok(t) => Ok(t.into_inner()),
        Err(Error::Migration { failure, .. }) => Err(format!("migration: {failure}")),
        Err(Error::ReadMapping { source, .. }) => Err(format!("mapping: {source}")),
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

/// Every item of `cases` reads as the slow path reads it; `expect` tells
/// which ones read (`true`) and which fail.
fn same_as_slow_path<T>(cases: Vec<(Item, bool)>)
where
    T: Model
        + for<'de> Deserialize<'de>
        + Serialize
        + Send
        + Sync
        + PartialEq
        + std::fmt::Debug
        + 'static,
{
    let table = Table::<T>::new(MemoryBackend::new());
    for (item, reads) in cases {
        let want = reference::<T>(&item);
        let got = loaded(&table, item.clone());
        // The repository's mapping errors say which item; the message of
        // the cause is the same.
        match (&want, &got) {
            (Ok(w), Ok(g)) => assert_eq!(w, g, "{item:?}"),
            (Err(w), Err(g)) => assert!(g.starts_with(w.split(':').next().unwrap()), "{w} / {g}"),
            _ => panic!("{item:?}: slow path {want:?}, read {got:?}"),
        }
        assert_eq!(got.is_ok(), reads, "{item:?}: {got:?}");
    }
}

#[test]
fn watched_version_reads_as_the_slow_path() {
    let nested_stamp = AttributeValue::M(BTreeMap::from([
        ("schema_version".to_owned(), n("3")),
        ("x".to_owned(), n("1")),
    ]));
    let base = || Item::new().with("id", "a");
    same_as_slow_path::<Plain>(vec![
        // Current: no step runs.
        (base().with("schema_version", 3), true),
        // Older: both steps run.
        (base().with("schema_version", 1), true),
        (base().with("schema_version", 2), true),
        // A map holding an attribute of the version's name is not the
        // item's version: the item is version 1.
        (base().with("nested", nested_stamp.clone()), true),
        (
            base()
                .with("nested", nested_stamp.clone())
                .with("schema_version", 1),
            true,
        ),
        // Equal as numbers, different text: "03" is version 3; "3.0" and
        // "3e0" are not version numbers; neither is a string.
        (base().with("schema_version", n("03")), true),
        (base().with("schema_version", n("3.0")), false),
        (base().with("schema_version", n("3e0")), false),
        (base().with("schema_version", "3"), false),
        (base().with("schema_version", n("4")), false),
        (base().with("schema_version", n("0")), false),
        // Mapping fails after the stamp, at the current version and below.
        (base().with("schema_version", 3).with("c", 5), false),
        (base().with("schema_version", 1).with("c", 5), true),
        (base().with("schema_version", 2).with("b", 5), false),
    ]);
}

#[test]
fn a_models_own_field_named_like_the_version_reads_as_the_slow_path() {
    let base = || Item::new().with("id", "a");
    same_as_slow_path::<OwnField>(vec![
        (base().with("schema_version", 2), true),
        (base().with("schema_version", 1), true),
        (base().with("schema_version", n("02")), true),
        (base().with("schema_version", n("2.0")), false),
        (base().with("schema_version", 2).with("extra", 1), false),
        (base(), true),
    ]);
}

#[test]
fn a_custom_version_attribute_on_a_strict_model_reads_as_the_slow_path() {
    let base = || Item::new().with("id", "a");
    let inner_rev = AttributeValue::M(BTreeMap::from([("rev".to_owned(), n("2"))]));
    same_as_slow_path::<Strict>(vec![
        (base().with("rev", 2), true),
        (base().with("rev", 1), true),
        // The strict model fails on `aaa_legacy` before it reaches the
        // version; an old item is upgraded (the step removes it) and reads.
        (base().with("rev", 1).with("aaa_legacy", 1), true),
        (base().with("rev", 1).with("zzz_legacy", 1), true),
        (base().with("rev", 2).with("aaa_legacy", 1), false),
        (base().with("rev", 2).with("zzz_legacy", 1), false),
        // Without its own `rev` the item is version 1, whatever a map in
        // it holds; `schema_version` is just an unknown attribute here.
        (base().with("inner", inner_rev.clone()), true),
        (base().with("rev", 2).with("inner", inner_rev), true),
        (base().with("rev", 2).with("schema_version", 2), false),
    ]);
}

#[test]
fn a_flattened_model_reads_as_the_slow_path() {
    let base = || Item::new().with("id", "a").with("x", 1);
    same_as_slow_path::<Flat>(vec![
        (base().with("schema_version", 3), true),
        (base().with("schema_version", 1), true),
        (base().with("schema_version", n("03")), true),
        (base(), true),
    ]);
}

// ---------------------------------------------------------------------
// Struct map templates (to_item)
// ---------------------------------------------------------------------

/// A struct with the given field names (any `&'static str`, leaked ones
/// included) and values, in this order: a hand-written `Serialize`.
struct Fields(Vec<(&'static str, i64)>);

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Fields", self.0.len())?;
        for (name, v) in &self.0 {
            st.serialize_field(name, v)?;
        }
        st.end()
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The map successive inserts build of these fields (the later of equal
/// names kept).
fn inserted(fields: &[(&'static str, i64)]) -> Item {
    let mut item = Item::new();
    for (k, v) in fields {
        item.insert((*k).to_owned(), AttributeValue::from(*v));
    }
    item
}

/// Takes every template of the running thread, with shapes no other
/// value has: from then on the thread builds struct maps by sorting.
fn use_up_templates() {
    for i in 0..80 {
        let fields: Vec<(&'static str, i64)> = (0..3)
            .map(|j| (leak(format!("filler_{i}_{j}")), j))
            .collect();
        assert_eq!(to_item(&Fields(fields.clone())).unwrap(), inserted(&fields));
    }
}

/// `to_item` of `value` on a thread with no template left (the slow path).
fn slow_to_item<T: Serialize + Sync>(value: &T) -> Result<Item, String> {
    std::thread::scope(|s| {
        s.spawn(|| {
            use_up_templates();
            to_item(value).map_err(|e| e.to_string())
        })
        .join()
        .unwrap()
    })
}

/// `to_item` of `value` here, three times (the template met, then used),
/// each the same as the slow path's.
fn same_to_item<T: Serialize + Sync>(value: &T) -> Result<Item, String> {
    let slow = slow_to_item(value);
    for _ in 0..3 {
        assert_eq!(to_item(value).map_err(|e| e.to_string()), slow);
    }
    slow
}

#[test]
fn hand_written_shapes_build_the_inserted_map() {
    let (a, b, c, d) = ("a", "b", "c", "d");
    // Other strings with the same text as `a`, `b`, `c`.
    let (a2, b2, c2) = (leak("a".into()), leak("b".into()), leak("c".into()));
    let shapes: Vec<Vec<(&'static str, i64)>> = vec![
        vec![(a, 1), (b, 2), (c, 3)],
        vec![(c, 3), (a, 1), (b, 2)],
        vec![(b, 20), (c, 30), (a, 10)],
        vec![(a, 1), (b, 2), (c, 3), (d, 4)],
        vec![(a, 1), (b, 2)],
        vec![(a2, 7), (b2, 8), (c2, 9)],
        vec![(c2, 9), (b2, 8), (a2, 7)],
        // The same names twice (no derive writes this): the later kept.
        vec![(a, 1), (b, 2), (a, 3)],
        vec![(a, 1), (a2, 2), (b, 3)],
        vec![(d, 1), (c, 2), (b, 3), (a, 4), (d, 5)],
        vec![("", 1), ("é", 2), ("Z", 3), ("z", 4), ("ab", 5), ("a", 6)],
    ];
    for _ in 0..3 {
        for fields in &shapes {
            let item = same_to_item(&Fields(fields.clone())).unwrap();
            assert_eq!(item, inserted(fields), "{fields:?}");
        }
    }
}

#[test]
fn more_shapes_than_a_thread_keeps_build_the_inserted_map() {
    let shapes: Vec<Vec<(&'static str, i64)>> = (0..200)
        .map(|i| {
            (0..(3 + i % 5))
                .map(|j| {
                    (
                        leak(format!("s{}_{j}", (i * 7919) % 1000)),
                        i as i64 + j as i64,
                    )
                })
                .collect()
        })
        .collect();
    for _ in 0..2 {
        for fields in &shapes {
            assert_eq!(to_item(&Fields(fields.clone())).unwrap(), inserted(fields));
        }
    }
}

fn is_blank(s: &str) -> bool {
    s.is_empty()
}

fn doubled<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(v * 2)
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Address {
    street: String,
    zip: String,
    city: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Extra {
    colour: String,
    size: u8,
    weight: f64,
}

#[derive(Serialize, Clone, Debug)]
enum Event {
    Moved {
        from: String,
        to: String,
        at: u64,
    },
    Stayed {
        at: u64,
        note: Option<String>,
        why: String,
    },
}

#[derive(Serialize, Clone, Debug)]
struct Rich {
    id: String,
    #[serde(rename = "Name")]
    name: String,
    #[serde(skip_serializing_if = "is_blank")]
    nickname: String,
    #[serde(serialize_with = "doubled")]
    score: i64,
    maybe: Option<u32>,
    address: Address,
    addresses: Vec<Address>,
    #[serde(flatten)]
    extra: Extra,
    events: Vec<Event>,
    #[serde(skip)]
    _hidden: u8,
}

/// Two types with the same field names, in other orders.
#[derive(Serialize, Clone, Debug)]
struct Abc {
    a: u8,
    b: u8,
    c: u8,
}

#[derive(Serialize, Clone, Debug)]
struct Cba {
    c: String,
    b: String,
    a: String,
}

#[derive(Serialize, Clone, Debug)]
struct Generic<T> {
    first: T,
    second: T,
    third: Option<T>,
}

#[test]
fn derived_shapes_build_what_the_slow_path_builds() {
    let address = |street: &str, city: Option<&str>| Address {
        street: street.into(),
        zip: "75001".into(),
        city: city.map(Into::into),
    };
    let rich = |nick: &str, maybe: Option<u32>, events: Vec<Event>| Rich {
        id: "r1".into(),
        name: "Ada".into(),
        nickname: nick.into(),
        score: 21,
        maybe,
        address: address("rue A", None),
        addresses: vec![address("rue B", Some("Paris")), address("rue C", None)],
        extra: Extra {
            colour: "red".into(),
            size: 3,
            weight: 1.5,
        },
        events,
        _hidden: 9,
    };
    let moved = Event::Moved {
        from: "a".into(),
        to: "b".into(),
        at: 3,
    };
    let stayed = |note: Option<&str>| Event::Stayed {
        at: 4,
        note: note.map(Into::into),
        why: "rain".into(),
    };
    let values = vec![
        rich("", None, vec![]),
        rich("Countess", Some(7), vec![moved.clone(), stayed(None)]),
        rich("", Some(0), vec![stayed(Some("x")), moved.clone()]),
        rich("Countess", None, vec![stayed(None), stayed(Some("y"))]),
    ];
    for _ in 0..2 {
        for v in &values {
            let item = same_to_item(v).unwrap();
            assert_eq!(item["Name"], AttributeValue::from("Ada"));
            assert_eq!(item["score"], AttributeValue::from(42));
            assert_eq!(item.contains_key("nickname"), !v.nickname.is_empty());
            assert_eq!(item.contains_key("maybe"), v.maybe.is_some());
            assert!(item.contains_key("colour") && !item.contains_key("extra"));
            assert!(!item.contains_key("_hidden") && !item.contains_key("name"));
        }
    }
    let abc = Abc { a: 1, b: 2, c: 3 };
    let cba = Cba {
        c: "3".into(),
        b: "2".into(),
        a: "1".into(),
    };
    for _ in 0..2 {
        let i = same_to_item(&abc).unwrap();
        assert_eq!(i["a"], AttributeValue::from(1));
        assert_eq!(i["c"], AttributeValue::from(3));
        let i = same_to_item(&cba).unwrap();
        assert_eq!(i["a"], AttributeValue::from("1"));
        assert_eq!(i["c"], AttributeValue::from("3"));
        let g = Generic {
            first: 1u8,
            second: 2,
            third: Some(3),
        };
        let i = same_to_item(&g).unwrap();
        assert_eq!(i["third"], AttributeValue::from(3));
        let g = Generic {
            first: "x".to_owned(),
            second: "y".to_owned(),
            third: None,
        };
        let i = same_to_item(&g).unwrap();
        assert_eq!(i.len(), 2);
        assert_eq!(i["second"], AttributeValue::from("y"));
    }
}

// ---------------------------------------------------------------------
// Floats and wide integers (to_value)
// ---------------------------------------------------------------------

/// What `to_value` of a float must be: ryu's text, parsed and validated
/// (the slow path), or refused.
fn float_reference(text: &str) -> Option<String> {
    Number::parse(text).ok().map(|n| n.as_str().to_owned())
}

fn number_of<T: Serialize>(v: &T) -> Option<String> {
    match to_value(v) {
        Ok(AttributeValue::N(ref n)) => Some(n.as_str().to_owned()),
        Ok(other) => panic!("a number became {other:?}"),
        Err(_) => None,
    }
}

#[test]
fn floats_at_the_edges_of_the_range_are_what_parsing_gives() {
    let next_up = |v: f64| f64::from_bits(v.to_bits() + 1);
    let next_down = |v: f64| f64::from_bits(v.to_bits() - 1);
    let mut values = vec![
        0.0,
        1e124,
        next_up(1e124),
        next_down(1e124),
        next_down(1e125),
        1e125,
        next_up(1e125),
        9.99e125,
        next_down(1e126),
        1e126,
        1e-129,
        next_up(1e-129),
        next_down(1e-129),
        1e-130,
        next_up(1e-130),
        next_down(1e-130),
        1.5e-130,
        9.9e-131,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        0.1,
        1e16,
        123_456_789.125,
    ];
    values.extend(values.clone().iter().map(|v| -v));
    for v in values {
        let text = ryu::Buffer::new().format_finite(v).to_owned();
        assert_eq!(number_of(&v), float_reference(&text), "{v:e}");
    }
    // Accepted at the limits, refused past them.
    assert!(number_of(&1e125).is_some());
    assert!(number_of(&1e-130).is_some());
    assert!(number_of(&1e126).is_none());
    assert!(number_of(&5e-324).is_none());
    assert_eq!(number_of(&-0.0f64).as_deref(), Some("-0.0"));
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -f64::NAN] {
        assert_eq!(number_of(&v), None, "{v}");
    }
    for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert_eq!(number_of(&v), None, "{v}");
    }
    let f32s = [
        0.0f32,
        -0.0,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
        -f32::from_bits(1),
        1.1,
        3.4e38,
        1e-45,
    ];
    for v in f32s {
        let text = ryu::Buffer::new().format_finite(v).to_owned();
        assert_eq!(number_of(&v), float_reference(&text), "{v:e}");
    }
}

#[test]
fn wide_integers_keep_to_38_digits() {
    let max38: u128 = 99_999_999_999_999_999_999_999_999_999_999_999_999;
    assert_eq!(number_of(&max38), Some(max38.to_string()));
    // Trailing zeros are not significant digits.
    assert_eq!(number_of(&(max38 + 1)), Some((max38 + 1).to_string()));
    assert_eq!(number_of(&(max38 + 2)), None);
    assert_eq!(number_of(&u128::MAX), None);
    assert_eq!(number_of(&(max38 as i128)), Some(max38.to_string()));
    assert_eq!(number_of(&-(max38 as i128)), Some(format!("-{max38}")));
    assert_eq!(number_of(&i128::MIN), None);
    assert_eq!(number_of(&i128::MAX), None);
    assert_eq!(number_of(&0u128), Some("0".into()));
    assert_eq!(number_of(&u64::MAX), Some(u64::MAX.to_string()));
    assert_eq!(number_of(&i64::MIN), Some(i64::MIN.to_string()));
}

// ---------------------------------------------------------------------
// Key attributes checked while decoding (the emulator)
// ---------------------------------------------------------------------

#[path = "support/map_storage.rs"]
mod map_storage;
use map_storage::MapStorage;

/// A store with one item, whose stored bytes are then replaced by those
/// of `stored`: every read of the item is `Error::Corrupt` naming
/// `missing` (the key attribute and its type), or reads `stored` if
/// `missing` is `None`.
fn reads_of_a_replaced_item(schema: KeySchema, stored: Item, missing: Option<&str>) {
    let engine = Emulator::open(MapStorage::default()).unwrap();
    engine
        .create_table(TableDefinition::new("ttt", schema.clone()))
        .unwrap();
    let key = Item::new().with("pk", "a");
    let key = if schema.range.is_some() {
        key.with("sk", 1)
    } else {
        key
    };
    let original = key.clone().with("x", "y");
    engine
        .put_item(PutItem::new("ttt", original.clone()))
        .unwrap();
    {
        let mut map = engine.storage().0.write().unwrap();
        let slot = map
            .iter_mut()
            .find(|(_, v)| decode_item(v).ok().as_ref() == Some(&original))
            .expect("the item's bytes")
            .1;
        *slot = encode_item(&stored);
    }
    let check = |what: &str, r: Result<Vec<Item>, Error>| match (missing, r) {
        (Some(says), Err(Error::Corrupt { message })) => {
            assert!(
                message.contains("has no key attribute") && message.contains(says),
                "{what}: {message}"
            );
        }
        (None, Ok(items)) => assert_eq!(items, vec![stored.clone()], "{what}"),
        (m, r) => panic!("{what} of {stored:?}: expected {m:?}, got {r:?}"),
    };
    check(
        "get",
        engine
            .get_item(GetItem::new("ttt", key.clone()))
            .map(|o| o.item.into_iter().collect()),
    );
    check(
        "consistent get",
        engine
            .get_item(GetItem::new("ttt", key.clone()).consistent(true))
            .map(|o| o.item.into_iter().collect()),
    );
    check("scan", engine.scan(Scan::new("ttt")).map(|p| p.items));
    check(
        "query",
        engine
            .query(Query::new("ttt", &KeyCondition::hash("pk", "a")))
            .map(|p| p.items),
    );
    check("all_items", engine.all_items("ttt"));
}

#[test]
fn stored_items_missing_a_key_attribute_are_corrupt() {
    let both = || KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N);
    let hash = || KeySchema::hash("pk", ScalarType::S);
    let cases: Vec<(KeySchema, Item, Option<&str>)> = vec![
        (both(), Item::new().with("pk", "a").with("sk", 1), None),
        (
            both(),
            Item::new().with("sk", 1).with("x", "y"),
            Some("`pk` of type S"),
        ),
        (both(), Item::new().with("pk", "a"), Some("`sk` of type N")),
        (
            both(),
            Item::new().with("pk", 1).with("sk", 1),
            Some("`pk` of type S"),
        ),
        (
            both(),
            Item::new().with("pk", "a").with("sk", "1"),
            Some("`sk` of type N"),
        ),
        (
            both(),
            Item::new()
                .with("pk", AttributeValue::Ss(vec!["a".into()]))
                .with("sk", 1),
            Some("`pk` of type S"),
        ),
        (
            both(),
            Item::new()
                .with("pk", "a")
                .with("sk", AttributeValue::Ns(vec![Number::from(1)])),
            Some("`sk` of type N"),
        ),
        (
            both(),
            Item::new().with("PK", "a").with("sk", 1),
            Some("`pk` of type S"),
        ),
        (
            both(),
            Item::new().with("pk ", "a").with("sk", 1),
            Some("`pk` of type S"),
        ),
        (both(), Item::new(), Some("`pk` of type S")),
        (hash(), Item::new().with("pk", "a"), None),
        (
            hash(),
            Item::new().with("pk", "a").with("sk", "anything"),
            None,
        ),
        (hash(), Item::new().with("x", "a"), Some("`pk` of type S")),
        (
            hash(),
            Item::new().with("pk", AttributeValue::Null),
            Some("`pk` of type S"),
        ),
        (
            hash(),
            Item::new().with(
                "pk",
                AttributeValue::M(BTreeMap::from([("pk".into(), "a".into())])),
            ),
            Some("`pk` of type S"),
        ),
    ];
    for (schema, stored, missing) in cases {
        reads_of_a_replaced_item(schema, stored, missing);
    }
}
// ---------------------------------------------------------------------
// Layered::call
// ---------------------------------------------------------------------

fn put(table: &str, id: &str) -> PutItem {
    PutItem::new(table, Item::new().with("id", id))
}

async fn paced_table(store: &dyn Backend) {
    store
        .create_table(
            TableDefinition::new("paced", KeySchema::hash("id", ScalarType::S))
                .with_throughput(1000, 1000),
        )
        .await
        .unwrap();
}

/// A budget charges the requests polled in its scope, whichever way they
/// are sent: a typed method, or `call`, the future made before the scope.
/// Found that `Layered::call` asked `passes()` when called (commit
/// bf475a5), so a `call` future made outside a budget's scope and polled
/// in it went by the pacer unpaced and uncharged (`consumed()` 0).
#[tokio::test]
async fn a_budget_charges_a_call_polled_in_its_scope() {
    let store = Layered::new(Pacer::new(), MemoryBackend::new());
    paced_table(&store).await;
    let typed = Budget::new(0.5);
    let fut = store.put_item(put("paced", "k1"));
    typed.scope(fut).await.unwrap();
    assert_eq!(typed.consumed(), 1.0, "typed method");

    let called = Budget::new(0.5);
    let fut = store.call(Request::PutItem(put("paced", "k2")));
    called.scope(fut).await.unwrap();
    assert_eq!(called.consumed(), 1.0, "Backend::call");

    // Through `Arc<dyn Backend>` (delegate_backend!), and on a memory
    // backend's own pacer.
    let shared: std::sync::Arc<dyn Backend> = std::sync::Arc::new(store);
    let through = Budget::new(0.5);
    let fut = shared.call(Request::PutItem(put("paced", "k3")));
    through.scope(fut).await.unwrap();
    assert_eq!(through.consumed(), 1.0, "Arc<dyn Backend>::call");
    let memory = MemoryBackend::new();
    paced_table(&memory).await;
    let own = Budget::new(0.5);
    let fut = memory.call(Request::PutItem(put("paced", "k4")));
    own.scope(fut).await.unwrap();
    assert_eq!(own.consumed(), 1.0, "MemoryBackend::call");
}

/// A fault set after a call's future is made and before it is polled
/// applies to it, as it does to a typed method's. Found that the `call`
/// future of a `Faults` layer not yet armed when it was made skipped the
/// layer (the write was applied, not throttled).
#[tokio::test]
async fn a_fault_set_before_the_poll_applies() {
    let faults = Faults::new();
    let store = Layered::new(faults.clone(), MemoryBackend::new());
    paced_table(&store).await;
    let fut = store.put_item(put("paced", "k1"));
    faults.throttle_next(1);
    assert!(
        matches!(fut.await, Err(Error::Throttled { .. })),
        "typed method"
    );

    let faults = Faults::new();
    let store = Layered::new(faults.clone(), MemoryBackend::new());
    paced_table(&store).await;
    let fut = store.call(Request::PutItem(put("paced", "k2")));
    faults.throttle_next(1);
    let r = fut.await;
    assert!(
        matches!(r, Err(Error::Throttled { .. })),
        "Backend::call: {r:?}"
    );
}

/// The memory backend answers a request in place when no layer of its own
/// has work for it (`emulator_backend!`), and asks when the future is
/// polled: a budget's scope or a fault that comes between the call and
/// the poll still applies, to reads and writes alike, to the typed
/// methods and `call` alike.
#[tokio::test]
async fn the_memory_backend_asks_its_own_layers_when_polled() {
    let memory = MemoryBackend::new();
    paced_table(&memory).await;
    memory.put_item(put("paced", "k0")).await.unwrap();
    let key = || Item::new().with("id", "k0");

    let budget = Budget::new(1.0);
    let fut = memory.get_item(GetItem::new("paced", key()));
    assert!(budget.scope(fut).await.unwrap().item.is_some());
    assert!(budget.consumed() > 0.0, "get_item");
    let budget = Budget::new(1.0);
    let fut = memory.query(Query::new("paced", &KeyCondition::hash("id", "k0")));
    assert_eq!(budget.scope(fut).await.unwrap().items.len(), 1);
    assert!(budget.consumed() > 0.0, "query");
    let budget = Budget::new(1.0);
    let fut = memory.scan(Scan::new("paced"));
    assert_eq!(budget.scope(fut).await.unwrap().items.len(), 1);
    assert!(budget.consumed() > 0.0, "scan");
    let budget = Budget::new(1.0);
    let fut = memory.call(Request::GetItem(GetItem::new("paced", key())));
    budget.scope(fut).await.unwrap();
    assert!(budget.consumed() > 0.0, "call");

    let fut = memory.get_item(GetItem::new("paced", key()));
    memory.throttle_next(1);
    assert!(
        matches!(fut.await, Err(Error::Throttled { .. })),
        "get_item"
    );
    let fut = memory.put_item(put("paced", "k1"));
    memory.throttle_next(1);
    assert!(
        matches!(fut.await, Err(Error::Throttled { .. })),
        "put_item"
    );
    let got = memory
        .get_item(GetItem::new("paced", Item::new().with("id", "k1")))
        .await
        .unwrap();
    assert!(got.item.is_none(), "a throttled put wrote nothing");
    // With nothing set, the same calls are answered (in place).
    memory.put_item(put("paced", "k1")).await.unwrap();
    let got = memory
        .get_item(GetItem::new("paced", Item::new().with("id", "k1")))
        .await
        .unwrap();
    assert!(got.item.is_some());
}
