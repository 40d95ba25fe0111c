//! An application service written against `Arc<dyn Repository<T>>`, and
//! tested with the in-memory backend: the tests at the bottom run with
//! `cargo test --workspace` (or `cargo test -p dynamodb-mapper-examples
//! --example service`). `cargo run --example service` runs a short demo.

use std::sync::Arc;

use dynamodb_mapper::expr::{Update, attr};
use dynamodb_mapper::{Error, Model, Repository, RepositoryExt, Table};
use dynamodb_mapper_memory::MemoryBackend;
use serde::{Deserialize, Serialize};

/// A prepaid account.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "accounts")]
pub struct Account {
    /// The owner's email.
    #[model(hash_key)]
    #[validate(regex = "^[^@ ]+@[^@ ]+$")]
    pub email: String,
    /// Credits, never negative, at most a million.
    #[validate(range(min = 0, max = 1_000_000))]
    pub credits: i64,
    /// Optimistic locking.
    #[model(version)]
    pub version: u64,
}

/// What the service tells its callers.
#[derive(Debug, PartialEq)]
pub enum AccountError {
    /// The email already has an account.
    Taken,
    /// No account with that email.
    Unknown,
    /// Not enough credits.
    Insufficient,
    /// The request breaks a rule (a bad email, too many credits).
    Invalid(String),
    /// The store is unavailable; try again later.
    Unavailable(String),
}

impl From<Error> for AccountError {
    fn from(e: Error) -> Self {
        match e {
            Error::Validation(v) => AccountError::Invalid(v.to_string()),
            Error::NotFound { .. } => AccountError::Unknown,
            Error::AlreadyExists { .. } => AccountError::Taken,
            other => AccountError::Unavailable(other.to_string()),
        }
    }
}

/// The service: it knows the repository trait, not the store under it.
pub struct Accounts {
    repo: Arc<dyn Repository<Account>>,
}

impl Accounts {
    /// A service over any repository of accounts.
    pub fn new(repo: Arc<dyn Repository<Account>>) -> Self {
        Accounts { repo }
    }

    /// Opens an account with a welcome bonus.
    pub async fn open(&self, email: &str) -> Result<Account, AccountError> {
        let account = Account {
            email: email.to_owned(),
            credits: 100,
            version: 0,
        };
        Ok(self.repo.create(account).await?.into_inner())
    }

    /// Adds credits (read, change, save; retried if someone else saved meanwhile).
    pub async fn deposit(&self, email: &str, amount: i64) -> Result<i64, AccountError> {
        let saved = self
            .repo
            .modify(email, |a: &mut Account| {
                a.credits += amount;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(saved.credits)
    }

    /// Takes credits, atomically, only if there are enough.
    pub async fn withdraw(&self, email: &str, amount: i64) -> Result<i64, AccountError> {
        let update = Update::new().set(attr("credits"), attr("credits").minus(amount));
        let enough = attr("credits").ge(amount);
        match self
            .repo
            .update(email.to_owned(), update, Some(enough))
            .await
        {
            Ok(account) => Ok(account.credits),
            // The condition failed: no account, or not enough credits.
            Err(Error::Conflict { stored: None, .. }) => Err(AccountError::Unknown),
            Err(Error::Conflict { .. }) => Err(AccountError::Insufficient),
            Err(e) => Err(e.into()),
        }
    }

    /// The balance.
    pub async fn balance(&self, email: &str) -> Result<i64, AccountError> {
        match self.repo.get(email.to_owned()).await? {
            Some(account) => Ok(account.credits),
            None => Err(AccountError::Unknown),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    dynamodb_mapper_examples::init_logging();
    let table = Table::<Account>::new(MemoryBackend::new());
    table.create_table().await?;
    let accounts = Accounts::new(Arc::new(table));
    println!(
        "open: {:?}",
        accounts.open("ada@example.com").await.map(|a| a.credits)
    );
    println!(
        "open again: {:?}",
        accounts.open("ada@example.com").await.map(|a| a.credits)
    );
    println!(
        "deposit 50: {:?}",
        accounts.deposit("ada@example.com", 50).await
    );
    println!(
        "withdraw 500: {:?}",
        accounts.withdraw("ada@example.com", 500).await
    );
    println!(
        "withdraw 120: {:?}",
        accounts.withdraw("ada@example.com", 120).await
    );
    println!("balance: {:?}", accounts.balance("ada@example.com").await);
    println!(
        "open a bad email: {:?}",
        accounts.open("not an email").await.map(|a| a.credits)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn service() -> (Accounts, MemoryBackend) {
        let memory = MemoryBackend::new();
        let table = Table::<Account>::new(memory.clone());
        table.create_table().await.unwrap();
        (Accounts::new(Arc::new(table)), memory)
    }

    #[tokio::test]
    async fn opening_twice_is_refused() {
        let (accounts, _) = service().await;
        assert_eq!(accounts.open("a@b.c").await.unwrap().credits, 100);
        assert_eq!(accounts.open("a@b.c").await, Err(AccountError::Taken));
        assert!(matches!(
            accounts.open("nope").await,
            Err(AccountError::Invalid(_))
        ));
    }

    #[tokio::test]
    async fn withdrawals_never_overdraw() {
        let (accounts, _) = service().await;
        accounts.open("a@b.c").await.unwrap();
        assert_eq!(accounts.withdraw("a@b.c", 30).await, Ok(70));
        assert_eq!(
            accounts.withdraw("a@b.c", 71).await,
            Err(AccountError::Insufficient)
        );
        assert_eq!(
            accounts.withdraw("x@b.c", 1).await,
            Err(AccountError::Unknown)
        );
        assert_eq!(accounts.balance("a@b.c").await, Ok(70));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_deposits_all_count() {
        let (accounts, _) = service().await;
        accounts.open("a@b.c").await.unwrap();
        let accounts = Arc::new(accounts);
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let accounts = accounts.clone();
                tokio::spawn(async move {
                    for _ in 0..10 {
                        accounts.deposit("a@b.c", 1).await.unwrap();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(accounts.balance("a@b.c").await, Ok(200));
    }

    #[tokio::test]
    async fn a_throttling_store_is_unavailable() {
        let (accounts, memory) = service().await;
        accounts.open("a@b.c").await.unwrap();
        memory.throttle_next(1);
        assert!(matches!(
            accounts.balance("a@b.c").await,
            Err(AccountError::Unavailable(_))
        ));
        assert_eq!(accounts.balance("a@b.c").await, Ok(100));
    }
}
