//! Every refused request changes nothing: random expressions (well formed
//! or not), items (valid or breaking DynamoDB's rules) and requests are
//! thrown at the memory and sled emulators; whenever one is refused, a full
//! dump of the table is compared before and after, and the indexes are
//! checked against the items.

use std::collections::BTreeMap;

use dynamodb_mapper::backend::{
    Backend, BatchWrite, DeleteItem, PutItem, Query, TransactWrite, TransactWriteItem, UpdateItem,
    WriteRequest,
};
use dynamodb_mapper::emulator::{Emulator, Storage};
use dynamodb_mapper::expr::{ExpressionAttributes, KeyCondition};
use dynamodb_mapper::{
    AttributeValue, Error, IndexProjection, Item, KeyAttribute, KeySchema, Number, ScalarType,
    TableDefinition,
};
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_sled::SledBackend;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const WORDS: &[&str] = &[
    "a",
    "b",
    "l",
    "m",
    "pk",
    "sk",
    "g",
    "ln",
    "#n",
    "#e",
    ":v",
    ":w",
    ":big",
    "(",
    ")",
    "[0]",
    "[3]",
    ".x",
    "=",
    "<>",
    "<",
    ">=",
    "AND",
    "OR",
    "NOT",
    "BETWEEN",
    "IN",
    "size(",
    "attribute_exists(",
    "attribute_not_exists(",
    "begins_with(",
    "contains(",
    ",",
    "SET",
    "REMOVE",
    "ADD",
    "DELETE",
    "+",
    "-",
    "if_not_exists(",
    "list_append(",
];

/// Text assembled from expression words: sometimes valid, mostly not.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(prop::sample::select(WORDS), 0..24).prop_map(|w| w.join(" ")),
        1 => (1..1200usize).prop_map(|n| format!("{}a = :v{}", "(".repeat(n), ")".repeat(n))),
        1 => (1..400usize).prop_map(|n| vec!["a = :v"; n].join(" OR ")),
        1 => (1..1000usize).prop_map(|n| format!("{}a = :v", "NOT ".repeat(n))),
        2 => Just("SET a = :v, l[5] = :w REMOVE l[1], m.x".to_owned()),
        2 => Just("SET pk = :v".to_owned()),
        2 => Just("ADD s :ss DELETE t :ss".to_owned()),
        2 => Just("SET a = a + :v".to_owned()),
        1 => Just("SET g.x = :v".to_owned()),
    ]
}

fn value() -> impl Strategy<Value = AttributeValue> {
    let leaf = prop_oneof![
        (0..5i64).prop_map(|n| AttributeValue::N(Number::from(n))),
        Just(AttributeValue::N("9E125".parse().expect("a number"))),
        "[a-c]{0,3}".prop_map(AttributeValue::S),
        prop::collection::vec("[p-r]", 0..3).prop_map(AttributeValue::Ss),
        Just(AttributeValue::Bool(true)),
        Just(AttributeValue::Null),
        Just(AttributeValue::S("x".repeat(300_000))),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(AttributeValue::L),
            prop::collection::btree_map("[xy]{0,1}", inner, 0..3).prop_map(AttributeValue::M),
        ]
    })
}

fn deep(levels: usize) -> AttributeValue {
    let mut v = AttributeValue::N(Number::from(1));
    for _ in 0..levels {
        v = AttributeValue::L(vec![v]);
    }
    v
}

fn item() -> impl Strategy<Value = Item> {
    (
        prop_oneof![Just("a"), Just("b"), Just("")],
        prop_oneof![
            4 => (0..3i64).prop_map(|n| AttributeValue::N(Number::from(n))),
            1 => Just(AttributeValue::S("one".to_owned())),
        ],
        prop::collection::btree_map(
            prop_oneof![
                Just("a"),
                Just("l"),
                Just("m"),
                Just("g"),
                Just("ln"),
                Just("s")
            ],
            value(),
            0..4,
        ),
        prop::option::weighted(0.1, (30..40usize).prop_map(deep)),
    )
        .prop_map(|(pk, sk, attrs, deep)| {
            let mut item = Item::new().with("pk", pk).with("sk", sk);
            for (k, v) in attrs {
                item.insert(k.to_owned(), v);
            }
            if let Some(d) = deep {
                item.insert("d".to_owned(), d);
            }
            item
        })
}

fn attributes() -> impl Strategy<Value = ExpressionAttributes> {
    (
        prop::option::of(prop_oneof![Just("a"), Just(""), Just("pk"), Just("ln")]),
        prop::option::of(value()),
        prop::option::of(value()),
        any::<bool>(),
    )
        .prop_map(|(name, v, w, ss)| {
            let mut attrs = ExpressionAttributes::default();
            if let Some(n) = name {
                attrs.names.insert("#n".to_owned(), n.to_owned());
            }
            if let Some(v) = v {
                attrs.values.insert(":v".to_owned(), v);
            }
            if let Some(w) = w {
                attrs.values.insert(":w".to_owned(), w);
            }
            if ss {
                attrs
                    .values
                    .insert(":ss".to_owned(), AttributeValue::Ss(vec!["p".to_owned()]));
            }
            attrs
        })
}

#[derive(Clone, Debug)]
enum Request {
    Put(Item, Option<String>, ExpressionAttributes),
    Update(Item, Option<String>, Option<String>, ExpressionAttributes),
    Delete(Item, Option<String>, ExpressionAttributes),
    Query(String, Option<String>, ExpressionAttributes),
    Batch(Vec<Item>),
    Transact(Vec<Request>, Option<String>),
}

fn key_of(item: &Item) -> Item {
    item.project(&["pk", "sk"])
}

fn single() -> impl Strategy<Value = Request> {
    prop_oneof![
        (item(), prop::option::of(text()), attributes())
            .prop_map(|(i, c, a)| Request::Put(i, c, a)),
        (
            item(),
            prop::option::of(text()),
            prop::option::of(text()),
            attributes()
        )
            .prop_map(|(i, u, c, a)| Request::Update(key_of(&i), u, c, a)),
        (item(), prop::option::of(text()), attributes()).prop_map(|(i, c, a)| Request::Delete(
            key_of(&i),
            c,
            a
        )),
        (
            prop_oneof![
                Just(String::new()),
                Just("gi".to_owned()),
                Just("li".to_owned())
            ],
            prop::option::of(text()),
            attributes()
        )
            .prop_map(|(i, f, a)| Request::Query(i, f, a)),
        prop::collection::vec(item(), 1..4).prop_map(Request::Batch),
    ]
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        3 => single(),
        1 => (
            prop::collection::vec(single(), 1..4),
            prop::option::of(prop_oneof![Just(String::new()), Just("t".to_owned())])
        )
            .prop_map(|(r, t)| Request::Transact(r, t)),
    ]
}

fn put(table: &str, i: &Item, c: &Option<String>, a: &ExpressionAttributes) -> PutItem {
    let mut r = PutItem::new(table, i.clone());
    r.condition_expression = c.clone();
    r.expression_attributes = a.clone();
    r
}

fn update(
    table: &str,
    k: &Item,
    u: &Option<String>,
    c: &Option<String>,
    a: &ExpressionAttributes,
) -> UpdateItem {
    let mut r = UpdateItem::new(table, k.clone());
    r.update_expression = u.clone();
    r.condition_expression = c.clone();
    r.expression_attributes = a.clone();
    r
}

fn delete(table: &str, k: &Item, c: &Option<String>, a: &ExpressionAttributes) -> DeleteItem {
    let mut r = DeleteItem::new(table, k.clone());
    r.condition_expression = c.clone();
    r.expression_attributes = a.clone();
    r
}

/// Sends a request; `Err` when it was refused.
async fn send(backend: &dyn Backend, table: &str, r: &Request) -> Result<(), Error> {
    match r {
        Request::Put(i, c, a) => backend.put_item(put(table, i, c, a)).await.map(|_| ()),
        Request::Update(k, u, c, a) => backend
            .update_item(update(table, k, u, c, a))
            .await
            .map(|_| ()),
        Request::Delete(k, c, a) => backend
            .delete_item(delete(table, k, c, a))
            .await
            .map(|_| ()),
        Request::Query(index, f, a) => {
            let (hash, name) = match index.as_str() {
                "gi" => ("g", Some("gix")),
                "li" => ("pk", Some("lix")),
                _ => ("pk", None),
            };
            let mut q = Query::new(table, &KeyCondition::hash(hash, "a"));
            if let Some(n) = name {
                q = q.index(n);
            }
            q.filter_expression = f.clone();
            for (k, v) in &a.names {
                q.expression_attributes.names.insert(k.clone(), v.clone());
            }
            for (k, v) in &a.values {
                q.expression_attributes.values.insert(k.clone(), v.clone());
            }
            backend.query(q).await.map(|_| ())
        }
        Request::Batch(items) => backend
            .batch_write_item(BatchWrite {
                tables: BTreeMap::from([(
                    table.to_owned(),
                    items.iter().cloned().map(WriteRequest::Put).collect(),
                )]),
                ..BatchWrite::default()
            })
            .await
            .map(|_| ()),
        Request::Transact(actions, token) => {
            let items = actions
                .iter()
                .filter_map(|a| match a {
                    Request::Put(i, c, x) => Some(TransactWriteItem::Put(put(table, i, c, x))),
                    Request::Update(k, u, c, x) => {
                        Some(TransactWriteItem::Update(update(table, k, u, c, x)))
                    }
                    Request::Delete(k, c, x) => {
                        Some(TransactWriteItem::Delete(delete(table, k, c, x)))
                    }
                    _ => None,
                })
                .collect();
            backend
                .transact_write_items(TransactWrite {
                    items,
                    client_request_token: token.clone(),
                    ..TransactWrite::default()
                })
                .await
                .map(|_| ())
        }
    }
}

fn definition(name: &str) -> TableDefinition {
    TableDefinition::new(
        name,
        KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N),
    )
    .with_global_index(
        "gix",
        KeySchema::hash("g", ScalarType::S),
        IndexProjection::Include(vec!["a".to_owned(), "l".to_owned()]),
    )
    .with_local_index(
        "lix",
        KeyAttribute::new("ln", ScalarType::N),
        IndexProjection::KeysOnly,
    )
}

fn run<S: Storage>(backend: &dyn Backend, engine: &Emulator<S>, cases: u32) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let table_number = std::sync::atomic::AtomicU64::new(0);
    runner
        .run(&prop::collection::vec(request(), 1..12), |requests| {
            let table = format!(
                "refusals_{}",
                table_number.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            );
            rt.block_on(async {
                backend
                    .create_table(definition(&table))
                    .await
                    .expect("a table");
                let seed = Item::new()
                    .with("pk", "a")
                    .with("sk", 1)
                    .with("a", 1)
                    .with(
                        "l",
                        AttributeValue::L(vec![AttributeValue::N(Number::from(0))]),
                    )
                    .with("g", "a")
                    .with("ln", 2);
                backend
                    .put_item(PutItem::new(&table, seed))
                    .await
                    .expect("a seed");
                for r in &requests {
                    let before = engine.all_items(&table).expect("a dump");
                    if let Err(e) = send(backend, &table, r).await {
                        let after = engine.all_items(&table).expect("a dump");
                        prop_assert_eq!(&before, &after, "refused ({}) yet changed: {:?}", e, r);
                    }
                    engine
                        .verify_indexes()
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                }
                backend.delete_table(&table).await.expect("deleted");
                Ok(())
            })
        })
        .unwrap();
}

fn cases() -> u32 {
    std::env::var("REFUSAL_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256)
}

#[test]
fn refused_requests_change_nothing_in_memory() {
    let backend = MemoryBackend::new();
    run(&backend, backend.engine(), cases());
}

#[test]
fn refused_requests_change_nothing_in_sled() {
    let backend = SledBackend::temporary().expect("a store");
    run(&backend, backend.engine(), cases() / 2);
}
