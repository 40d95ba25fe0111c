//! Differential test: the same random sequence of operations on every
//! backend must give the same answers: items, returned values, pages and
//! their last evaluated keys, counts, and the kind and message of every
//! error. The memory backend is compared with sled always, and with
//! DynamoDB Local (the reference) when `tests/run` provides it; without
//! it that comparison is reported as ignored, never as passed.
//! `DIFFERENTIAL_CASES=N` runs N random sequences instead of the default.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dynamodb_mapper::backend::{
    Backend, DeleteItem, GetItem, Page, PutItem, Query, ReturnValues, Scan, TransactWrite,
    TransactWriteItem, UpdateItem, WriteOutput,
};
use dynamodb_mapper::expr::{Condition, KeyCondition, RangeCondition, SetOperand, Update, attr};
use dynamodb_mapper::{
    AttributeValue, Error, IndexProjection, Item, KeySchema, Number, ScalarType, TableDefinition,
    ValueType,
};
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_sled::SledBackend;
use dynamodb_mapper_tests::endpoint;
use libtest_mimic::{Arguments, Failed, Trial};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

fn main() {
    let args = Arguments::from_args();
    let server = endpoint().is_some();
    if !server {
        eprintln!(
            "differential against DynamoDB Local: SKIPPED (not run): DYNAMODB_MAPPER_ENDPOINT is not set; tests/run provides it"
        );
    }
    let trials = vec![
        Trial::test("memory_and_sled_agree", || run(false, 128)),
        Trial::test("memory_and_dynamodb_local_agree", || run(true, 48)).with_ignored_flag(!server),
    ];
    libtest_mimic::run(&args, trials).exit()
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(Number::from(v))
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn ss(v: &[&str]) -> AttributeValue {
    AttributeValue::Ss(v.iter().map(|x| (*x).to_owned()).collect())
}

const PKS: [&str; 2] = ["a", "b"];

fn key(pk: usize, sk: i64) -> Item {
    Item::new().with("pk", PKS[pk]).with("sk", n(sk))
}

/// A value for attribute slot `i`, of the type that slot usually holds
/// (and sometimes of another type, to provoke type errors).
fn value(slot: usize, v: u8) -> (&'static str, AttributeValue) {
    match slot {
        0 => (
            "n",
            if v == 7 {
                s("seven")
            } else {
                n(i64::from(v % 5))
            },
        ),
        1 => ("s", s(["x", "xy", "yz", ""][usize::from(v % 4)])),
        2 => ("ss", ss(&[["p", "q", "r"][usize::from(v % 3)], "q"])),
        3 => (
            "l",
            AttributeValue::L((0..v % 3).map(|i| n(i64::from(i))).collect()),
        ),
        4 => (
            "m",
            AttributeValue::M([("x".to_owned(), n(i64::from(v % 3)))].into()),
        ),
        5 => ("gk", s(["g1", "g2"][usize::from(v % 2)])),
        _ => ("b", AttributeValue::Bool(v.is_multiple_of(2))),
    }
}

#[derive(Clone, Debug)]
enum Cond {
    Exists(usize),
    NotExists(usize),
    Eq(usize, u8),
    Gt(u8),
    BeginsWith(u8),
    Contains(u8),
    SizeLt(u8),
    IsType(usize),
    /// A path into a key or index-key attribute (refused).
    KeyPath(u8),
    /// A nested path: `m.x` or `l[i]`.
    Nested(u8),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

const NAMES: [&str; 8] = ["n", "s", "ss", "l", "m", "gk", "b", "pk"];

fn cond_strategy() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        (0..8usize).prop_map(Cond::Exists),
        (0..8usize).prop_map(Cond::NotExists),
        (0..7usize, 0..8u8).prop_map(|(a, v)| Cond::Eq(a, v)),
        (0..8u8).prop_map(Cond::Gt),
        (0..4u8).prop_map(Cond::BeginsWith),
        (0..4u8).prop_map(Cond::Contains),
        (0..4u8).prop_map(Cond::SizeLt),
        (0..7usize).prop_map(Cond::IsType),
        (0..4u8).prop_map(Cond::KeyPath),
        (0..4u8).prop_map(Cond::Nested),
    ];
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn condition(c: &Cond) -> Condition {
    match c {
        Cond::Exists(a) => attr(NAMES[*a]).exists(),
        Cond::NotExists(a) => attr(NAMES[*a]).not_exists(),
        Cond::Eq(a, v) => {
            let (name, value) = value(*a, *v);
            attr(name).eq(value)
        }
        Cond::Gt(v) => attr("n").gt(n(i64::from(*v % 5))),
        Cond::BeginsWith(v) => attr("s").begins_with(s(["x", "y", "", "xy"][usize::from(*v)])),
        Cond::Contains(v) => match v {
            0 => attr("ss").contains(s("q")),
            1 => attr("s").contains(s("y")),
            2 => attr("l").contains(n(1)),
            _ => attr("ss").contains(s("r")),
        },
        Cond::SizeLt(v) => attr(["s", "ss", "l", "m"][usize::from(*v)]).size().lt(n(2)),
        Cond::IsType(a) => attr(NAMES[*a]).has_type(
            [
                ValueType::N,
                ValueType::S,
                ValueType::Ss,
                ValueType::L,
                ValueType::M,
                ValueType::S,
                ValueType::Bool,
            ][*a],
        ),
        Cond::KeyPath(v) => match v {
            0 => attr("pk").key("x").exists(),
            1 => attr("sk").index(0).not_exists(),
            2 => attr("gk").key("x").exists(),
            _ => attr("s").index(1).exists(),
        },
        Cond::Nested(v) => match v {
            0 => attr("m").key("x").eq(n(1)),
            1 => attr("l").index(1).exists(),
            2 => attr("l").index(0).lt(n(2)),
            _ => attr("m").key("y").not_exists(),
        },
        Cond::Not(c) => condition(c).negate(),
        Cond::And(a, b) => condition(a).and(condition(b)),
        Cond::Or(a, b) => condition(a).or(condition(b)),
    }
}

#[derive(Clone, Debug)]
enum Upd {
    Increment,
    IncrementIfNotExists,
    AddNumber,
    AddSet(u8),
    DeleteSet(u8),
    Remove(usize),
    Append,
    SetNested(u8),
    RemoveFirst,
    Set(usize, u8),
    SetAndRemoveSame,
    /// `SET l[i] = ...`: replaces, or appends past the end.
    SetIndex(u8),
    /// `REMOVE l[i]`, by the index before the update.
    RemoveIndex(u8),
    /// `REMOVE m.x`.
    RemoveNested,
    /// `SET` into a key or index-key attribute's path (refused).
    SetKeyPath(u8),
}

fn update_strategy() -> impl Strategy<Value = Vec<Upd>> {
    let one = prop_oneof![
        Just(Upd::Increment),
        Just(Upd::IncrementIfNotExists),
        Just(Upd::AddNumber),
        (0..3u8).prop_map(Upd::AddSet),
        (0..3u8).prop_map(Upd::DeleteSet),
        (0..7usize).prop_map(Upd::Remove),
        Just(Upd::Append),
        (0..3u8).prop_map(Upd::SetNested),
        Just(Upd::RemoveFirst),
        (0..7usize, 0..8u8).prop_map(|(a, v)| Upd::Set(a, v)),
        Just(Upd::SetAndRemoveSame),
        (0..6u8).prop_map(Upd::SetIndex),
        (0..5u8).prop_map(Upd::RemoveIndex),
        Just(Upd::RemoveNested),
        (0..3u8).prop_map(Upd::SetKeyPath),
    ];
    prop::collection::vec(one, 1..4)
}

fn update(actions: &[Upd]) -> Update {
    let mut u = Update::new();
    for a in actions {
        u = match a {
            Upd::Increment => u.set(attr("n"), attr("n").plus(n(1))),
            Upd::IncrementIfNotExists => u.set(
                attr("n"),
                attr("n").if_not_exists(n(0)).plus(SetOperand::from(n(1))),
            ),
            Upd::AddNumber => u.add(attr("n"), n(2)),
            Upd::AddSet(v) => u.add(attr("ss"), ss(&[["q", "r", "z"][usize::from(*v)]])),
            Upd::DeleteSet(v) => u.delete(attr("ss"), ss(&[["p", "q", "r"][usize::from(*v)]])),
            Upd::Remove(a) => u.remove(attr(NAMES[*a])),
            Upd::Append => u.set(
                attr("l"),
                SetOperand::list_append(
                    attr("l").if_not_exists(AttributeValue::L(vec![])),
                    AttributeValue::L(vec![n(9)]),
                ),
            ),
            Upd::SetNested(v) => u.set(attr("m").key("x"), n(i64::from(*v))),
            Upd::RemoveFirst => u.remove(attr("l").index(0)),
            Upd::Set(a, v) => {
                let (name, value) = value(*a, *v);
                u.set(attr(name), value)
            }
            Upd::SetAndRemoveSame => u.set(attr("s"), s("x")).remove(attr("s")),
            Upd::SetIndex(i) => u.set(attr("l").index(usize::from(*i)), n(7)),
            Upd::RemoveIndex(i) => u.remove(attr("l").index(usize::from(*i))),
            Upd::RemoveNested => u.remove(attr("m").key("x")),
            Upd::SetKeyPath(v) => match v {
                0 => u.set(attr("gk").key("x"), n(1)),
                1 => u.set(attr("n"), SetOperand::from(attr("gk").index(0))),
                _ => u.set(attr("s").key("y"), n(1)),
            },
        };
    }
    u
}

fn return_values(v: u8) -> ReturnValues {
    [
        ReturnValues::None,
        ReturnValues::AllOld,
        ReturnValues::AllNew,
        ReturnValues::UpdatedOld,
        ReturnValues::UpdatedNew,
    ][usize::from(v % 5)]
}

#[derive(Clone, Debug)]
enum Op {
    Put {
        pk: usize,
        sk: i64,
        attrs: Vec<(usize, u8)>,
        cond: Option<Cond>,
        old: bool,
    },
    Update {
        pk: usize,
        sk: i64,
        update: Vec<Upd>,
        cond: Option<Cond>,
        rv: u8,
    },
    Delete {
        pk: usize,
        sk: i64,
        cond: Option<Cond>,
    },
    Get {
        pk: usize,
        sk: i64,
    },
    Query {
        pk: usize,
        range: Option<(u8, i64)>,
        filter: Option<Cond>,
        limit: Option<u32>,
        forward: bool,
        /// 0: the table; 1: `by_gk` (all); 2: `by_gk_inc` (n, l); 3: `by_s`
        /// (a keys-only local index).
        index: u8,
        projection: Option<u8>,
    },
    Scan {
        filter: Option<Cond>,
        limit: Option<u32>,
    },
    Transact {
        actions: Vec<TxAction>,
        check: Option<(usize, i64, Cond)>,
    },
}

/// One action of a random transaction.
#[derive(Clone, Debug)]
enum TxAction {
    Put(usize, i64, u8),
    /// A put whose range key is a string (a type error).
    BadKeyPut(usize),
    /// An update with no update expression.
    UpdateWithout(usize, i64),
    Update(usize, i64, Vec<Upd>),
}

fn tx_action_strategy() -> impl Strategy<Value = TxAction> {
    let pk = 0..2usize;
    let sk = -1..4i64;
    prop_oneof![
        6 => (pk.clone(), sk.clone(), 0..8u8).prop_map(|(p, k, v)| TxAction::Put(p, k, v)),
        1 => pk.clone().prop_map(TxAction::BadKeyPut),
        1 => (pk.clone(), sk.clone()).prop_map(|(p, k)| TxAction::UpdateWithout(p, k)),
        3 => (pk, sk, update_strategy()).prop_map(|(p, k, u)| TxAction::Update(p, k, u)),
    ]
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let pk = 0..2usize;
    let sk = -1..4i64;
    prop_oneof![
        4 => (pk.clone(), sk.clone(), prop::collection::vec((0..7usize, 0..8u8), 0..5), prop::option::of(cond_strategy()), any::<bool>())
            .prop_map(|(pk, sk, attrs, cond, old)| Op::Put { pk, sk, attrs, cond, old }),
        5 => (pk.clone(), sk.clone(), update_strategy(), prop::option::weighted(0.5, cond_strategy()), 0..5u8)
            .prop_map(|(pk, sk, update, cond, rv)| Op::Update { pk, sk, update, cond, rv }),
        2 => (pk.clone(), sk.clone(), prop::option::weighted(0.5, cond_strategy()))
            .prop_map(|(pk, sk, cond)| Op::Delete { pk, sk, cond }),
        2 => (pk.clone(), sk.clone()).prop_map(|(pk, sk)| Op::Get { pk, sk }),
        3 => (pk.clone(), prop::option::of((0..4u8, -1..4i64)), prop::option::weighted(0.4, cond_strategy()), prop::option::of(1..4u32), any::<bool>(), prop_oneof![3 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)], prop::option::weighted(0.3, 0..4u8))
            .prop_map(|(pk, range, filter, limit, forward, index, projection)| Op::Query { pk, range, filter, limit, forward, index, projection }),
        1 => (prop::option::weighted(0.4, cond_strategy()), prop::option::of(1..5u32))
            .prop_map(|(filter, limit)| Op::Scan { filter, limit }),
        2 => (prop::collection::vec(tx_action_strategy(), 1..4), prop::option::of((pk, sk, cond_strategy())))
            .prop_map(|(actions, check)| Op::Transact { actions, check }),
    ]
}

/// What an operation answered, in a form compared across backends.
#[derive(Debug, PartialEq)]
enum Answer {
    Write(Option<Item>),
    Item(Option<Item>),
    Page {
        items: Vec<Item>,
        count: u64,
        scanned: u64,
        last: Option<Item>,
    },
    Done,
    /// The error's kind, message and stored item.
    Error(String),
}

fn error(e: Error) -> Answer {
    let mut text = String::new();
    match &e {
        Error::Conflict { stored, .. } => {
            let _ = write!(text, "Conflict {stored:?}");
        }
        Error::TransactionCanceled { reasons } => {
            let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
            let _ = write!(text, "TransactionCanceled {codes:?}");
        }
        Error::InvalidRequest { message } => {
            let _ = write!(text, "InvalidRequest {message}");
        }
        Error::LimitExceeded { message } => {
            let _ = write!(text, "LimitExceeded {message}");
        }
        other => {
            let _ = write!(text, "{other}");
        }
    }
    Answer::Error(text)
}

fn write(r: Result<WriteOutput, Error>) -> Answer {
    r.map_or_else(error, |o| Answer::Write(o.attributes))
}

fn page(r: Result<Page, Error>) -> Answer {
    r.map_or_else(error, |p| Answer::Page {
        items: p.items,
        count: p.count,
        scanned: p.scanned_count,
        last: p.last_evaluated_key,
    })
}

async fn apply(backend: &dyn Backend, table: &str, op: &Op) -> Answer {
    match op {
        Op::Put {
            pk,
            sk,
            attrs,
            cond,
            old,
        } => {
            let mut item = key(*pk, *sk);
            for (slot, v) in attrs {
                let (name, value) = value(*slot, *v);
                item = item.with(name, value);
            }
            let mut req = PutItem::new(table, item).return_old_on_condition_failure(true);
            if let Some(c) = cond {
                req = req.condition(&condition(c));
            }
            if *old {
                req = req.return_values(ReturnValues::AllOld);
            }
            write(backend.put_item(req).await)
        }
        Op::Update {
            pk,
            sk,
            update: u,
            cond,
            rv,
        } => {
            let mut req = UpdateItem::new(table, key(*pk, *sk))
                .update(&update(u))
                .return_values(return_values(*rv))
                .return_old_on_condition_failure(true);
            if let Some(c) = cond {
                req = req.condition(&condition(c));
            }
            write(backend.update_item(req).await)
        }
        Op::Delete { pk, sk, cond } => {
            let mut req = DeleteItem::new(table, key(*pk, *sk))
                .return_values(ReturnValues::AllOld)
                .return_old_on_condition_failure(true);
            if let Some(c) = cond {
                req = req.condition(&condition(c));
            }
            write(backend.delete_item(req).await)
        }
        Op::Get { pk, sk } => backend
            .get_item(GetItem::new(table, key(*pk, *sk)).consistent(true))
            .await
            .map_or_else(error, |o| Answer::Item(o.item)),
        Op::Query {
            pk,
            range,
            filter,
            limit,
            forward,
            index,
            projection,
        } => {
            let (name, hash, hash_value) = match index {
                1 => (Some("by_gk"), "gk", ["g1", "g2"][*pk]),
                2 => (Some("by_gk_inc"), "gk", ["g1", "g2"][*pk]),
                3 => (Some("by_s"), "pk", PKS[*pk]),
                _ => (None, "pk", PKS[*pk]),
            };
            let mut kc = KeyCondition::hash(hash, hash_value);
            if let Some((kind, v)) = range {
                let c = if *index == 3 {
                    match kind {
                        0 => RangeCondition::BeginsWith(s("x")),
                        1 => RangeCondition::Gt(s("x")),
                        _ => RangeCondition::Le(s("xy")),
                    }
                } else {
                    match kind {
                        0 => RangeCondition::Eq(n(*v)),
                        1 => RangeCondition::Gt(n(*v)),
                        2 => RangeCondition::Le(n(*v)),
                        _ => RangeCondition::Between(n(*v), n(v + 2)),
                    }
                };
                kc = kc.range(if *index == 3 { "s" } else { "sk" }, c);
            }
            let mut q = Query::new(table, &kc)
                .forward(*forward)
                .consistent(matches!(index, 0 | 3));
            if let Some(i) = name {
                q = q.index(i);
            }
            if let Some(f) = filter {
                q = q.filter(&condition(f));
            }
            if let Some(p) = projection {
                let names: &[&str] = match p {
                    0 => &["n", "pk"],
                    1 => &["l", "sk"],
                    2 => &["b", "n"],
                    _ => &["m", "s"],
                };
                q = q.projection(&dynamodb_mapper::expr::Projection::attributes(
                    names.iter().copied(),
                ));
            }
            if let Some(l) = limit {
                q = q.limit(*l);
            }
            if *index == 0 {
                return page(backend.query(q).await);
            }
            // DynamoDB orders items with equal index keys as it likes (the
            // emulator and DynamoDB Local differ): an index query reads
            // every page, under its limit, and is compared in key order.
            let mut items = Vec::new();
            let (mut count, mut scanned) = (0, 0);
            let mut start = None;
            for _ in 0..64 {
                match backend.query(q.clone().start_after(start.take())).await {
                    Err(e) => return error(e),
                    Ok(p) => {
                        items.extend(p.items);
                        count += p.count;
                        scanned += p.scanned_count;
                        match p.last_evaluated_key {
                            Some(k) => start = Some(k),
                            None => break,
                        }
                    }
                }
            }
            items.sort_by_key(|item| format!("{item:?}"));
            Answer::Page {
                items,
                count,
                scanned,
                last: None,
            }
        }
        Op::Scan { filter, limit } => {
            let mut q = Scan::new(table).consistent(true);
            if let Some(f) = filter {
                q = q.filter(&condition(f));
            }
            if let Some(l) = limit {
                q = q.limit(*l);
            }
            page(backend.scan(q).await)
        }
        Op::Transact { actions, check } => {
            // One action per item: DynamoDB refuses two up front, while Local
            // evaluates them first (a documented difference).
            let mut keys = Vec::new();
            let target = |a: &TxAction| match a {
                TxAction::Put(pk, sk, _)
                | TxAction::UpdateWithout(pk, sk)
                | TxAction::Update(pk, sk, _) => Some((*pk, *sk)),
                TxAction::BadKeyPut(_) => None,
            };
            let actions: Vec<&TxAction> = actions
                .iter()
                .filter(|a| match target(a) {
                    Some(k) if keys.contains(&k) => false,
                    Some(k) => {
                        keys.push(k);
                        true
                    }
                    None => true,
                })
                .collect();
            let check = check
                .as_ref()
                .filter(|(pk, sk, _)| !keys.contains(&(*pk, *sk)));
            let mut items: Vec<TransactWriteItem> = actions
                .iter()
                .map(|a| match a {
                    TxAction::Put(pk, sk, v) => {
                        let (_, value) = value(0, *v);
                        TransactWriteItem::Put(PutItem::new(table, key(*pk, *sk).with("n", value)))
                    }
                    TxAction::BadKeyPut(pk) => TransactWriteItem::Put(PutItem::new(
                        table,
                        Item::new().with("pk", PKS[*pk]).with("sk", "one"),
                    )),
                    TxAction::UpdateWithout(pk, sk) => {
                        TransactWriteItem::Update(UpdateItem::new(table, key(*pk, *sk)))
                    }
                    TxAction::Update(pk, sk, u) => TransactWriteItem::Update(
                        UpdateItem::new(table, key(*pk, *sk)).update(&update(u)),
                    ),
                })
                .collect();
            if let Some((pk, sk, c)) = check {
                items.push(TransactWriteItem::ConditionCheck(
                    dynamodb_mapper::backend::ConditionCheck::new(
                        table,
                        key(*pk, *sk),
                        &condition(c),
                    ),
                ));
            }
            backend
                .transact_write_items(TransactWrite {
                    items,
                    ..TransactWrite::default()
                })
                .await
                .map_or_else(error, |_| Answer::Done)
        }
    }
}

fn definition(name: &str) -> TableDefinition {
    TableDefinition::new(
        name,
        KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N),
    )
    .with_global_index(
        "by_gk",
        KeySchema::hash("gk", ScalarType::S).with_range("sk", ScalarType::N),
        IndexProjection::All,
    )
    .with_global_index(
        "by_gk_inc",
        KeySchema::hash("gk", ScalarType::S),
        IndexProjection::Include(vec!["n".to_owned(), "l".to_owned()]),
    )
    .with_local_index(
        "by_s",
        dynamodb_mapper::KeyAttribute::new("s", ScalarType::S),
        IndexProjection::KeysOnly,
    )
}

/// Answers where DynamoDB Local is known to differ from DynamoDB, and the
/// emulator follows DynamoDB (listed in the emulator's documentation).
fn known_difference(ours: &Answer, theirs: &Answer) -> bool {
    let (Answer::Error(a), Answer::Error(b)) = (ours, theirs) else {
        return false;
    };
    // Two actions on one item: DynamoDB refuses the request up front;
    // Local evaluates the conditions first and, if one fails, cancels.
    if a.ends_with("Transaction request cannot include multiple operations on one item")
        && b.starts_with("TransactionCanceled")
    {
        return true;
    }
    // An update with several invalid actions: which one DynamoDB names
    // depends on the hash order of its internal maps; the emulator names
    // the first in its own order. Both refuse the update.
    const EVALUATION: [&str; 3] = [
        "The document path provided in the update expression is invalid for update",
        "The provided expression refers to an attribute that does not exist in the item",
        "An operand in the update expression has an incorrect data type",
    ];
    let evaluation = |m: &str| {
        EVALUATION
            .iter()
            .any(|e| m.strip_prefix("InvalidRequest ") == Some(*e))
    };
    if evaluation(a) && evaluation(b) {
        return true;
    }
    // An update's evaluation error inside a transaction: DynamoDB documents
    // a ValidationError cancellation reason (the emulator's answer); Local
    // answers a plain validation error.
    if a.starts_with("TransactionCanceled")
        && a.contains("ValidationError")
        && b.strip_prefix("InvalidRequest ").is_some_and(|m| {
            EVALUATION.contains(&m)
                || m.starts_with("Item size to update has exceeded")
                || m.starts_with("Number overflow")
                || m.contains("update a secondary index key")
                || m.contains("Cannot update attribute")
                || m.starts_with(
                    "One or more parameter values were invalid: Type mismatch for Index Key",
                )
        })
    {
        return true;
    }
    // A transaction whose earlier action fails to evaluate and whose later
    // action names a path into a key: Local stops at the evaluation error
    // (a plain error for Local, a cancellation reason for DynamoDB); the
    // emulator refuses the later action's path up front.
    if a.starts_with("InvalidRequest Key attributes must be scalars") && evaluation(b) {
        return true;
    }
    // Several invalid values: DynamoDB names the first in the request's
    // JSON, whose order the AWS SDK for Rust leaves to a HashMap.
    let placeholder = without_placeholder(a);
    if placeholder.is_some() && placeholder == without_placeholder(b) {
        return true;
    }
    // Overlapping update paths among three or more: which pair Local names
    // is picked by Java hash order; the emulator names a pair that overlaps
    // (documented). Both refuse the update for the same reason.
    for fault in [
        "Two document paths overlap with each other",
        "Two document paths conflict with each other",
    ] {
        if a.contains(fault) && b.contains(fault) {
            return true;
        }
    }
    false
}

/// The keys `op` updates with only `REMOVE` and `DELETE` actions: on an
/// absent item such an update creates nothing (DynamoDB's answer, the
/// emulator's), where DynamoDB Local creates the item from its key (a
/// listed difference).
fn takes_away_only(op: &Op) -> Vec<(usize, i64)> {
    let only = |u: &[Upd]| update(u).only_takes_away();
    match op {
        Op::Update { pk, sk, update, .. } if only(update) => vec![(*pk, *sk)],
        Op::Transact { actions, .. } => actions
            .iter()
            .filter_map(|a| match a {
                TxAction::Update(pk, sk, u) if only(u) => Some((*pk, *sk)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// True when `ours` is `theirs` with some of its maps' entries left out:
/// `UPDATED_OLD` and `UPDATED_NEW` return the updated paths (`{m: {x}}`,
/// DynamoDB's answer, the emulator's), where DynamoDB Local returns whole
/// top-level attributes (`{m: {x, y}}`; a listed difference).
fn part_of(ours: &AttributeValue, theirs: &AttributeValue) -> bool {
    match (ours, theirs) {
        (AttributeValue::M(a), AttributeValue::M(b)) => a
            .iter()
            .all(|(k, v)| b.get(k).is_some_and(|w| part_of(v, w))),
        _ => ours == theirs,
    }
}

fn updated_part_of(ours: &Answer, theirs: &Answer) -> bool {
    match (ours, theirs) {
        (Answer::Write(Some(a)), Answer::Write(Some(b))) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| part_of(v, w)))
        }
        _ => false,
    }
}

/// An "invalid value" message without the placeholder it names.
fn without_placeholder(message: &str) -> Option<String> {
    let (head, tail) = message.split_once(" for key :")?;
    let rest = tail.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    Some(format!("{head}{rest}"))
}

static TABLES: AtomicU64 = AtomicU64::new(0);

fn run(with_server: bool, cases: u32) -> Result<(), Failed> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let reference: Arc<dyn Backend> = if with_server {
        let endpoint = endpoint().expect("an endpoint");
        Arc::new(
            rt.block_on(
                dynamodb_mapper_dynamodb::DynamoDbBackend::builder()
                    .endpoint(&endpoint)
                    .build(),
            )
            .map_err(|e| Failed::from(e.to_string()))?,
        )
    } else {
        Arc::new(SledBackend::temporary().map_err(|e| Failed::from(e.to_string()))?)
    };
    let memory = MemoryBackend::new();
    let cases = std::env::var("DIFFERENTIAL_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(op_strategy(), 1..30), |ops| {
        let table = format!(
            "diff_{}_{}",
            std::process::id(),
            TABLES.fetch_add(1, Ordering::Relaxed)
        );
        rt.block_on(async {
            memory
                .create_table(definition(&table))
                .await
                .map_err(fail)?;
            reference
                .create_table(definition(&table))
                .await
                .map_err(fail)?;
            for (step, op) in ops.iter().enumerate() {
                let taken = if with_server {
                    takes_away_only(op)
                } else {
                    Vec::new()
                };
                let mut absent = Vec::new();
                for &(pk, sk) in &taken {
                    let get = Op::Get { pk, sk };
                    if apply(&memory, &table, &get).await == Answer::Item(None) {
                        absent.push((pk, sk));
                    }
                }
                let ours = apply(&memory, &table, op).await;
                let theirs = apply(&*reference, &table, op).await;
                if !absent.is_empty() {
                    // Local created what DynamoDB leaves absent: made absent
                    // again, and this step's answers not compared (Local's
                    // ALL_NEW is the key, or an error for a nested path).
                    for (pk, sk) in absent {
                        if apply(&memory, &table, &Op::Get { pk, sk }).await == Answer::Item(None) {
                            reference
                                .delete_item(DeleteItem::new(&table, key(pk, sk)))
                                .await
                                .map_err(fail)?;
                        }
                    }
                    continue;
                }
                if with_server
                    && (known_difference(&ours, &theirs) || updated_part_of(&ours, &theirs))
                {
                    continue;
                }
                prop_assert_eq!(ours, theirs, "step {}: {:?}", step, op);
            }
            // The whole table, at the end.
            let all = Op::Scan {
                filter: None,
                limit: None,
            };
            let ours = apply(&memory, &table, &all).await;
            let theirs = apply(&*reference, &table, &all).await;
            prop_assert_eq!(ours, theirs, "final scan");
            Ok(())
        })
    });
    result.map_err(|e| Failed::from(e.to_string()))
}

fn fail(e: Error) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}
