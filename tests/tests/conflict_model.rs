//! Conflict detection against a reference model: random interleavings of
//! loads, changes, saves and deletes by three writers, and of writes made
//! behind their backs, on every backend. A guarded save or delete must
//! succeed exactly when the stored item is still what the writer loaded
//! (or, for a value never loaded, when no item has the key), and the store
//! must then hold exactly what the reference model says: no lost update.

use dynamodb_mapper::repository::Tracked;
use dynamodb_mapper::{Error, Repository, RepositoryExt, StringSet, Table};
use dynamodb_mapper_tests::models::User;
use dynamodb_mapper_tests::{Env, Kind, cases, run_suite};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

fn main() {
    run_suite("the conflict model", cases![random_interleavings])
}

const WRITERS: usize = 3;

#[derive(Clone, Debug)]
enum Change {
    Energy(i64),
    Nickname(Option<String>),
    ToggleAdmin,
    Tag(String),
}

#[derive(Clone, Debug)]
enum Op {
    Load(usize),
    Fresh(usize),
    Change(usize, Change),
    Save(usize),
    Delete(usize),
    /// Another program writes the item directly.
    Behind(Change),
    /// Another program deletes the item.
    BehindDelete,
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (0i64..4).prop_map(Change::Energy),
        prop::option::of(prop::sample::select(vec!["a".to_owned(), "b".to_owned()]))
            .prop_map(Change::Nickname),
        Just(Change::ToggleAdmin),
        prop::sample::select(vec!["x".to_owned(), "y".to_owned()]).prop_map(Change::Tag),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let w = 0..WRITERS;
    prop_oneof![
        3 => w.clone().prop_map(Op::Load),
        1 => w.clone().prop_map(Op::Fresh),
        4 => (w.clone(), change()).prop_map(|(w, c)| Op::Change(w, c)),
        4 => w.clone().prop_map(Op::Save),
        1 => w.prop_map(Op::Delete),
        2 => change().prop_map(Op::Behind),
        1 => Just(Op::BehindDelete),
    ]
}

fn apply(user: &mut User, change: &Change) {
    match change {
        Change::Energy(e) => user.energy = *e,
        Change::Nickname(n) => user.nickname = n.clone(),
        Change::ToggleAdmin => user.admin = !user.admin,
        Change::Tag(t) => {
            let mut tags: Vec<String> = user.tags.iter().cloned().collect();
            if let Some(i) = tags.iter().position(|x| x == t) {
                tags.remove(i);
            } else {
                tags.push(t.clone());
            }
            user.tags = tags.into_iter().collect::<StringSet>();
        }
    }
}

/// A writer: its value and, per the reference model, what it loaded.
struct Writer {
    value: Tracked<User>,
    loaded: Option<User>,
}

async fn check(table: &Table<User>, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let id = "u".to_owned();
    let mut current: Option<User> = None;
    let mut writers: Vec<Writer> = (0..WRITERS)
        .map(|_| Writer {
            value: Tracked::new(User::new("u")),
            loaded: None,
        })
        .collect();
    for (step, op) in ops.into_iter().enumerate() {
        match op {
            Op::Load(w) => {
                let got = table.get_consistent(&id).await.map_err(fail)?;
                prop_assert_eq!(got.as_deref(), current.as_ref(), "step {}: load", step);
                writers[w] = match got {
                    Some(t) => Writer {
                        loaded: Some((*t).clone()),
                        value: t,
                    },
                    None => Writer {
                        value: Tracked::new(User::new("u")),
                        loaded: None,
                    },
                };
            }
            Op::Fresh(w) => {
                writers[w] = Writer {
                    value: Tracked::new(User::new("u")),
                    loaded: None,
                }
            }
            Op::Change(w, c) => apply(&mut writers[w].value, &c),
            Op::Save(w) => {
                let writer = &mut writers[w];
                let result = table.save(&mut writer.value).await;
                match &writer.loaded {
                    None if current.is_none() => {
                        prop_assert!(result.is_ok(), "step {}: new save {:?}", step, result);
                    }
                    None => prop_assert!(
                        matches!(result, Err(Error::AlreadyExists { .. })),
                        "step {}: new save over an item: {:?}",
                        step,
                        result
                    ),
                    Some(loaded) if Some(loaded) == current.as_ref() => {
                        prop_assert!(result.is_ok(), "step {}: save {:?}", step, result);
                    }
                    Some(_) => prop_assert!(
                        matches!(result, Err(Error::Conflict { .. })),
                        "step {}: stale save: {:?}",
                        step,
                        result
                    ),
                }
                if result.is_ok() {
                    current = Some((*writer.value).clone());
                    writer.loaded = current.clone();
                }
            }
            Op::Delete(w) => {
                let writer = &mut writers[w];
                let result = table.delete(&mut writer.value).await;
                match &writer.loaded {
                    Some(loaded) if Some(loaded) == current.as_ref() => {
                        prop_assert!(result.is_ok(), "step {}: delete {:?}", step, result);
                        current = None;
                        writer.loaded = None;
                    }
                    Some(_) => prop_assert!(
                        matches!(result, Err(Error::Conflict { .. })),
                        "step {}: stale delete: {:?}",
                        step,
                        result
                    ),
                    // A value never saved (or deleted since) guards nothing.
                    None => prop_assert!(
                        matches!(result, Err(Error::InvalidRequest { .. })),
                        "step {}: delete of a never-saved value: {:?}",
                        step,
                        result
                    ),
                }
            }
            Op::Behind(c) => {
                let mut user = current.clone().unwrap_or_else(|| User::new("u"));
                apply(&mut user, &c);
                table.put(&user).await.map_err(fail)?;
                current = Some(user);
            }
            Op::BehindDelete => {
                table.delete_key(&id).await.map_err(fail)?;
                current = None;
            }
        }
    }
    let stored = table.get_consistent(&id).await.map_err(fail)?;
    prop_assert_eq!(stored.as_deref(), current.as_ref(), "final state");
    Ok(())
}

fn fail(e: Error) -> TestCaseError {
    TestCaseError::fail(e.to_string())
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
            // Each case on a table of its own.
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let table = env
                .repo::<User>()
                .with_name(env.table_name(&format!("users{n}")));
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
