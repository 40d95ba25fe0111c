//! Schema versions on every backend: a table holding items of versions 1,
//! 2 and 3 reads as version 3 on every read path; a guarded save of an
//! upgraded item writes version 3 and conflicts if the old item changed;
//! detectors, numeric order, failing steps, items from the future; bulk
//! migration beside live writers.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use dynamodb_mapper::backend::{Backend, GetItem, PutItem};
use dynamodb_mapper::expr::{Update, attr};
use dynamodb_mapper::migration::{BulkOptions, Migrations};
use dynamodb_mapper::transaction::{ReadTransaction, Transaction};
use dynamodb_mapper::{
    AttributeValue, Error, Item, Model, QuerySpec, Repository, RepositoryExt, SaveMode, ScanSpec,
    Table, Tracked,
};
use dynamodb_mapper_tests::models::Person;
use dynamodb_mapper_tests::{Env, Kind, cases, run_suite};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

fn main() {
    run_suite(
        "the migration suite",
        cases![
            every_read_path_upgrades,
            a_save_writes_the_current_version,
            every_write_stamps_the_current_version,
            a_changed_old_item_is_a_conflict,
            steps_run_in_numeric_order,
            failures_name_the_key_and_the_step,
            bulk_migration_beside_writers,
        ],
    )
}

fn v1(id: u32, name: &str) -> Item {
    Item::new()
        .with("team", "t")
        .with("id", id)
        .with("name", name)
        .with("schema_version", 1)
}

fn v2_legacy(id: u32, name: &str) -> Item {
    // Written before versions were recorded: detected as version 2.
    Item::new()
        .with("team", "t")
        .with("id", id)
        .with("full_name", name)
}

fn v3(id: u32, first: &str) -> Person {
    Person {
        team: "t".into(),
        id,
        first: first.into(),
        last: "Now".into(),
        tags: ["new".to_string()].into(),
        visits: 0,
    }
}

async fn put_raw(people: &Table<Person>, item: Item) {
    people
        .backend()
        .put_item(PutItem::new(people.table_name(), item))
        .await
        .unwrap();
}

async fn raw(people: &Table<Person>, id: u32) -> Item {
    people
        .backend()
        .get_item(
            GetItem::new(
                people.table_name(),
                Item::new().with("team", "t").with("id", id),
            )
            .consistent(true),
        )
        .await
        .unwrap()
        .item
        .unwrap()
}

/// A table with a v1, a legacy v2 and a v3 item.
async fn mixed(env: &Env) -> Table<Person> {
    let people = env.table::<Person>().await;
    put_raw(&people, v1(1, "Ada Lovelace")).await;
    put_raw(&people, v2_legacy(2, "Alan Turing")).await;
    people.create(v3(3, "Grace")).await.unwrap();
    people
}

fn check(p: &Person) {
    match p.id {
        1 => assert_eq!((p.first.as_str(), p.last.as_str()), ("Ada", "Lovelace")),
        2 => assert_eq!((p.first.as_str(), p.last.as_str()), ("Alan", "Turing")),
        3 => assert_eq!(p.first, "Grace"),
        _ => {}
    }
    let expected = if p.id == 3 { "new" } else { "migrated" };
    assert!(p.tags.iter().any(|t| t == expected), "{p:?}");
}

async fn every_read_path_upgrades(env: Env) {
    let people = mixed(&env).await;
    for id in 1..=3 {
        check(&people.get(("t", id)).await.unwrap().unwrap());
        check(&people.get_consistent(("t", id)).await.unwrap().unwrap());
    }
    let many = people
        .get_many([("t", 1u32), ("t", 2), ("t", 3)])
        .await
        .unwrap();
    many.iter().for_each(|p| check(p.as_ref().unwrap()));
    let queried: Vec<_> = people.query(QuerySpec::new("t")).collect().await;
    assert_eq!(queried.len(), 3);
    queried.iter().for_each(|p| check(p.as_ref().unwrap()));
    let scanned: Vec<_> = people.scan(ScanSpec::new()).collect().await;
    assert_eq!(scanned.len(), 3);
    scanned.iter().for_each(|p| check(p.as_ref().unwrap()));
    let mut seen = 0;
    for mut s in people.parallel_scan(ScanSpec::new(), 3) {
        while let Some(p) = s.next().await {
            check(&p.unwrap());
            seen += 1;
        }
    }
    assert_eq!(seen, 3);
    let page = people.query_page(QuerySpec::new("t"), None).await.unwrap();
    page.items.iter().for_each(|p| check(p));
    let page = people.scan_page(ScanSpec::new(), None).await.unwrap();
    page.items.iter().for_each(|p| check(p));
    let mut read = ReadTransaction::new();
    let h = read.get(&people, ("t", 1u32)).unwrap();
    check(&read.commit().await.unwrap().take(h).unwrap().unwrap());
    // Reading changed nothing stored.
    assert!(raw(&people, 1).await.contains_key("name"));
}

async fn a_save_writes_the_current_version(env: Env) {
    let people = mixed(&env).await;
    // A field added behind the model's back, kept across the migration.
    people
        .backend()
        .update_item(
            dynamodb_mapper::backend::UpdateItem::new(
                people.table_name(),
                Item::new().with("team", "t").with("id", 1),
            )
            .update(&Update::new().set(attr("extra"), 5)),
        )
        .await
        .unwrap();
    let mut ada = people.get_consistent(("t", 1u32)).await.unwrap().unwrap();
    assert!(ada.upgraded().is_some());
    assert_eq!(
        ada.stored().unwrap().get("name"),
        Some(&AttributeValue::from("Ada Lovelace"))
    );
    ada.visits += 1;
    people.save(&mut ada).await.unwrap();
    let stored = raw(&people, 1).await;
    assert_eq!(stored.get("schema_version"), Some(&AttributeValue::from(3)));
    assert_eq!(stored.get("first"), Some(&AttributeValue::from("Ada")));
    assert!(
        !stored.contains_key("name"),
        "the old attribute is gone: {stored:?}"
    );
    assert!(!stored.contains_key("full_name"), "{stored:?}");
    assert_eq!(
        stored.get("extra"),
        Some(&AttributeValue::from(5)),
        "unknown attributes survive"
    );
    assert!(ada.upgraded().is_none(), "saved, the item is current");
    // An update of an old item writes it upgraded too.
    let alan = people
        .update(("t", 2u32), Update::new().set(attr("visits"), 9), None)
        .await
        .unwrap();
    assert_eq!((alan.first.as_str(), alan.visits), ("Alan", 9));
    let stored = raw(&people, 2).await;
    assert_eq!(stored.get("schema_version"), Some(&AttributeValue::from(3)));
    assert!(!stored.contains_key("full_name"));
    // A new item carries the version.
    assert_eq!(
        raw(&people, 3).await.get("schema_version"),
        Some(&AttributeValue::from(3))
    );
}

async fn every_write_stamps_the_current_version(env: Env) {
    let people = env.table::<Person>().await;
    people.put(&v3(4, "Put")).await.unwrap();
    people
        .put_many(&[v3(5, "Many"), v3(6, "Many")])
        .await
        .unwrap();
    let mut over = Tracked::new(v3(7, "Overwrite"));
    people
        .save_with(&mut over, SaveMode::Overwrite)
        .await
        .unwrap();
    let mut tx = Transaction::new();
    tx.put(&people, &v3(8, "Transaction")).unwrap();
    tx.commit().await.unwrap();
    for id in 4..=8 {
        let stored = raw(&people, id).await;
        assert_eq!(
            stored.get("schema_version"),
            Some(&AttributeValue::from(3)),
            "item {id}: {stored:?}"
        );
        // Read back, it is current: no step runs on it.
        let read = people.get_consistent(("t", id)).await.unwrap().unwrap();
        assert!(read.upgraded().is_none(), "item {id}");
    }
    // Nothing for a bulk migration to do.
    let report = people
        .migrate_items(BulkOptions::default(), &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(report.counts.migrated, 0);
}

async fn a_changed_old_item_is_a_conflict(env: Env) {
    let people = mixed(&env).await;
    let mut ada = people.get_consistent(("t", 1u32)).await.unwrap().unwrap();
    put_raw(&people, v1(1, "Ada King")).await;
    ada.visits = 1;
    assert!(matches!(
        people.save(&mut ada).await,
        Err(Error::Conflict { .. })
    ));
    assert!(
        raw(&people, 1).await.contains_key("name"),
        "the v1 item is untouched"
    );
}

/// Steps append their number: they must run 1, 2, ..., 11, in numbers'
/// order (2 before 11), not in text's.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "ordered", migrations = twelve_versions)]
struct Ordered {
    #[model(hash_key)]
    id: String,
    steps: Vec<u32>,
}

fn twelve_versions() -> Migrations {
    let mut m = Migrations::new(12);
    for from in 1..12 {
        m = m.step(from, move |mut item: Item| {
            let mut steps = match item.remove("steps").map(AttributeValue::unpack) {
                Some(dynamodb_mapper::Unpacked::L(l)) => l,
                _ => Vec::new(),
            };
            steps.push(AttributeValue::from(from));
            item.insert("steps".into(), AttributeValue::L(steps));
            Ok::<_, std::convert::Infallible>(item)
        });
    }
    m
}

async fn steps_run_in_numeric_order(env: Env) {
    let table = env.table::<Ordered>().await;
    table
        .backend()
        .put_item(PutItem::new(
            table.table_name(),
            Item::new().with("id", "a"),
        ))
        .await
        .unwrap();
    table
        .backend()
        .put_item(PutItem::new(
            table.table_name(),
            Item::new()
                .with("id", "b")
                .with("schema_version", 9)
                .with("steps", AttributeValue::L(vec![])),
        ))
        .await
        .unwrap();
    assert_eq!(
        table.get("a").await.unwrap().unwrap().steps,
        (1..12).collect::<Vec<_>>()
    );
    assert_eq!(table.get("b").await.unwrap().unwrap().steps, [9, 10, 11]);
}

async fn failures_name_the_key_and_the_step(env: Env) {
    let people = env.table::<Person>().await;
    put_raw(&people, v2_legacy(7, "FAIL")).await;
    match people.get(("t", 7u32)).await {
        Err(Error::Migration { key, failure, .. }) => {
            assert_eq!(key, "(t, 7)");
            let text = failure.to_string();
            assert!(
                text.contains("from version 2 to 3") && text.contains("cannot split"),
                "{text}"
            );
        }
        other => panic!("expected a migration failure, got {other:?}"),
    }
    // From the future: refused, naming both versions.
    put_raw(&people, v1(8, "X").with("schema_version", 4)).await;
    match people.get(("t", 8u32)).await {
        Err(Error::Migration { failure, .. }) => {
            let text = failure.to_string();
            assert!(
                text.contains('4') && text.contains('3') && text.contains("newer"),
                "{text}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // No detector matches: a typed error, not a guess.
    put_raw(
        &people,
        Item::new().with("team", "t").with("id", 9).with("odd", 1),
    )
    .await;
    match people.get(("t", 9u32)).await {
        Err(Error::Migration { failure, .. }) => {
            assert!(failure.to_string().contains("no detector"), "{failure}")
        }
        other => panic!("expected undetected, got {other:?}"),
    }
}

async fn bulk_migration_beside_writers(env: Env) {
    let n: u32 = match env.kind {
        Kind::Memory => 10_000,
        Kind::Sled => 4_000,
        Kind::DynamoDb => 2_000,
    };
    let people = env.table::<Person>().await;
    let mut batch = Vec::new();
    for id in 0..n {
        batch.push(if id % 2 == 0 {
            v1(id, "Old Person")
        } else {
            v2_legacy(id, "Legacy Person")
        });
    }
    for chunk in batch.chunks(25) {
        let mut w = dynamodb_mapper::backend::BatchWrite::new();
        for item in chunk {
            w = w.put(people.table_name(), item.clone());
        }
        people.backend().batch_write_item(w).await.unwrap();
    }
    // Writers count visits on random items while the migration runs.
    let expected = Arc::new(AtomicI64::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let people = people.clone();
            let (expected, stop) = (expected.clone(), stop.clone());
            tokio::spawn(async move {
                let mut rng = fastrand_seed(w);
                let mut counts: BTreeMap<u32, i64> = BTreeMap::new();
                while !stop.load(Ordering::Relaxed) {
                    let id = (rng() % u64::from(n)) as u32;
                    people
                        .modify(("t", id), |p: &mut Person| {
                            p.visits += 1;
                            Ok::<_, Error>(())
                        })
                        .await
                        .unwrap();
                    *counts.entry(id).or_default() += 1;
                    expected.fetch_add(1, Ordering::Relaxed);
                }
                counts
            })
        })
        .collect();
    let mut pages = 0;
    let report = people
        .migrate_items(BulkOptions::default(), &mut |_, _| pages += 1)
        .await
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    let mut per_item: BTreeMap<u32, i64> = BTreeMap::new();
    for w in writers {
        for (id, c) in w.await.unwrap() {
            *per_item.entry(id).or_default() += c;
        }
    }
    assert!(pages > 0);
    assert_eq!(report.counts.failures, 0, "{:?}", report.failed);
    assert_eq!(report.counts.scanned, u64::from(n));
    assert!(report.checkpoint.is_done());
    // Every item is current, and no visit was lost.
    let mut total = 0;
    let mut outdated = 0;
    let mut stream = people.scan(ScanSpec::new().consistent());
    while let Some(p) = stream.next().await {
        let p = p.unwrap();
        if p.upgraded().is_some() {
            outdated += 1;
        }
        assert_eq!(p.visits, per_item.get(&p.id).copied().unwrap_or(0), "{p:?}");
        total += p.visits;
    }
    assert_eq!(outdated, 0);
    assert_eq!(total, expected.load(Ordering::Relaxed));
    // Idempotent: a second run migrates nothing.
    let again = people
        .migrate_items(BulkOptions::default(), &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(again.counts.migrated, 0);
    assert_eq!(again.counts.current, u64::from(n));
}

fn fastrand_seed(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}
