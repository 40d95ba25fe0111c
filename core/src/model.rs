//! Describing tables: [`Model`], [`TableDefinition`] and their parts.
//!
//! A model is a Rust type stored in one table. `#[derive(Model)]` declares
//! the table, its keys, indexes, version and TTL attributes and
//! auto-increment key from attributes on the struct; the description is
//! available at run time as a [`ModelSchema`], and becomes a
//! [`TableDefinition`] that any backend can create.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::validate::Validate;
use crate::value::Item;

/// The type of a key attribute: DynamoDB keys are strings, numbers or binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarType {
    /// String (`S`).
    S,
    /// Number (`N`).
    N,
    /// Binary (`B`).
    B,
}

impl ScalarType {
    /// DynamoDB's name: `"S"`, `"N"` or `"B"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }

    /// The value type of a key of this scalar type.
    pub fn value_type(self) -> crate::ValueType {
        match self {
            ScalarType::S => crate::ValueType::S,
            ScalarType::N => crate::ValueType::N,
            ScalarType::B => crate::ValueType::B,
        }
    }
}

impl fmt::Display for ScalarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Rust type that can be a table or index key, and which DynamoDB type it
/// is stored as.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a DynamoDB key",
    label = "key fields must be strings, integers, `Number`, `Timestamp` or `Binary`",
    note = "DynamoDB keys are of type S (string), N (number) or B (binary); implement `KeyType` for your own key types"
)]
pub trait KeyType {
    /// The DynamoDB type of the key attribute.
    const SCALAR_TYPE: ScalarType;
}

macro_rules! key_types {
    ($st:ident: $($t:ty),*) => {$(
        impl KeyType for $t {
            const SCALAR_TYPE: ScalarType = ScalarType::$st;
        }
    )*};
}
key_types!(S: String, str, char, Box<str>, std::sync::Arc<str>, crate::Timestamp);
key_types!(N: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, crate::Number, crate::EpochSeconds);
key_types!(B: crate::Binary);

impl<T: KeyType + ?Sized> KeyType for &T {
    const SCALAR_TYPE: ScalarType = T::SCALAR_TYPE;
}

/// An integer type usable as an auto-incremented hash key. Zero means "not
/// assigned yet".
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an auto-increment key",
    label = "auto-increment keys must be an integer type"
)]
pub trait AutoIncrementKey: KeyType + Sized {
    /// The value as `u64` (zero when not assigned, or negative).
    fn get(&self) -> u64;
    /// The value for a counter reading, if it fits the type.
    fn from_counter(value: u64) -> Option<Self>;
}

macro_rules! auto_increment_types {
    ($($t:ty),*) => {$(
        impl AutoIncrementKey for $t {
            fn get(&self) -> u64 {
                u64::try_from(*self).unwrap_or(0)
            }
            fn from_counter(value: u64) -> Option<Self> {
                <$t>::try_from(value).ok()
            }
        }
    )*};
}
auto_increment_types!(i32, i64, i128, isize, u32, u64, u128, usize);

/// An integer type usable as a version attribute (optimistic locking).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a version attribute",
    label = "version attributes must be an unsigned or signed integer, or an Option of one"
)]
pub trait VersionValue {
    /// The current version; 0 for an item never saved.
    fn get(&self) -> u64;
    /// Sets the version.
    fn set(&mut self, version: u64);
}

macro_rules! version_types {
    ($($t:ty),*) => {$(
        impl VersionValue for $t {
            fn get(&self) -> u64 {
                u64::try_from(*self).unwrap_or(0)
            }
            fn set(&mut self, version: u64) {
                *self = <$t>::try_from(version).unwrap_or(<$t>::MAX);
            }
        }
        impl VersionValue for Option<$t> {
            fn get(&self) -> u64 {
                self.map_or(0, |v| u64::try_from(v).unwrap_or(0))
            }
            fn set(&mut self, version: u64) {
                *self = Some(<$t>::try_from(version).unwrap_or(<$t>::MAX));
            }
        }
    )*};
}
version_types!(i32, i64, u32, u64, usize);

/// A key attribute: its name and type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyAttribute {
    /// The attribute name.
    pub name: String,
    /// Its type.
    pub scalar_type: ScalarType,
}

impl KeyAttribute {
    /// A key attribute.
    pub fn new(name: impl Into<String>, scalar_type: ScalarType) -> Self {
        KeyAttribute {
            name: name.into(),
            scalar_type,
        }
    }
}

/// A primary key or index key: a hash (partition) key and an optional range
/// (sort) key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeySchema {
    /// The hash (partition) key.
    pub hash: KeyAttribute,
    /// The range (sort) key, if any.
    pub range: Option<KeyAttribute>,
}

impl KeySchema {
    /// A hash-only key.
    pub fn hash(name: impl Into<String>, scalar_type: ScalarType) -> Self {
        KeySchema {
            hash: KeyAttribute::new(name, scalar_type),
            range: None,
        }
    }

    /// Adds a range key.
    pub fn with_range(mut self, name: impl Into<String>, scalar_type: ScalarType) -> Self {
        self.range = Some(KeyAttribute::new(name, scalar_type));
        self
    }

    /// The key's attributes: the hash key, then the range key if any.
    pub fn attributes(&self) -> impl Iterator<Item = &KeyAttribute> {
        std::iter::once(&self.hash).chain(self.range.as_ref())
    }

    /// The key's attribute names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.attributes().map(|a| a.name.as_str())
    }

    /// True if `name` is one of the key's attributes.
    pub fn contains(&self, name: &str) -> bool {
        self.names().any(|n| n == name)
    }

    /// The key of `item` (a key, or a whole item) as text: its values,
    /// hash first, without quotes: `alice`, `(alice, 3)`. The text
    /// [`KeyOf`](crate::repository::KeyOf) displays, and the errors that
    /// name an item ([`Error::NotFound`], [`Error::Conflict`], ...) carry.
    pub fn describe(&self, item: &Item) -> String {
        let mut values = self
            .names()
            .filter_map(|n| item.get(n))
            .map(describe_scalar);
        match (values.next(), values.next()) {
            (Some(one), None) => one,
            (first, second) => {
                let all: Vec<String> = first.into_iter().chain(second).chain(values).collect();
                format!("({})", all.join(", "))
            }
        }
    }

    /// The key part of an item (the key attributes it has).
    pub fn key_of(&self, item: &Item) -> Item {
        let mut key = Item::new();
        for a in self.attributes() {
            if let Some(v) = item.get(&a.name) {
                key.insert(a.name.clone(), v.clone());
            }
        }
        key
    }
}

/// A key value as text: strings without quotes, numbers as their digits.
pub(crate) fn describe_scalar(v: &crate::AttributeValue) -> String {
    match v {
        crate::AttributeValue::S(s) => s.clone(),
        crate::AttributeValue::N(n) => n.to_string(),
        crate::AttributeValue::B(b) => format!("{b:?}"),
        other => format!("{other:?}"),
    }
}

/// Which attributes a secondary index copies from the table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IndexProjection {
    /// Every attribute.
    All,
    /// Only the table's and the index's key attributes.
    KeysOnly,
    /// The keys and these attributes.
    Include(Vec<String>),
}

/// Global or local secondary index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IndexKind {
    /// A global secondary index: any hash and range key.
    Global,
    /// A local secondary index: the table's hash key, another range key.
    Local,
}

/// Provisioned read and write capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Throughput {
    /// Read capacity units per second.
    pub read_capacity_units: u64,
    /// Write capacity units per second.
    pub write_capacity_units: u64,
}

/// How a table's capacity is paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum BillingMode {
    /// On demand (`PAY_PER_REQUEST`).
    #[default]
    PayPerRequest,
    /// Provisioned capacity.
    Provisioned(Throughput),
}

/// A secondary index of a table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IndexDefinition {
    /// The index name.
    pub name: String,
    /// Global or local.
    pub kind: IndexKind,
    /// The index's key.
    pub key: KeySchema,
    /// The attributes copied into the index.
    pub projection: IndexProjection,
    /// Provisioned capacity of a global index on a provisioned table.
    pub throughput: Option<Throughput>,
}

/// Everything needed to create a table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TableDefinition {
    /// The table name.
    pub name: String,
    /// The primary key.
    pub key: KeySchema,
    /// Secondary indexes, global and local.
    pub indexes: Vec<IndexDefinition>,
    /// On-demand or provisioned.
    pub billing: BillingMode,
    /// The time-to-live attribute, if TTL is enabled.
    pub ttl_attribute: Option<String>,
}

impl TableDefinition {
    /// A table with a primary key, on demand, no index, no TTL.
    pub fn new(name: impl Into<String>, key: KeySchema) -> Self {
        TableDefinition {
            name: name.into(),
            key,
            indexes: Vec::new(),
            billing: BillingMode::PayPerRequest,
            ttl_attribute: None,
        }
    }

    /// Adds a global secondary index.
    pub fn with_global_index(
        mut self,
        name: impl Into<String>,
        key: KeySchema,
        projection: IndexProjection,
    ) -> Self {
        self.indexes.push(IndexDefinition {
            name: name.into(),
            kind: IndexKind::Global,
            key,
            projection,
            throughput: None,
        });
        self
    }

    /// Adds a local secondary index on another range key.
    pub fn with_local_index(
        mut self,
        name: impl Into<String>,
        range: KeyAttribute,
        projection: IndexProjection,
    ) -> Self {
        let key = KeySchema {
            hash: self.key.hash.clone(),
            range: Some(range),
        };
        self.indexes.push(IndexDefinition {
            name: name.into(),
            kind: IndexKind::Local,
            key,
            projection,
            throughput: None,
        });
        self
    }

    /// Sets provisioned throughput (global indexes get the same unless set).
    pub fn with_throughput(mut self, read_capacity_units: u64, write_capacity_units: u64) -> Self {
        self.billing = BillingMode::Provisioned(Throughput {
            read_capacity_units,
            write_capacity_units,
        });
        self
    }

    /// Enables time to live on an attribute.
    pub fn with_ttl(mut self, attribute: impl Into<String>) -> Self {
        self.ttl_attribute = Some(attribute.into());
        self
    }

    /// Renames the table (for per-test or per-environment names).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The attribute definitions DynamoDB asks for: each key attribute of
    /// the table and its indexes, once.
    pub fn attribute_definitions(&self) -> Vec<KeyAttribute> {
        let mut out: Vec<KeyAttribute> = Vec::new();
        let all = self
            .key
            .attributes()
            .chain(self.indexes.iter().flat_map(|i| i.key.attributes()));
        for a in all {
            if !out.iter().any(|o| o.name == a.name) {
                out.push(a.clone());
            }
        }
        out
    }

    /// The index with this name.
    pub fn index(&self, name: &str) -> Option<&IndexDefinition> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// Global secondary indexes.
    pub fn global_indexes(&self) -> impl Iterator<Item = &IndexDefinition> {
        self.indexes.iter().filter(|i| i.kind == IndexKind::Global)
    }

    /// Local secondary indexes.
    pub fn local_indexes(&self) -> impl Iterator<Item = &IndexDefinition> {
        self.indexes.iter().filter(|i| i.kind == IndexKind::Local)
    }
}

/// The run-time description of a [`Model`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelSchema {
    /// The table, keys, indexes, billing and TTL attribute.
    pub table: TableDefinition,
    /// The version attribute used for optimistic locking, if any.
    pub version_attribute: Option<String>,
    /// True when the hash key is an auto-incremented integer.
    pub auto_increment: bool,
    /// Attribute name of every field, in declaration order.
    pub attributes: Vec<String>,
    /// True when a field is flattened by serde (`#[serde(flatten)]`): the
    /// items hold attributes that `attributes` does not list (a flattened
    /// map holds any), so no attribute name is unknown to the model.
    pub flattened: bool,
}

/// A Rust type stored as items of one DynamoDB table.
///
/// Implement it with `#[derive(Model)]`:
///
/// ```
/// use dynamodb_mapper::{Model, ScalarType, Timestamp};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Model, Serialize, Deserialize)]
/// #[model(table = "events", gsi(name = "by_kind", hash = "kind", range = "at"))]
/// struct Event {
///     #[model(hash_key)]
///     stream: String,
///     #[model(range_key)]
///     seq: u64,
///     kind: String,
///     at: Timestamp,
///     #[model(version)]
///     version: u64,
/// }
///
/// let schema = Event::schema();
/// assert_eq!(schema.table.name, "events");
/// assert_eq!(schema.table.key.range.as_ref().unwrap().scalar_type, ScalarType::N);
/// assert_eq!(schema.table.index("by_kind").unwrap().key.hash.name, "kind");
/// assert_eq!(schema.version_attribute.as_deref(), Some("version"));
/// ```
pub trait Model: Serialize + DeserializeOwned + Validate + Send + Sync + 'static {
    /// The key's Rust type: the hash key's type, or a `(hash, range)` tuple.
    type Key: Serialize + Clone + fmt::Debug + Send + Sync + 'static;

    /// The model's description.
    fn schema() -> &'static ModelSchema;

    /// The table definition to create (the schema's, by default).
    fn table_definition() -> TableDefinition {
        Self::schema().table.clone()
    }

    /// This value's key.
    fn key(&self) -> Self::Key;

    /// A key as an item of key attributes.
    fn key_item(key: &Self::Key) -> Result<Item, Error>;

    /// This value's key as an item of key attributes.
    fn own_key_item(&self) -> Result<Item, Error>;

    /// The version attribute's value (0 for a value never saved), when the
    /// model declares one.
    fn version(&self) -> Option<u64> {
        None
    }

    /// Sets the version attribute, when the model declares one.
    fn set_version(&mut self, version: u64) {
        let _ = version;
    }

    /// The auto-increment hash key's value (0 when not assigned), when the
    /// model declares one.
    fn auto_increment_key(&self) -> Option<u64> {
        None
    }

    /// The model's schema versions and migrations, when it declares them
    /// (`#[model(migrations = path::to::fn)]`): every read upgrades older
    /// items with them before mapping. Built once.
    fn migrations() -> Option<&'static crate::migration::Migrations> {
        None
    }

    /// Assigns the auto-increment hash key. False if the value does not fit
    /// the field's type or the model has no auto-increment key.
    fn set_auto_increment_key(&mut self, value: u64) -> bool {
        let _ = value;
        false
    }
}
