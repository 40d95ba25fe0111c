//! Property test: the emulator and a simple reference model agree on random
//! sequences of puts, updates, deletes, conditional writes and transactions.

use std::collections::BTreeMap;

use dynamodb_mapper::backend::{
    Backend, DeleteItem, GetItem, PutItem, ReturnValues, Scan, TransactWrite, TransactWriteItem,
    UpdateItem,
};
use dynamodb_mapper::expr::{Condition, Update, attr};
use dynamodb_mapper::{CancellationCode, Error, Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_memory::MemoryBackend;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Cond {
    None,
    Exists,
    NotExists,
    NEquals(i64),
    TagIs(String),
}

#[derive(Clone, Debug)]
enum Op {
    Put {
        key: u8,
        n: i64,
        tag: String,
        cond: Cond,
    },
    Add {
        key: u8,
        delta: i64,
        cond: Cond,
    },
    SetTag {
        key: u8,
        tag: String,
        cond: Cond,
    },
    Delete {
        key: u8,
        cond: Cond,
    },
    Get {
        key: u8,
    },
    Transfer {
        from: u8,
        to: u8,
        amount: i64,
    },
}

/// What an operation answered, in a form both sides produce.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Done(Option<Item>),
    ConditionFailed,
    Cancelled(Vec<bool>),
    Invalid,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Row {
    n: Option<i64>,
    tag: Option<String>,
}

fn key_name(k: u8) -> String {
    format!("k{k}")
}

fn to_item(k: u8, row: &Row) -> Item {
    let mut item = Item::new().with("id", key_name(k));
    if let Some(n) = row.n {
        item.insert("n".into(), n.into());
    }
    if let Some(t) = &row.tag {
        item.insert("tag".into(), t.as_str().into());
    }
    item
}

fn holds(cond: &Cond, row: Option<&Row>) -> bool {
    match cond {
        Cond::None => true,
        Cond::Exists => row.is_some(),
        Cond::NotExists => row.is_none(),
        Cond::NEquals(v) => row.and_then(|r| r.n) == Some(*v),
        Cond::TagIs(t) => row.and_then(|r| r.tag.as_ref()) == Some(t),
    }
}

fn condition(cond: &Cond) -> Option<Condition> {
    match cond {
        Cond::None => None,
        Cond::Exists => Some(attr("id").exists()),
        Cond::NotExists => Some(attr("id").not_exists()),
        Cond::NEquals(v) => Some(attr("n").eq(*v)),
        Cond::TagIs(t) => Some(attr("tag").eq(t.as_str())),
    }
}

/// The reference model: a map, and the rules spelled out.
fn model_apply(model: &mut BTreeMap<u8, Row>, op: &Op) -> Outcome {
    match op {
        Op::Put { key, n, tag, cond } => {
            if !holds(cond, model.get(key)) {
                return Outcome::ConditionFailed;
            }
            model.insert(
                *key,
                Row {
                    n: Some(*n),
                    tag: Some(tag.clone()),
                },
            );
            Outcome::Done(None)
        }
        Op::Add { key, delta, cond } => {
            if !holds(cond, model.get(key)) {
                return Outcome::ConditionFailed;
            }
            let row = model.entry(*key).or_default();
            row.n = Some(row.n.unwrap_or(0) + delta);
            Outcome::Done(Some(to_item(*key, row)))
        }
        Op::SetTag { key, tag, cond } => {
            if !holds(cond, model.get(key)) {
                return Outcome::ConditionFailed;
            }
            let row = model.entry(*key).or_default();
            row.tag = Some(tag.clone());
            Outcome::Done(Some(to_item(*key, row)))
        }
        Op::Delete { key, cond } => {
            if !holds(cond, model.get(key)) {
                return Outcome::ConditionFailed;
            }
            Outcome::Done(model.remove(key).map(|r| to_item(*key, &r)))
        }
        Op::Get { key } => Outcome::Done(model.get(key).map(|r| to_item(*key, r))),
        Op::Transfer { from, to, amount } => {
            if from == to {
                return Outcome::Invalid;
            }
            let ok_from = model
                .get(from)
                .and_then(|r| r.n)
                .is_some_and(|n| n >= *amount);
            let ok_to = model.contains_key(to);
            if !(ok_from && ok_to) {
                return Outcome::Cancelled(vec![!ok_from, !ok_to]);
            }
            for (k, d) in [(from, -amount), (to, *amount)] {
                let row = model.entry(*k).or_default();
                row.n = Some(row.n.unwrap_or(0) + d);
            }
            Outcome::Done(None)
        }
    }
}

async fn engine_apply(b: &MemoryBackend, op: &Op) -> Outcome {
    let key = |k: u8| Item::new().with("id", key_name(k));
    let result = match op {
        Op::Put {
            key: k,
            n,
            tag,
            cond,
        } => {
            let mut req = PutItem::new("items", key(*k).with("n", *n).with("tag", tag.as_str()));
            if let Some(c) = condition(cond) {
                req = req.condition(&c);
            }
            b.put_item(req).await.map(|_| None)
        }
        Op::Add {
            key: k,
            delta,
            cond,
        } => {
            let mut req = UpdateItem::new("items", key(*k))
                .update(&Update::new().add(attr("n"), *delta))
                .return_values(ReturnValues::AllNew);
            if let Some(c) = condition(cond) {
                req = req.condition(&c);
            }
            b.update_item(req).await.map(|o| o.attributes)
        }
        Op::SetTag { key: k, tag, cond } => {
            let mut req = UpdateItem::new("items", key(*k))
                .update(&Update::new().set(attr("tag"), tag.as_str()))
                .return_values(ReturnValues::AllNew);
            if let Some(c) = condition(cond) {
                req = req.condition(&c);
            }
            b.update_item(req).await.map(|o| o.attributes)
        }
        Op::Delete { key: k, cond } => {
            let mut req = DeleteItem::new("items", key(*k)).return_values(ReturnValues::AllOld);
            if let Some(c) = condition(cond) {
                req = req.condition(&c);
            }
            b.delete_item(req).await.map(|o| o.attributes)
        }
        Op::Get { key: k } => b
            .get_item(GetItem::new("items", key(*k)).consistent(true))
            .await
            .map(|o| o.item),
        Op::Transfer { from, to, amount } => {
            let tx = TransactWrite {
                items: vec![
                    TransactWriteItem::Update(
                        UpdateItem::new("items", key(*from))
                            .update(&Update::new().add(attr("n"), -amount))
                            .condition(&attr("n").ge(*amount)),
                    ),
                    TransactWriteItem::Update(
                        UpdateItem::new("items", key(*to))
                            .update(&Update::new().add(attr("n"), *amount))
                            .condition(&attr("id").exists()),
                    ),
                ],
                ..TransactWrite::default()
            };
            b.transact_write_items(tx).await.map(|_| None)
        }
    };
    match result {
        Ok(v) => Outcome::Done(v),
        Err(Error::Conflict { .. }) => Outcome::ConditionFailed,
        Err(Error::TransactionCanceled { reasons }) => Outcome::Cancelled(
            reasons
                .iter()
                .map(|r| r.code == CancellationCode::ConditionalCheckFailed)
                .collect(),
        ),
        Err(Error::InvalidRequest { .. }) => Outcome::Invalid,
        Err(e) => panic!("{op:?}: {e}"),
    }
}

fn cond() -> impl Strategy<Value = Cond> {
    prop_oneof![
        Just(Cond::None),
        Just(Cond::Exists),
        Just(Cond::NotExists),
        (-3i64..6).prop_map(Cond::NEquals),
        "[ab]".prop_map(Cond::TagIs),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..4;
    prop_oneof![
        (key.clone(), -3i64..6, "[ab]", cond()).prop_map(|(key, n, tag, cond)| Op::Put {
            key,
            n,
            tag,
            cond
        }),
        (key.clone(), -3i64..4, cond()).prop_map(|(key, delta, cond)| Op::Add { key, delta, cond }),
        (key.clone(), "[ab]", cond()).prop_map(|(key, tag, cond)| Op::SetTag { key, tag, cond }),
        (key.clone(), cond()).prop_map(|(key, cond)| Op::Delete { key, cond }),
        key.clone().prop_map(|key| Op::Get { key }),
        (key.clone(), key, 0i64..4).prop_map(|(from, to, amount)| Op::Transfer {
            from,
            to,
            amount
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn engine_agrees_with_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let store = MemoryBackend::new();
            store.create_table(TableDefinition::new("items", KeySchema::hash("id", ScalarType::S))).await.unwrap();
            let mut model = BTreeMap::new();
            for (i, op) in ops.iter().enumerate() {
                let expected = model_apply(&mut model, op);
                let got = engine_apply(&store, op).await;
                assert_eq!(got, expected, "step {i}: {op:?}");
            }
            let mut stored: Vec<Item> = store.scan(Scan::new("items").consistent(true)).await.unwrap().items;
            stored.sort_by(|a, b| a["id"].as_s().cmp(&b["id"].as_s()));
            let expected: Vec<Item> = model.iter().map(|(k, r)| to_item(*k, r)).collect();
            assert_eq!(stored, expected);
            store.engine().verify_indexes().unwrap();
        });
    }
}
