//! No ABA through the version counter: random interleavings of load,
//! change, save, delete and create of one key by several copies of a
//! versioned value, on every backend. A guarded save or delete succeeds
//! exactly when the stored item is still the one that copy last saw (the
//! same incarnation, saved no time since); a save of a value never saved,
//! or saved and then deleted, succeeds exactly when no item has the key.
//! In particular a copy loaded before a delete never overwrites the item
//! re-created after it.

use dynamodb_mapper::repository::Tracked;
use dynamodb_mapper::{Error, Repository, RepositoryExt, Table};
use dynamodb_mapper_tests::models::Doc;
use dynamodb_mapper_tests::{Env, Kind, cases, run_suite};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

fn main() {
    run_suite(
        "the version model",
        cases![random_interleavings, a_copy_from_before_a_delete_conflicts],
    )
}

const COPIES: usize = 3;

#[derive(Clone, Debug)]
enum Op {
    Load(usize),
    Fresh(usize),
    Change(usize, String),
    Save(usize),
    Delete(usize),
    Create(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0..COPIES;
    let body = prop::sample::select(vec!["a".to_owned(), "b".to_owned()]);
    prop_oneof![
        3 => c.clone().prop_map(Op::Load),
        1 => c.clone().prop_map(Op::Fresh),
        3 => (c.clone(), body).prop_map(|(c, b)| Op::Change(c, b)),
        4 => c.clone().prop_map(Op::Save),
        2 => c.clone().prop_map(Op::Delete),
        1 => c.prop_map(Op::Create),
    ]
}

/// An incarnation of the item and how many times it was saved since.
type Snapshot = (u32, u32);

struct Copy {
    value: Tracked<Doc>,
    /// What the copy last saw stored, when it saw an item.
    seen: Option<Snapshot>,
}

fn fresh() -> Doc {
    Doc {
        id: "d".into(),
        body: "new".into(),
        version: 0,
        note: None,
    }
}

fn fail(e: Error) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

async fn check(table: &Table<Doc>, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut current: Option<Snapshot> = None;
    let mut incarnations = 0u32;
    let mut copies: Vec<Copy> = (0..COPIES)
        .map(|_| Copy {
            value: Tracked::new(fresh()),
            seen: None,
        })
        .collect();
    for (step, op) in ops.into_iter().enumerate() {
        match op {
            Op::Load(c) => {
                let got = table.get_consistent("d").await.map_err(fail)?;
                prop_assert_eq!(got.is_some(), current.is_some(), "step {}: load", step);
                copies[c] = match got {
                    Some(t) => Copy {
                        value: t,
                        seen: current,
                    },
                    None => Copy {
                        value: Tracked::new(fresh()),
                        seen: None,
                    },
                };
            }
            Op::Fresh(c) => {
                copies[c] = Copy {
                    value: Tracked::new(fresh()),
                    seen: None,
                }
            }
            Op::Change(c, body) => copies[c].value.body = body,
            Op::Save(c) => {
                let copy = &mut copies[c];
                let before = copy.value.version;
                let was_new = copy.value.is_new();
                let result = table.save(&mut copy.value).await;
                let expected_ok = if was_new {
                    current.is_none()
                } else {
                    copy.seen.is_some() && copy.seen == current
                };
                prop_assert_eq!(
                    result.is_ok(),
                    expected_ok,
                    "step {}: save by copy {} ({:?}, current {:?}): {:?}",
                    step,
                    c,
                    copy.seen,
                    current,
                    result
                );
                if result.is_ok() {
                    prop_assert!(
                        copy.value.version > before,
                        "step {}: the version counts up",
                        step
                    );
                    current = match (was_new, copy.seen) {
                        (false, Some((i, n))) => Some((i, n + 1)),
                        _ => {
                            incarnations += 1;
                            Some((incarnations, 0))
                        }
                    };
                    copy.seen = current;
                } else {
                    prop_assert_eq!(
                        copy.value.version,
                        before,
                        "step {}: a failed save keeps the version",
                        step
                    );
                }
            }
            Op::Delete(c) => {
                let copy = &mut copies[c];
                let never_saved = copy.value.is_new();
                let expected_ok = !never_saved && copy.seen.is_some() && copy.seen == current;
                let result = table.delete(&mut copy.value).await;
                prop_assert_eq!(
                    result.is_ok(),
                    expected_ok,
                    "step {}: delete by copy {}: {:?}",
                    step,
                    c,
                    result
                );
                if result.is_ok() {
                    current = None;
                    copy.seen = None;
                } else if never_saved {
                    // A value never saved (or deleted since) guards nothing.
                    prop_assert!(
                        matches!(result, Err(Error::InvalidRequest { .. })),
                        "step {}: {:?}",
                        step,
                        result
                    );
                } else {
                    prop_assert!(
                        matches!(result, Err(Error::Conflict { .. })),
                        "step {}: {:?}",
                        step,
                        result
                    );
                }
            }
            Op::Create(c) => {
                let result = table.create(fresh()).await;
                prop_assert_eq!(
                    result.is_ok(),
                    current.is_none(),
                    "step {}: create: {:?}",
                    step,
                    result
                );
                if let Ok(t) = result {
                    incarnations += 1;
                    current = Some((incarnations, 0));
                    copies[c] = Copy {
                        value: t,
                        seen: current,
                    };
                } else {
                    prop_assert!(
                        matches!(result, Err(Error::AlreadyExists { .. })),
                        "step {}: {:?}",
                        step,
                        result
                    );
                }
            }
        }
    }
    Ok(())
}

async fn random_interleavings(env: Env) {
    let cases = match env.kind {
        Kind::Memory => 256,
        Kind::Sled => 64,
        Kind::DynamoDb => 32,
    };
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let counter = std::sync::atomic::AtomicU64::new(0);
    let handle = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        runner.run(&prop::collection::vec(op(), 1..40), |ops| {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let table = env
                .repo::<Doc>()
                .with_name(env.table_name(&format!("docs{n}")));
            handle.block_on(async {
                table.create_table().await.map_err(fail)?;
                check(&table, ops).await
            })
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The case the issue names: load `d`, keep a stale copy, save, delete,
/// create again; the stale copy's save is a conflict, not an overwrite.
async fn a_copy_from_before_a_delete_conflicts(env: Env) {
    let docs = env.table::<Doc>().await;
    docs.create(fresh()).await.unwrap();
    let mut d = docs.get_consistent("d").await.unwrap().unwrap();
    let mut stale = d.clone();
    d.body = "two".into();
    docs.save(&mut d).await.unwrap();
    docs.delete(&mut d).await.unwrap();
    let recreated = docs.create(fresh()).await.unwrap();
    assert!(
        recreated.version > d.version,
        "a new incarnation starts after the old one: {} then {}",
        d.version,
        recreated.version
    );
    stale.body = "stale".into();
    assert!(matches!(
        docs.save(&mut stale).await,
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        docs.delete(&mut stale).await,
        Err(Error::Conflict { .. })
    ));
    let now = docs.get_consistent("d").await.unwrap().unwrap();
    assert_eq!((now.body.as_str(), now.version), ("new", recreated.version));

    // The same value re-saved after its delete continues its version.
    docs.delete_key("d").await.unwrap();
    let before = d.version;
    docs.save(&mut d).await.unwrap();
    assert_eq!(d.version, before + 1);
}
