//! The `proptest` feature: strategies for the data model, and
//! `#[derive(Arbitrary)]` generating models that respect their rules.

use std::collections::{BTreeMap, HashMap};

use dynamodb_mapper::arbitrary::{
    Bounded, attribute_value, item, item_with_key, number, set_of, string_matching, string_set,
    timestamp,
};
use dynamodb_mapper::backend::{Backend, GetItem, PutItem};
use dynamodb_mapper::{
    Arbitrary, AttributeValue, Binary, EpochSeconds, KeySchema, Model, Number, NumberSet,
    Repository, RepositoryExt, ScalarType, Set, StringSet, Table, TableDefinition, Timestamp,
    Validate, from_item, from_value, to_item, to_value,
};
use dynamodb_mapper_memory::MemoryBackend;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde::{Deserialize, Serialize};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #[test]
    fn numbers_are_valid_across_the_range(n in number()) {
        prop_assert!(n.significant_digits() <= 38, "{n}");
        // The text parses back to the same number, and maps as an N.
        prop_assert_eq!(&Number::parse(n.as_str()).unwrap(), &n);
        prop_assert_eq!(to_value(&n).unwrap(), AttributeValue::N(n.clone()));
    }

    #[test]
    fn encoded_items_size_as_their_items(it in item()) {
        // What a write reads of the item it replaces: the size, from the bytes.
        let bytes = dynamodb_mapper::codec::encode_item(&it);
        prop_assert_eq!(dynamodb_mapper::codec::encoded_item_size(&bytes).unwrap(), it.size());
    }

    #[test]
    fn attribute_values_follow_dynamodbs_rules(v in attribute_value()) {
        prop_assert!(v.check().is_ok(), "{v:?}");
        prop_assert!(dynamodb_mapper::rules::check_value(&v).is_ok(), "{v:?}");
    }

    #[test]
    fn sets_are_never_empty_and_have_no_duplicate(
        s in string_set(),
        n in any::<NumberSet>(),
        small in set_of(0u8..3, 0..=2),
    ) {
        prop_assert!(!s.is_empty() && !n.is_empty() && !small.is_empty());
        let ns = to_value(&n).unwrap();
        prop_assert!(ns.check().is_ok(), "{ns:?}");
    }

    #[test]
    fn timestamps_map_and_read_back(t in timestamp(), e in any::<EpochSeconds>()) {
        prop_assert!(t >= Timestamp::MIN && t <= Timestamp::MAX);
        prop_assert_eq!(from_value::<Timestamp>(to_value(&t).unwrap()).unwrap(), t);
        prop_assert!(e.to_timestamp().is_some());
    }

    #[test]
    fn patterns_generate_matching_strings(s in string_matching("^[A-Z]{2}-[0-9]{3}$").unwrap()) {
        prop_assert!(regex::Regex::new("^[A-Z]{2}-[0-9]{3}$").unwrap().is_match(&s), "{s}");
    }
}

#[test]
fn the_memory_backend_stores_every_generated_item() {
    let key = KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N);
    let backend = MemoryBackend::new();
    let rt = runtime();
    rt.block_on(backend.create_table(TableDefinition::new("arbitrary_items", key.clone())))
        .unwrap();
    let mut runner = TestRunner::new(Config::with_cases(128));
    runner
        .run(&item_with_key(&key), |item| {
            rt.block_on(backend.put_item(PutItem::new("arbitrary_items", item.clone())))
                .map_err(|e| TestCaseError::fail(format!("{e}: {item:?}")))?;
            let read = rt
                .block_on(backend.get_item(GetItem::new("arbitrary_items", key.key_of(&item))))
                .unwrap();
            prop_assert_eq!(read.item.as_ref(), Some(&item));
            Ok(())
        })
        .unwrap();
    // Plain items too: any of them is a valid set of attributes.
    runner
        .run(&item(), |item| {
            prop_assert!(dynamodb_mapper::rules::check_item(&item).is_ok());
            Ok(())
        })
        .unwrap();
}

#[test]
fn bounds_generate_inside_them() {
    let mut runner = TestRunner::default();
    let strategies = (
        i64::between(-5, 5),
        u8::at_least(250),
        f64::between(0.5, 1.5),
        Number::between(Number::from(1), Number::parse("1.5").unwrap()),
        Timestamp::at_most(Timestamp::UNIX_EPOCH),
    );
    runner
        .run(&strategies, |(i, u, f, n, t)| {
            prop_assert!((-5..=5).contains(&i));
            prop_assert!(u >= 250);
            prop_assert!((0.5..=1.5).contains(&f));
            prop_assert!(n >= Number::from(1) && n <= Number::parse("1.5").unwrap());
            prop_assert!(t <= Timestamp::UNIX_EPOCH);
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------
// Models.

#[derive(Arbitrary, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    Free,
    Pro(u8),
    Team {
        seats: u16,
    },
    #[serde(skip)]
    #[allow(dead_code)]
    Internal,
}

#[derive(Arbitrary, Validate, Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Address {
    #[validate(length(min = 1, max = 40))]
    street: String,
    #[validate(regex = "^[0-9]{5}$")]
    zip: String,
    #[validate(one_of("FR", "DE", "US"))]
    country: String,
}

#[derive(Arbitrary, Validate, Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Line {
    #[validate(range(min = 1, max = 99))]
    quantity: u32,
    #[validate(range(min = 0.0, max = 1e6))]
    price: f64,
}

#[allow(clippy::ptr_arg)] // a custom rule takes `&T`, here `&String`
fn no_spaces(s: &String) -> Result<(), String> {
    if s.contains(' ') {
        Err("no spaces".into())
    } else {
        Ok(())
    }
}

#[derive(Model, Arbitrary, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "arbitrary_customers", gsi(name = "by_email", hash = "email"))]
#[serde(rename_all = "camelCase")]
struct Customer {
    #[model(hash_key)]
    #[validate(custom = no_spaces, length(min = 3, max = 12))]
    customer_id: String,
    email: String,
    #[validate(range(min = 18, max = 150))]
    age: u8,
    #[validate(nested)]
    address: Address,
    #[validate(nested)]
    billing: Option<Address>,
    #[validate(nested, length(max = 4))]
    lines: Vec<Line>,
    #[validate(each(length(min = 1, max = 5)), length(max = 3))]
    tags: StringSet,
    #[validate(each(regex = "^[a-z]+$"))]
    labels: BTreeMap<String, String>,
    by_site: HashMap<String, Address>,
    #[validate(length(max = 4))]
    nickname: Option<String>,
    #[validate(range(min = Number::zero()))]
    balance: Number,
    #[validate(range(min = "2020-01-01T00:00:00Z".parse::<Timestamp>().unwrap()))]
    joined: Timestamp,
    plan: Plan,
    scores: Set<i32>,
    avatar: Option<Binary>,
    huge: u128,
    #[model(version)]
    version: u64,
    #[serde(skip)]
    cache: Vec<String>,
    #[proptest(value = 7)]
    lucky: u32,
    #[proptest(strategy = "prop::sample::select(vec![\"a\".to_string(), \"b\".to_string()])")]
    letter: String,
}

/// Few rejections: the rules are turned into strategies, not filtered.
fn strict() -> Config {
    Config {
        cases: 200,
        max_local_rejects: 2_000,
        max_global_rejects: 0,
        ..Config::default()
    }
}

#[test]
fn generated_models_respect_their_rules_and_round_trip() {
    let mut runner = TestRunner::new(strict());
    runner
        .run(&any::<Customer>(), |c| {
            prop_assert!(c.validate().is_ok(), "{:?}", c.validate());
            prop_assert_eq!(c.version, 0);
            prop_assert!(c.cache.is_empty());
            prop_assert_eq!(c.lucky, 7);
            prop_assert!(c.letter == "a" || c.letter == "b");
            prop_assert!(!c.email.is_empty(), "an index key is never empty");
            prop_assert!(!c.scores.is_empty());
            prop_assert!(c.by_site.keys().all(|k| !k.is_empty()));
            prop_assert!(c.huge.to_string().len() <= 38);
            prop_assert!(!matches!(c.plan, Plan::Internal));
            let item = to_item(&c).unwrap();
            prop_assert!(
                dynamodb_mapper::rules::check_item(&item).is_ok(),
                "{item:?}"
            );
            prop_assert_eq!(from_item::<Customer>(item).unwrap(), c);
            Ok(())
        })
        .unwrap();
}

#[test]
fn generated_models_save_and_load_on_the_memory_backend() {
    let rt = runtime();
    let customers = Table::<Customer>::new(MemoryBackend::new());
    rt.block_on(customers.create_table()).unwrap();
    let mut runner = TestRunner::new(Config::with_cases(64));
    runner
        .run(&any::<Customer>(), |c| {
            rt.block_on(async {
                customers.delete_key(c.customer_id.as_str()).await.unwrap();
                let saved = customers.create(c.clone()).await.unwrap();
                let loaded = customers
                    .get(c.customer_id.as_str())
                    .await
                    .unwrap()
                    .unwrap();
                prop_assert_eq!(loaded.into_inner(), saved.into_inner());
                Ok(())
            })
        })
        .unwrap();
}

#[derive(Arbitrary, Validate, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Node {
    label: String,
    children: Vec<Node>,
    parent: Option<Box<Self>>,
}

#[derive(Arbitrary, Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Tree {
    Leaf(i32),
    Branch(Vec<Tree>),
}

#[derive(Arbitrary, Debug, Clone, PartialEq)]
struct Pair(u8, Option<String>);

#[derive(Arbitrary, Debug, Clone, PartialEq)]
struct Unit;

proptest! {
    #[test]
    fn recursive_types_have_finite_strategies(n in any::<Node>(), t in any::<Tree>()) {
        prop_assert!(n.children.is_empty() && n.parent.is_none());
        prop_assert!(matches!(t, Tree::Leaf(_)));
    }

    #[test]
    fn tuple_and_unit_structs_derive(p in any::<Pair>(), u in any::<Unit>()) {
        prop_assert_eq!(u, Unit);
        let _ = p;
    }
}
