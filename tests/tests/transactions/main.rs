//! Typed transactions through the public API, on every backend: every
//! action kind, across models, typed cancellation reasons, limits refused
//! before sending, read snapshots, the Python mapper's transactor cases,
//! sub-transactions, the transaction record, idempotent resends.

mod actions;
mod targets;

use dynamodb_mapper::Table;
use dynamodb_mapper_tests::models::{Account, Order};
use dynamodb_mapper_tests::{Case, Env, run_suite};

fn main() {
    let mut all: Vec<Case> = Vec::new();
    all.extend(actions::cases());
    all.extend(targets::cases());
    run_suite("the transaction suite", all)
}

/// The accounts and orders tables of a case, with alice (100) and bob (0).
pub async fn bank(env: &Env) -> (Table<Account>, Table<Order>) {
    use dynamodb_mapper::Repository;
    let accounts = env.table::<Account>().await;
    let orders = env.table::<Order>().await;
    accounts.create(Account::new("alice", 100)).await.unwrap();
    accounts.create(Account::new("bob", 0)).await.unwrap();
    (accounts, orders)
}

/// The balance of an account, read strongly consistent.
pub async fn balance(accounts: &Table<Account>, id: &str) -> Option<i64> {
    use dynamodb_mapper::RepositoryExt;
    accounts
        .get_consistent(id)
        .await
        .unwrap()
        .map(|a| a.balance)
}
