//! The repository suite: `Repository<T>` through its public API, every case
//! on every backend (memory, sled, and the DynamoDB backend against
//! DynamoDB Local when `tests/run` provides it).

mod batch;
mod conflicts;
mod cursors;
mod items;
mod keys;
mod naming;
mod paging;
mod progress;
mod quickstart;
mod races;

use dynamodb_mapper::backend::UpdateItem;
use dynamodb_mapper::expr::Update;
use dynamodb_mapper::{Error, Item, Repository, Table};
use dynamodb_mapper_tests::models::User;
use dynamodb_mapper_tests::{Case, run_suite};

fn main() {
    run_suite("the repository suite", all())
}

/// Every case of the suite (also run with the pacer on, by `repository_paced`).
pub fn all() -> Vec<Case> {
    let mut all: Vec<Case> = Vec::new();
    all.extend(conflicts::cases());
    all.extend(items::cases());
    all.extend(batch::cases());
    all.extend(paging::cases());
    all.extend(cursors::cases());
    all.extend(progress::cases());
    all.extend(keys::cases());
    all.extend(naming::cases());
    all.extend(races::cases());
    all.extend(quickstart::cases());
    all
}

/// A key of a string-keyed model.
pub fn k(s: &str) -> String {
    s.to_owned()
}

/// Another writer changes the item behind the repository's back.
pub async fn behind_back(table: &Table<User>, id: &str, update: Update) {
    table
        .backend()
        .update_item(
            UpdateItem::new(table.table_name(), Item::new().with("id", id)).update(&update),
        )
        .await
        .expect("a direct write");
}

/// Asserts a conflict, returning the stored item it carries.
#[track_caller]
pub fn expect_conflict<T: std::fmt::Debug>(result: Result<T, Error>) -> Option<Item> {
    match result {
        Err(Error::Conflict { stored, .. }) => stored.map(|b| *b),
        other => panic!("expected a conflict, got {other:?}"),
    }
}
