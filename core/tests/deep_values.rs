//! Values far deeper than DynamoDB's 32 levels, which a caller can build:
//! every walk over them (drop, clone, equality, hashing, size, debug, the
//! binary codec, the serde mapping in both directions, JSON) either works
//! or refuses with an error; none overflows the stack. Each case runs on a
//! thread with a 2 MB stack, in the build the tests run in (debug).

use std::collections::BTreeMap;
use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};

use dynamodb_mapper::codec::{decode_item, encode_item, encoded_item_size};
use dynamodb_mapper::{
    AttributeValue, Error, Item, MAX_NESTING_DEPTH, Number, from_item, from_value, to_item,
    to_value,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

const DEEP: usize = 100_000;

/// Runs `f` on a thread with a 2 MB stack and returns what it returns.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn a thread")
        .join()
        .expect("the thread did not panic")
}

fn deep_list(depth: usize) -> AttributeValue {
    let mut v = AttributeValue::S("bottom".into());
    for _ in 0..depth {
        v = AttributeValue::L(vec![v]);
    }
    v
}

fn deep_map(depth: usize) -> AttributeValue {
    let mut v = AttributeValue::N(Number::from(7));
    for _ in 0..depth {
        v = AttributeValue::M(BTreeMap::from([("k".to_owned(), v)]));
    }
    v
}

/// A value alternating lists and maps, with siblings at every level.
fn deep_mixed(depth: usize) -> AttributeValue {
    let mut v = AttributeValue::Null;
    for i in 0..depth {
        v = if i % 2 == 0 {
            AttributeValue::L(vec![
                AttributeValue::Bool(true),
                v,
                AttributeValue::L(vec![]),
            ])
        } else {
            AttributeValue::M(BTreeMap::from([
                ("a".to_owned(), AttributeValue::S("x".into())),
                ("b".to_owned(), v),
            ]))
        };
    }
    v
}

fn hash_of<T: Hash>(v: &T) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

fn mapping_error(e: Error) -> (String, String) {
    match e {
        Error::Mapping(m) => (m.path(), m.message().to_owned()),
        other => panic!("expected a mapping error, got {other:?}"),
    }
}

#[test]
fn deep_values_drop_clone_compare_hash_and_size_on_a_small_stack() {
    on_small_stack(|| {
        for make in [deep_list, deep_map, deep_mixed] {
            let v = make(DEEP);
            let copy = v.clone();
            assert!(copy == v);
            assert_eq!(hash_of(&copy), hash_of(&v));
            let other = make(DEEP - 1);
            assert!(other != v);
            assert!(v.size() > DEEP * 4);
            assert_eq!(copy.size(), v.size());
            assert!(v.check().is_err());
            drop(copy);
            drop(other);
            // An item holding it drops too.
            let item = Item::new().with("a", v);
            assert!(item.check().is_err());
            assert!(item.clone() == item);
            assert!(item.size() > DEEP * 4);
            drop(item);
        }
    });
}

#[test]
fn deep_values_format_on_a_small_stack() {
    on_small_stack(|| {
        let text = format!("{:?}", deep_list(DEEP));
        assert_eq!(text.len(), DEEP * "L([])".len() + r#"S("bottom")"#.len());
        assert!(text.starts_with("L([L([L(["));
        assert!(text.contains(r#"L([L([S("bottom")])])])"#));
        assert!(text.ends_with("])])])"));
        let text = format!("{:?}", deep_map(DEEP));
        assert!(text.starts_with(r#"M({"k": M({"k": "#));
        // The indented form grows with the square of the depth: check it
        // on a value that is deep, but not that deep.
        let text = format!("{:#?}", deep_mixed(500));
        assert!(text.lines().count() > 500);
    });
}

#[test]
fn deep_items_encode_and_decode_on_a_small_stack() {
    on_small_stack(|| {
        for make in [deep_list, deep_map, deep_mixed] {
            let item = Item::new().with("id", "x").with("deep", make(DEEP));
            let bytes = encode_item(&item);
            let back = decode_item(&bytes).expect("decodes");
            assert!(back == item);
            // Sized from the bytes, without decoding, as the item sizes.
            assert_eq!(encoded_item_size(&bytes).unwrap(), item.size());
            assert!(encoded_item_size(&bytes[..bytes.len() - 1]).is_err());
            // Truncated bytes are an error, at any depth.
            assert!(decode_item(&bytes[..bytes.len() / 2]).is_err());
            assert!(decode_item(&bytes[..bytes.len() - 1]).is_err());
        }
    });
}

#[test]
fn crafted_deep_bytes_decode_or_fail_on_a_small_stack() {
    on_small_stack(|| {
        // Format 1, one attribute "a", then a million nested list headers
        // with no end: corrupt, and refused without recursion.
        let mut bytes = vec![1u8, 1, 1, b'a'];
        for _ in 0..1_000_000 {
            bytes.extend_from_slice(&[7, 1]);
        }
        assert!(decode_item(&bytes).is_err());
        // The same, well terminated, decodes.
        bytes.push(10);
        let item = decode_item(&bytes).expect("decodes");
        assert!(item.get("a").is_some_and(|v| v.size() > 1_000_000));
    });
}

/// A user type that nests as deep as its value.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Tree {
    Leaf(String),
    Branch(Vec<Tree>),
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Holder {
    id: String,
    tree: Tree,
}

/// A user type that nests through options and boxes, with no list or map.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Chain(Option<Box<Chain>>);

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Node {
    child: Option<Box<Node>>,
}

fn deep_tree(depth: usize) -> Tree {
    let mut t = Tree::Leaf("bottom".into());
    for _ in 0..depth {
        t = Tree::Branch(vec![t]);
    }
    t
}

/// Drops a deep user value without recursion, as its owner would have to.
fn drop_tree(t: Tree) {
    let mut stack = vec![t];
    while let Some(t) = stack.pop() {
        if let Tree::Branch(children) = t {
            stack.extend(children);
        }
    }
}

#[test]
fn serializing_a_deep_user_value_is_refused_with_its_path() {
    on_small_stack(|| {
        let holder = Holder {
            id: "h".into(),
            tree: deep_tree(DEEP),
        };
        let (path, message) = mapping_error(to_item(&holder).unwrap_err());
        assert!(message.contains("32 levels"), "{message}");
        assert!(path.starts_with("tree.Branch[0].Branch[0]"), "{path}");
        drop_tree(holder.tree);

        let mut chain = Chain(None);
        for _ in 0..DEEP {
            chain = Chain(Some(Box::new(chain)));
        }
        let message = to_value(&chain).unwrap_err().to_string();
        assert!(message.contains("options, newtypes"), "{message}");
        // Chain's own drop recurses: take it apart by hand.
        let mut next = chain.0.take();
        while let Some(mut c) = next {
            next = c.0.take();
        }

        let mut node = Node { child: None };
        for _ in 0..DEEP {
            node = Node {
                child: Some(Box::new(node)),
            };
        }
        let (path, message) = mapping_error(to_item(&node).unwrap_err());
        assert!(message.contains("32 levels"), "{message}");
        assert!(path.starts_with("child.child.child"), "{path}");
        let mut next = node.child.take();
        while let Some(mut n) = next {
            next = n.child.take();
        }
    });
}

#[test]
fn serializing_a_deep_attribute_value_is_refused_in_every_format() {
    on_small_stack(|| {
        let item = Item::new().with("deep", deep_list(DEEP));
        let message = to_item(&item).unwrap_err().to_string();
        assert!(message.contains("32 levels"), "{message}");
        let message = to_value(&deep_map(DEEP)).unwrap_err().to_string();
        assert!(message.contains("32 levels"), "{message}");
        let message = serde_json::to_string(&deep_mixed(DEEP))
            .unwrap_err()
            .to_string();
        assert!(message.contains("32 levels"), "{message}");
    });
}

#[test]
fn deserializing_a_deep_stored_item_is_refused_with_its_path() {
    on_small_stack(|| {
        let item = Item::new().with("id", "h").with("tree", {
            let mut v = AttributeValue::M(BTreeMap::from([(
                "Leaf".to_owned(),
                AttributeValue::S("bottom".into()),
            )]));
            for _ in 0..DEEP {
                v = AttributeValue::M(BTreeMap::from([(
                    "Branch".to_owned(),
                    AttributeValue::L(vec![v]),
                )]));
            }
            v
        });
        let (path, message) = mapping_error(from_item::<Holder>(item.clone()).unwrap_err());
        assert!(message.contains("32 levels"), "{message}");
        assert!(path.starts_with("tree.Branch[0].Branch[0]"), "{path}");
        // Into a self-describing type too.
        let message = from_item::<serde_json::Value>(item.clone())
            .unwrap_err()
            .to_string();
        assert!(message.contains("32 levels"), "{message}");
        // Taken whole, the value is not walked at all.
        let same: Item = from_item(item.clone()).unwrap();
        assert!(same == item);

        for v in [deep_list(DEEP), deep_map(DEEP), deep_mixed(DEEP)] {
            let message = from_value::<serde_json::Value>(v.clone())
                .unwrap_err()
                .to_string();
            assert!(message.contains("32 levels"), "{message}");
            let message = from_value::<Tree>(v.clone()).unwrap_err().to_string();
            assert!(message.contains("mapping error"), "{message}");
            assert!(from_value::<AttributeValue>(v.clone()).unwrap() == v);
        }
    });
}

#[test]
fn a_type_that_nests_without_end_is_refused() {
    on_small_stack(|| {
        // `Chain` reads any non-null value as Some(Chain(...)) forever.
        let message = from_value::<Chain>(AttributeValue::S("x".into()))
            .unwrap_err()
            .to_string();
        assert!(message.contains("options, newtypes"), "{message}");
        let message = from_item::<Node>(Item::new().with("child", Item::new().with("child", 1)))
            .unwrap_err()
            .to_string();
        assert!(message.contains("child.child"), "{message}");
    });
}

#[test]
fn deep_json_is_refused_when_read_as_a_value() {
    on_small_stack(|| {
        let json = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let message = serde_json::from_str::<AttributeValue>(&json)
            .unwrap_err()
            .to_string();
        assert!(message.contains("32 levels"), "{message}");
    });
}

/// The deepest value DynamoDB stores maps both ways, with options and
/// newtypes at every level, on the small stack.
#[test]
fn the_deepest_storable_value_maps_both_ways() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Level(Option<Vec<Level>>);

    on_small_stack(|| {
        // The item is level 1; each `Level` with content is one list.
        let mut level = Level(None);
        for _ in 0..MAX_NESTING_DEPTH {
            level = Level(Some(vec![level]));
        }
        let mut item = BTreeMap::new();
        item.insert("top".to_owned(), level);
        let stored = to_item(&item).unwrap();
        assert_eq!(stored.check(), Ok(()));
        let back: BTreeMap<String, Level> = from_item(stored).unwrap();
        assert_eq!(back, item);

        // One more list is refused both ways.
        let top = item.remove("top").unwrap();
        item.insert("top".to_owned(), Level(Some(vec![top])));
        let message = to_item(&item).unwrap_err().to_string();
        assert!(message.contains("32 levels"), "{message}");
        let mut v = AttributeValue::Null;
        for _ in 0..=MAX_NESTING_DEPTH {
            v = AttributeValue::L(vec![v]);
        }
        let message = from_item::<BTreeMap<String, Level>>(Item::new().with("top", v))
            .unwrap_err()
            .to_string();
        assert!(message.contains("32 levels"), "{message}");
    });
}

// ---------------------------------------------------------------------------
// The iterative walks give what the plain recursive ones gave.

/// The recursive `Debug` that `AttributeValue` had, as the reference.
struct Reference<'a>(&'a AttributeValue);

impl fmt::Debug for Reference<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            AttributeValue::S(s) => write!(f, "S({s:?})"),
            AttributeValue::N(n) => write!(f, "N({n})"),
            AttributeValue::B(b) => write!(f, "B({} bytes)", b.len()),
            AttributeValue::Ss(v) => f.debug_tuple("Ss").field(v).finish(),
            AttributeValue::Ns(v) => {
                f.write_str("Ns(")?;
                f.debug_list()
                    .entries(v.iter().map(|n| n.as_str()))
                    .finish()?;
                f.write_str(")")
            }
            AttributeValue::Bs(v) => write!(f, "Bs({} members)", v.len()),
            AttributeValue::M(m) => {
                f.write_str("M(")?;
                f.debug_map()
                    .entries(m.iter().map(|(k, v)| (k, Reference(v))))
                    .finish()?;
                f.write_str(")")
            }
            AttributeValue::L(l) => {
                f.write_str("L(")?;
                f.debug_list().entries(l.iter().map(Reference)).finish()?;
                f.write_str(")")
            }
            AttributeValue::Bool(b) => write!(f, "Bool({b})"),
            AttributeValue::Null => f.write_str("Null"),
        }
    }
}

/// The recursive size, as the reference.
fn reference_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, v)| 1 + k.len() + reference_size(v))
                .sum::<usize>()
        }
        AttributeValue::L(l) => 3 + l.iter().map(|v| 1 + reference_size(v)).sum::<usize>(),
        AttributeValue::N(_) => v.size(),
        other => match other {
            AttributeValue::S(s) => s.len(),
            AttributeValue::B(b) => b.len(),
            AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
            AttributeValue::Bs(v) => v.iter().map(Vec::len).sum(),
            AttributeValue::Ns(v) => v.iter().map(|n| AttributeValue::N(n.clone()).size()).sum(),
            _ => 1,
        },
    }
}

fn number() -> impl Strategy<Value = Number> {
    (-1_000_000i64..1_000_000, 0u32..4).prop_map(|(n, scale)| {
        let text = if scale == 0 {
            n.to_string()
        } else {
            format!("{n}e-{scale}")
        };
        Number::parse(&text).unwrap()
    })
}

fn attribute_value() -> impl Strategy<Value = AttributeValue> {
    let leaf = prop_oneof![
        "[a-z\"\n]{0,6}".prop_map(AttributeValue::S),
        number().prop_map(AttributeValue::N),
        proptest::collection::vec(any::<u8>(), 0..6).prop_map(AttributeValue::B),
        proptest::collection::vec("[a-c]{0,2}", 0..4).prop_map(AttributeValue::Ss),
        proptest::collection::vec(number(), 0..4).prop_map(AttributeValue::Ns),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..3), 0..3)
            .prop_map(AttributeValue::Bs),
        any::<bool>().prop_map(AttributeValue::Bool),
        Just(AttributeValue::Null),
    ];
    leaf.prop_recursive(6, 64, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(AttributeValue::L),
            proptest::collection::btree_map("[a-c\"]{0,3}", inner, 0..5)
                .prop_map(AttributeValue::M),
        ]
    })
}

/// A copy with every set's members in reverse order and every number
/// rewritten (`7` as `7.0`): equal to the original.
fn shuffled(v: &AttributeValue) -> AttributeValue {
    // `7` and `7e0` are the same number in other text.
    let renumber = |n: &Number| Number::parse(&format!("{}e0", n.as_str())).ok();
    match v {
        AttributeValue::Ss(s) => AttributeValue::Ss(s.iter().rev().cloned().collect()),
        AttributeValue::Ns(s) => AttributeValue::Ns(s.iter().rev().cloned().collect()),
        AttributeValue::Bs(s) => AttributeValue::Bs(s.iter().rev().cloned().collect()),
        AttributeValue::N(n) => match renumber(n) {
            Some(m) if &m == n => AttributeValue::N(m),
            _ => AttributeValue::N(n.clone()),
        },
        AttributeValue::L(l) => AttributeValue::L(l.iter().map(shuffled).collect()),
        AttributeValue::M(m) => {
            AttributeValue::M(m.iter().map(|(k, v)| (k.clone(), shuffled(v))).collect())
        }
        other => other.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn walks_agree_with_the_recursive_reference(v in attribute_value(), w in attribute_value()) {
        prop_assert_eq!(format!("{v:?}"), format!("{:?}", Reference(&v)));
        prop_assert_eq!(format!("{v:#?}"), format!("{:#?}", Reference(&v)));
        prop_assert_eq!(v.size(), reference_size(&v));
        let copy = v.clone();
        prop_assert!(copy == v);
        prop_assert_eq!(format!("{copy:?}"), format!("{v:?}"));
        let same = shuffled(&v);
        prop_assert!(same == v);
        prop_assert_eq!(hash_of(&same), hash_of(&v));
        // Equality agrees with the text when no set or number is involved.
        let plain = |v: &AttributeValue| {
            let text = format!("{v:?}");
            ["Ss(", "Ns(", "Bs(", "N(", "B("].iter().all(|t| !text.contains(t))
        };
        if plain(&v) && plain(&w) {
            prop_assert_eq!(v == w, format!("{v:?}") == format!("{w:?}"));
        }
        if v == w {
            prop_assert_eq!(hash_of(&v), hash_of(&w));
        }
        let item = Item::new().with("v", v.clone()).with("w", w);
        prop_assert!(decode_item(&encode_item(&item)).unwrap() == item);
    }
}

// ---------------------------------------------------------------------------
// Through a backend: refused, nothing written, nothing crashes.

#[test]
fn a_deep_item_is_refused_by_put_item_and_dropped_on_a_small_stack() {
    use dynamodb_mapper::backend::{Backend, GetItem, PutItem};
    use dynamodb_mapper::{KeySchema, ScalarType, TableDefinition};

    on_small_stack(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let b = dynamodb_mapper_memory::MemoryBackend::new();
            b.create_table(TableDefinition::new(
                "deep_put",
                KeySchema::hash("id", ScalarType::S),
            ))
            .await
            .unwrap();
            for v in [deep_list(DEEP), deep_map(DEEP)] {
                let item = Item::new().with("id", "x").with("v", v);
                let e = b
                    .put_item(PutItem::new("deep_put", item))
                    .await
                    .unwrap_err();
                assert!(
                    matches!(e, Error::LimitExceeded { .. }),
                    "a nesting limit: {e}"
                );
            }
            let key = Item::new().with("id", "x");
            let got = b.get_item(GetItem::new("deep_put", key)).await.unwrap();
            assert!(got.item.is_none(), "nothing was written");
        });
    });
}
