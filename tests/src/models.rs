//! The models the suites store.

use dynamodb_mapper::{EpochSeconds, Model, StringSet, Timestamp, Validate};
use serde::{Deserialize, Serialize};

/// A model without a version attribute: conflicts are detected against the
/// whole stored item.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "users")]
pub struct User {
    /// Hash key.
    #[model(hash_key)]
    pub id: String,
    /// A name.
    #[validate(length(min = 1, max = 40))]
    pub name: String,
    /// Energy, from 0 to 1000.
    #[validate(range(min = 0, max = 1000))]
    pub energy: i64,
    /// A flag.
    pub admin: bool,
    /// A string set (absent when empty).
    pub tags: StringSet,
    /// An optional attribute (absent when `None`).
    pub nickname: Option<String>,
    /// A nested map, validated.
    #[validate(nested)]
    pub address: Option<Address>,
}

/// A nested value.
#[derive(Validate, Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Address {
    /// Street.
    pub street: String,
    /// Five digits.
    #[validate(regex = "^[0-9]{5}$")]
    pub zip: String,
}

impl User {
    /// A valid user.
    pub fn new(id: impl Into<String>) -> User {
        User {
            id: id.into(),
            name: "Alice".to_owned(),
            energy: 10,
            admin: false,
            tags: StringSet::new(),
            nickname: None,
            address: Some(Address {
                street: "1 Main St".to_owned(),
                zip: "75001".to_owned(),
            }),
        }
    }
}

/// A model with a version attribute: conflicts are detected by version.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "docs")]
pub struct Doc {
    /// Hash key.
    #[model(hash_key)]
    pub id: String,
    /// Body.
    #[validate(length(max = 100))]
    pub body: String,
    /// Version, checked and incremented on every save.
    #[model(version)]
    pub version: u64,
    /// An attribute outside the version's watch.
    pub note: Option<String>,
}

/// A model with a range key and both kinds of secondary index.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(
    table = "events",
    gsi(name = "by_kind", hash = "kind", range = "seq"),
    lsi(name = "by_at", range = "at")
)]
pub struct Event {
    /// Hash key.
    #[model(hash_key)]
    pub stream: String,
    /// Range key.
    #[model(range_key)]
    pub seq: u64,
    /// Index hash key.
    pub kind: String,
    /// Local index range key.
    pub at: Timestamp,
    /// Payload.
    pub payload: String,
}

/// A model with an auto-increment hash key.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "tickets")]
pub struct Ticket {
    /// Assigned from the table's counter when 0.
    #[model(hash_key, auto_increment)]
    pub id: i64,
    /// Title.
    #[validate(length(min = 1))]
    pub title: String,
}

fn default_theme() -> String {
    "light".to_owned()
}

/// A model with default values for missing attributes.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "settings")]
pub struct Settings {
    /// Hash key.
    #[model(hash_key)]
    pub id: String,
    /// Defaults to "light".
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Defaults to 3.
    #[serde(default = "three")]
    pub retries: u32,
    /// Defaults to empty.
    #[serde(default)]
    pub labels: Vec<String>,
}

fn three() -> u32 {
    3
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            id: String::new(),
            theme: default_theme(),
            retries: three(),
            labels: Vec::new(),
        }
    }
}

/// A model with a TTL attribute and provisioned throughput.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "sessions", read_capacity = 5, write_capacity = 5)]
pub struct Session {
    /// Hash key.
    #[model(hash_key)]
    pub token: String,
    /// When the session expires.
    #[model(ttl)]
    pub expires: EpochSeconds,
}

/// A counter, for concurrency tests.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "counters")]
pub struct Counter {
    /// Hash key.
    #[model(hash_key)]
    pub id: String,
    /// The count.
    pub value: i64,
}

/// An account, for transactions: a balance that may not go negative.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "accounts")]
pub struct Account {
    /// Hash key.
    #[model(hash_key)]
    pub id: String,
    /// The balance, never negative.
    #[validate(range(min = 0))]
    pub balance: i64,
    /// Version, checked and incremented on every save.
    #[model(version)]
    pub version: u64,
}

impl Account {
    /// An account with a balance.
    pub fn new(id: &str, balance: i64) -> Account {
        Account {
            id: id.to_owned(),
            balance,
            version: 0,
        }
    }
}

/// An order, for transactions across models.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "orders")]
pub struct Order {
    /// Hash key.
    #[model(hash_key)]
    pub id: String,
    /// The account that pays.
    pub account: String,
    /// The amount, positive.
    #[validate(range(min = 1))]
    pub amount: i64,
}

/// A model at schema version 3, with migrations from versions 1 and 2:
/// v1 had `name`; v2 renamed it `full_name`; v3 splits it into `first`
/// and `last` and adds `tags`.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "people", migrations = person_migrations)]
pub struct Person {
    /// Hash key.
    #[model(hash_key)]
    pub team: String,
    /// Range key.
    #[model(range_key)]
    pub id: u32,
    /// First name.
    #[validate(length(min = 1))]
    pub first: String,
    /// Last name (may be empty).
    pub last: String,
    /// Tags (absent when empty).
    pub tags: StringSet,
    /// Visits, counted by live writers (0 in items from before it existed).
    #[serde(default)]
    pub visits: i64,
}

fn text(item: &dynamodb_mapper::Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s()).map(str::to_owned)
}

/// The migrations of [`Person`].
pub fn person_migrations() -> dynamodb_mapper::migration::Migrations {
    use dynamodb_mapper::migration::Migrations;
    Migrations::new(3)
        .step(1, |mut item: dynamodb_mapper::Item| {
            let name = item.remove("name").ok_or("a v1 person has a name")?;
            item.insert("full_name".into(), name);
            Ok::<_, &'static str>(item)
        })
        .step(2, |mut item: dynamodb_mapper::Item| {
            let full = text(&item, "full_name").ok_or("a v2 person has a full_name")?;
            if full == "FAIL" {
                return Err(format!("cannot split {full:?}"));
            }
            item.remove("full_name");
            let (first, last) = full.split_once(' ').unwrap_or((full.as_str(), ""));
            let item = item.with("first", first).with("last", last).with(
                "tags",
                dynamodb_mapper::AttributeValue::Ss(vec!["migrated".into()]),
            );
            Ok(item)
        })
        // Items written before versions were recorded.
        .detect(1, |item| item.contains_key("name"))
        .detect(2, |item| item.contains_key("full_name"))
        .detect(3, |item| item.contains_key("first"))
}

/// How far a sale got: an enum that serde stores as a string, used as an
/// index's hash key.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not paid yet.
    New,
    /// Paid.
    Paid,
}

impl dynamodb_mapper::KeyType for Status {
    const SCALAR_TYPE: dynamodb_mapper::ScalarType = dynamodb_mapper::ScalarType::S;
}

/// A sale: an index keyed by an enum and a timestamp.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(
    table = "sales",
    gsi(name = "by_status", hash = "status", range = "at")
)]
pub struct Sale {
    /// Hash key.
    #[model(hash_key)]
    pub id: String,
    /// Index hash key.
    pub status: Status,
    /// Index range key.
    pub at: Timestamp,
    /// The amount.
    pub cents: i64,
}

/// A model whose items hold any attribute: a map flattened by serde.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "notes")]
pub struct Note {
    /// Hash key.
    #[model(hash_key)]
    pub id: String,
    /// Every other attribute.
    #[serde(flatten)]
    pub extra: std::collections::BTreeMap<String, dynamodb_mapper::AttributeValue>,
}
