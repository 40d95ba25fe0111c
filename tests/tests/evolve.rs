//! Table evolution on every backend: `migrate_table` creates the indexes a
//! model gained (backfilled from the items already there), lists the ones
//! it lost and deletes them only when asked, and refuses what DynamoDB
//! cannot do in place.

use dynamodb_mapper::backend::IndexStatus;
use dynamodb_mapper::repository::MigrateTableOptions;
use dynamodb_mapper::{Error, Model, QuerySpec, Repository, RepositoryExt, Table};
use dynamodb_mapper_tests::{Env, cases, run_suite};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

fn main() {
    run_suite(
        "the table evolution suite",
        cases![
            missing_indexes_are_created_and_backfilled,
            extra_indexes_are_listed_then_deleted_when_asked,
            a_missing_local_index_is_refused,
            a_changed_index_key_is_refused,
            a_missing_table_is_refused,
        ],
    )
}

/// The first version of the table: no secondary index.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "accounts")]
struct AccountV1 {
    #[model(hash_key)]
    owner: String,
    #[model(range_key)]
    id: u32,
    email: String,
    region: String,
}

/// The second version: two global indexes.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(
    table = "accounts",
    gsi(name = "by_email", hash = "email"),
    gsi(name = "by_region", hash = "region", range = "id")
)]
struct AccountV2 {
    #[model(hash_key)]
    owner: String,
    #[model(range_key)]
    id: u32,
    email: String,
    region: String,
}

/// The third version: `by_region` is gone.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "accounts", gsi(name = "by_email", hash = "email"))]
struct AccountV3 {
    #[model(hash_key)]
    owner: String,
    #[model(range_key)]
    id: u32,
    email: String,
    region: String,
}

/// A version with a local index, which cannot be added to the table.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(
    table = "accounts",
    gsi(name = "by_email", hash = "email"),
    lsi(name = "by_region_local", range = "region")
)]
struct AccountLocal {
    #[model(hash_key)]
    owner: String,
    #[model(range_key)]
    id: u32,
    email: String,
    region: String,
}

/// `by_email` keyed on another attribute than V2's.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "accounts", gsi(name = "by_email", hash = "region"))]
struct AccountChanged {
    #[model(hash_key)]
    owner: String,
    #[model(range_key)]
    id: u32,
    email: String,
    region: String,
}

fn v1(owner: &str, id: u32, region: &str) -> AccountV1 {
    AccountV1 {
        owner: owner.into(),
        id,
        email: format!("{owner}{id}@example.com"),
        region: region.into(),
    }
}

/// The table of `T` on the case's `accounts` table.
fn same_table<T: Model, U: Model>(env: &Env, _of: &Table<U>) -> Table<T> {
    env.repo::<T>()
}

async fn missing_indexes_are_created_and_backfilled(env: Env) {
    let old = env.table::<AccountV1>().await;
    for (owner, id, region) in [("ann", 1, "eu"), ("ann", 2, "us"), ("bob", 1, "eu")] {
        old.create(v1(owner, id, region)).await.unwrap();
    }
    let new: Table<AccountV2> = same_table(&env, &old);
    let report = new.migrate_table(MigrateTableOptions::new()).await.unwrap();
    assert_eq!(report.created, ["by_email", "by_region"]);
    assert!(report.deleted.is_empty() && report.extra.is_empty());
    let d = env.backend.describe_table(new.table_name()).await.unwrap();
    assert_eq!(d.index_status("by_email"), Some(IndexStatus::Active));
    assert_eq!(d.index_status("by_region"), Some(IndexStatus::Active));
    // The items written before the indexes are in them.
    let found: Vec<dynamodb_mapper::Tracked<AccountV2>> = new
        .query(QuerySpec::new("bob1@example.com").index("by_email"))
        .map(|r| r.unwrap())
        .collect()
        .await;
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].owner.as_str(), found[0].id), ("bob", 1));
    let mut in_eu: Vec<(String, u32)> = new
        .query(QuerySpec::new("eu").index("by_region"))
        .map(|r| {
            let a = r.unwrap().into_inner();
            (a.owner, a.id)
        })
        .collect()
        .await;
    in_eu.sort();
    assert_eq!(in_eu, [("ann".to_owned(), 1), ("bob".to_owned(), 1)]);
    // Again: nothing to do.
    let again = new.migrate_table(MigrateTableOptions::new()).await.unwrap();
    assert!(again.is_unchanged(), "{again:?}");
}

async fn extra_indexes_are_listed_then_deleted_when_asked(env: Env) {
    let v2 = env.table::<AccountV2>().await;
    let v3: Table<AccountV3> = same_table(&env, &v2);
    v3.create(AccountV3 {
        owner: "ann".into(),
        id: 1,
        email: "a@example.com".into(),
        region: "eu".into(),
    })
    .await
    .unwrap();
    let listed = v3.migrate_table(MigrateTableOptions::new()).await.unwrap();
    assert!(listed.is_unchanged());
    assert_eq!(listed.extra, ["by_region"]);
    let d = env.backend.describe_table(v3.table_name()).await.unwrap();
    assert!(
        d.definition.index("by_region").is_some(),
        "not deleted unasked"
    );
    let deleted = v3
        .migrate_table(MigrateTableOptions::new().delete_extra_indexes(true))
        .await
        .unwrap();
    assert_eq!(deleted.deleted, ["by_region"]);
    assert!(deleted.created.is_empty() && deleted.extra.is_empty());
    let d = env.backend.describe_table(v3.table_name()).await.unwrap();
    assert!(d.definition.index("by_region").is_none());
    assert_eq!(d.index_status("by_region"), None);
    assert!(v3.get(("ann", 1u32)).await.unwrap().is_some());
}

async fn a_missing_local_index_is_refused(env: Env) {
    let old = env.table::<AccountV1>().await;
    let local: Table<AccountLocal> = same_table(&env, &old);
    let err = local
        .migrate_table(MigrateTableOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("local indexes can only be created with the table"),
        "{err}"
    );
    assert!(err.to_string().contains("by_region_local"), "{err}");
    // Refused before anything changed: the global index was not created.
    let d = env.backend.describe_table(old.table_name()).await.unwrap();
    assert!(d.definition.indexes.is_empty());
}

async fn a_changed_index_key_is_refused(env: Env) {
    let v2 = env.table::<AccountV2>().await;
    let changed: Table<AccountChanged> = same_table(&env, &v2);
    let err = changed
        .migrate_table(MigrateTableOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(err.to_string().contains("by_email"), "{err}");
}

async fn a_missing_table_is_refused(env: Env) {
    let never: Table<AccountV2> = env.repo();
    let err = never
        .migrate_table(MigrateTableOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TableNotFound { .. }), "{err:?}");
}
