//! Quickstart: a typed repository on the embedded store, then the same
//! program on DynamoDB.
//!
//! ```sh
//! cargo run --example quickstart       # sled store in ./data: nothing to install
//! tests/with-dynamodb-local cargo run --example quickstart --features aws
//!                                      # DynamoDB Local, on DYNAMODB_MAPPER_ENDPOINT
//! QUICKSTART_STORE=aws cargo run --example quickstart --features aws
//!                                      # AWS, from the environment
//! ```
//!
//! Without the `aws` feature the example builds only the embedded store,
//! not the AWS SDK, so the first run takes a fraction of the time.
//!
//! The sled store keeps its data between runs: run it twice and Alice
//! remembers her visits, and ticket numbers keep counting.

use std::sync::Arc;

use dynamodb_mapper::backend::Backend;
use dynamodb_mapper::expr::{RangeCondition, Update, attr};
use dynamodb_mapper::repository::QuerySpec;
use dynamodb_mapper::{
    AttributeValue, Error, Model, Repository, RepositoryExt, StringSet, Table, Timestamp,
};
use dynamodb_mapper_sled::SledBackend;
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

/// A user, with conflict detection against the whole stored item.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "quickstart_users")]
struct User {
    #[model(hash_key)]
    #[validate(length(min = 3, max = 32))]
    id: String,
    #[validate(range(min = 0, max = 1000))]
    energy: i64,
    visits: u64,
    tags: StringSet,
    joined: Timestamp,
}

/// What a user did: a range key for ordered queries, and an index by kind.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(
    table = "quickstart_events",
    gsi(name = "by_kind", hash = "kind", range = "seq")
)]
struct Event {
    #[model(hash_key)]
    user: String,
    #[model(range_key)]
    seq: u64,
    kind: String,
}

/// A support ticket whose number comes from the table's counter.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "quickstart_tickets")]
struct Ticket {
    #[model(hash_key, auto_increment)]
    id: u64,
    title: String,
}

/// The endpoint variable that `tests/with-dynamodb-local` sets.
const ENDPOINT_VAR: &str = "DYNAMODB_MAPPER_ENDPOINT";

#[cfg(feature = "aws")]
async fn open_dynamodb() -> Result<Option<(Arc<dyn Backend>, String)>, Error> {
    use dynamodb_mapper_dynamodb::DynamoDbBackend;
    if let Ok(endpoint) = std::env::var(ENDPOINT_VAR) {
        let backend = DynamoDbBackend::builder()
            .endpoint(&endpoint)
            .build()
            .await?;
        return Ok(Some((Arc::new(backend), format!("DynamoDB at {endpoint}"))));
    }
    if std::env::var("QUICKSTART_STORE").as_deref() == Ok("aws") {
        let backend = DynamoDbBackend::from_env().await?;
        return Ok(Some((
            Arc::new(backend),
            "DynamoDB (AWS, from the environment)".into(),
        )));
    }
    Ok(None)
}

#[cfg(not(feature = "aws"))]
async fn open_dynamodb() -> Result<Option<(Arc<dyn Backend>, String)>, Error> {
    if std::env::var_os(ENDPOINT_VAR).is_some()
        || std::env::var("QUICKSTART_STORE").as_deref() == Ok("aws")
    {
        return Err(Error::InvalidRequest {
            message: format!(
                "DynamoDB was asked for ({ENDPOINT_VAR} or QUICKSTART_STORE=aws) but this build has no DynamoDB backend: run with `--features aws`"
            ),
        });
    }
    Ok(None)
}

async fn open_store() -> Result<(Arc<dyn Backend>, String), Error> {
    if let Some(store) = open_dynamodb().await? {
        return Ok(store);
    }
    let dir = std::env::var("QUICKSTART_DATA").unwrap_or_else(|_| "./data".into());
    let backend = SledBackend::open(&dir)?;
    Ok((Arc::new(backend), format!("the sled store in {dir}")))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    // The library's log lines: RUST_LOG=dynamodb_mapper=info (or =debug).
    // (Inline rather than `dynamodb_mapper_examples::init_logging`: the
    // tests crate compiles this file too.)
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .try_init();
    let (store, described) = open_store().await?;
    println!("store: {described}");
    tour(store, &|line| println!("{line}")).await
}

/// The tour, on any store; `say` prints a line.
pub async fn tour(store: Arc<dyn Backend>, say: &(dyn Fn(String) + Sync)) -> Result<(), Error> {
    // Tables come from the models; ensure_table creates them once.
    let users = Table::<User>::shared(store.clone());
    let events = Table::<Event>::shared(store.clone());
    let tickets = Table::<Ticket>::shared(store.clone());
    users.ensure_table().await?;
    events.ensure_table().await?;
    tickets.ensure_table().await?;
    for table in [
        users.table_name(),
        events.table_name(),
        tickets.table_name(),
    ] {
        say(format!("table {table}: ready"));
    }

    // Save and load.
    let id = "alice".to_string();
    let mut alice = match users.get(&id).await? {
        Some(alice) => {
            say(format!(
                "loaded alice from an earlier run: {} visits",
                alice.visits
            ));
            alice
        }
        None => {
            let alice = User {
                id: id.clone(),
                energy: 10,
                visits: 0,
                tags: ["admin".to_string()].into(),
                joined: Timestamp::now(),
            };
            say("created alice".into());
            users.create(alice).await?
        }
    };
    alice.visits += 1;
    users.save(&mut alice).await?;
    say(format!("saved alice: visit number {}", alice.visits));

    // Conflict detection: a copy loaded before someone else's save is stale.
    let mut stale = users.get_consistent(&id).await?.expect("alice exists");
    alice.energy = (alice.energy + 10) % 1000;
    users.save(&mut alice).await?;
    stale.energy = 0;
    match users.save(&mut stale).await {
        Err(Error::Conflict { .. }) => {
            say("conflict detected: the stale copy was not saved".into())
        }
        other => say(format!("unexpected: {other:?}")),
    }

    // A new item over an existing key is refused.
    if let Err(e @ Error::AlreadyExists { .. }) = users.create((*alice).clone()).await {
        say(format!("refused: {e}"));
    }

    // Validation runs before every write.
    stale = users.get_consistent(&id).await?.expect("alice exists");
    stale.energy = 5000;
    if let Err(e) = users.save(&mut stale).await {
        say(format!("refused: {e}"));
    }

    // A partial update with a condition, validated before it is sent.
    let updated = users
        .update(
            &id,
            Update::new().add(attr("tags"), AttributeValue::Ss(vec!["regular".into()])),
            Some(attr("visits").ge(1)),
        )
        .await?;
    let tags: Vec<&String> = updated.tags.iter().collect();
    say(format!("updated alice's tags: {tags:?}"));

    // Batches: 60 events in 25-item requests, then a range query.
    let batch: Vec<Event> = (0..60)
        .map(|seq| Event {
            user: id.clone(),
            seq,
            kind: if seq % 3 == 0 { "login" } else { "click" }.into(),
        })
        .collect();
    events.put_many(&batch).await?;
    let range: Vec<_> = events
        .query(QuerySpec::new(id.as_str()).range(RangeCondition::Between(10.into(), 14.into())))
        .try_collect()
        .await?;
    let seqs: Vec<u64> = range.iter().map(|e| e.seq).collect();
    say(format!("events 10 to 14: {seqs:?}"));
    let latest: Vec<_> = events
        .query(QuerySpec::new(id.as_str()).reverse().limit(3))
        .try_collect()
        .await?;
    let seqs: Vec<u64> = latest.iter().map(|e| e.seq).collect();
    say(format!("latest three events: {seqs:?}"));
    let logins = events
        .query(QuerySpec::new("login").index("by_kind"))
        .try_fold(0, |n, _| async move { Ok(n + 1) })
        .await?;
    say(format!("logins (by the by_kind index): {logins}"));

    // Batch get: any number of keys, results in the caller's order.
    users
        .put(&User {
            id: "bob".into(),
            energy: 50,
            visits: 0,
            tags: StringSet::new(),
            joined: Timestamp::now(),
        })
        .await?;
    let keys = ["bob".to_string(), "nobody".to_string(), id.clone()];
    let found = users.get_many(&keys).await?;
    for (key, user) in keys.iter().zip(&found) {
        say(format!(
            "batch get {key}: {}",
            if user.is_some() { "found" } else { "missing" }
        ));
    }

    // Auto-increment keys: the counter lives in the table and survives restarts.
    let ticket = tickets
        .create(Ticket {
            id: 0,
            title: format!("visit {} of alice", alice.visits),
        })
        .await?;
    say(format!("opened ticket #{}", ticket.id));
    Ok(())
}
