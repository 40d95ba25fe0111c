//! # dynamodb-mapper
//!
//! A typed repository over DynamoDB's data model and semantics, with
//! interchangeable stores under it: real DynamoDB, an in-memory fake and a
//! persistent sled emulator.
//!
//! This crate is the neutral core: the data model ([`AttributeValue`],
//! [`Item`], the exact decimal [`Number`]), serde mapping between your types
//! and items ([`to_item`], [`from_item`]), sets, binary and timestamps,
//! the description of tables ([`Model`], `#[derive(Model)]`), deep
//! validation ([`Validate`]), the one [`Error`] type, the expression
//! language ([`expr`]), the [`Backend`](backend::Backend) trait every store
//! implements, and the typed repository over it: [`Repository`] and its
//! implementation [`Table`], with conflict detection, batching, paging and
//! auto-increment keys (see the [`repository`] module for an example on the
//! in-memory store). It depends on no AWS crate.
//!
//! ```
//! use dynamodb_mapper::{from_item, to_item, AttributeValue, Model, StringSet, Timestamp, Validate};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Model, Serialize, Deserialize, Debug, PartialEq)]
//! #[model(table = "users")]
//! struct User {
//!     #[model(hash_key)]
//!     id: String,
//!     #[validate(range(min = 0, max = 1000))]
//!     energy: i64,
//!     #[model(version)]
//!     version: u64,
//!     tags: StringSet,
//!     joined: Timestamp,
//! }
//!
//! let user = User {
//!     id: "alice".into(),
//!     energy: 10,
//!     version: 0,
//!     tags: ["admin".to_string()].into(),
//!     joined: "2024-05-01T09:00:00Z".parse()?,
//! };
//! user.validate()?;
//!
//! let item = to_item(&user)?;
//! assert_eq!(item.get("energy"), Some(&AttributeValue::N(10.into())));
//! assert_eq!(item.get("joined").and_then(|v| v.as_s()), Some("2024-05-01T09:00:00.000000000Z"));
//! assert_eq!(User::key_item(&"alice".to_string())?, item.project(&["id"]));
//!
//! let back: User = from_item(item)?;
//! assert_eq!(back, user);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Typed attribute paths
//!
//! The derive gives every model a `fields()` function: typed paths to its
//! attributes, nested fields, list elements and map values, from which
//! conditions, filters, updates, projections and range key conditions are
//! built with values of the field's type (see [`fields`]). A misspelt
//! field or a value of the wrong type does not compile; the result is
//! the untyped AST of [`expr`], which every store takes.
//!
//! ```
//! # use dynamodb_mapper::{Model, StringSet};
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Serialize, Deserialize)]
//! # enum OrderStatus { Pending, Paid }
//! # #[derive(Model, Serialize, Deserialize)]
//! # #[model(table = "orders")]
//! # struct Order { #[model(hash_key)] id: String, status: OrderStatus, total_cents: i64, tags: StringSet }
//! let f = Order::fields();
//! let update = f.status.set(OrderStatus::Paid).and(f.tags.add(["gift"])).build()?;
//! let condition = f.status.eq(OrderStatus::Pending).and(f.total_cents.ge(100)).build()?;
//! # let _ = (update, condition);
//!
//! // String paths remain for attributes outside the model; this names
//! // those the model does not know.
//! use dynamodb_mapper::expr::attr;
//! use dynamodb_mapper::fields::unknown_attributes;
//! let typo = attr("stauts").eq("Paid").and(attr("total_cents").gt(100));
//! assert_eq!(unknown_attributes::<Order>(&typo), ["stauts"]);
//! # Ok::<(), dynamodb_mapper::Error>(())
//! ```
//!
//! String paths ([`expr::attr`]) remain for attributes outside the model;
//! [`fields::unknown_attributes`] names those a model does not know. The
//! repository checks with it every update, condition and filter it is
//! given (the transaction builder too), and refuses one naming an
//! attribute the model does not have with [`Error::UnknownAttributes`],
//! unless the table is made with
//! [`Table::allow_unknown_attributes`](repository::Table::allow_unknown_attributes).
//!
//! ## Mapping rules
//!
//! | Rust | DynamoDB |
//! |---|---|
//! | integers, finite floats, [`Number`] | `N` (at most 38 significant digits) |
//! | `String`, `char`, [`Timestamp`] | `S` |
//! | [`Binary`], `serde_bytes` | `B` |
//! | `bool` | `BOOL` |
//! | `()`, `None` inside a list | `NULL` |
//! | `None` in a struct or map, empty [`Set`] | attribute absent |
//! | [`Set<T>`](Set) | `SS`, `NS` or `BS`, by what `T` maps to |
//! | `Vec`, arrays, tuples | `L` |
//! | structs, maps with string or integer keys | `M` |
//! | enums | serde's representation (externally tagged: `S` or one-entry `M`) |
//! | [`EpochSeconds`] | `N` (seconds since 1970, for TTL) |

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The derive names this crate `::dynamodb_mapper`, in here too.
extern crate self as dynamodb_mapper;

#[cfg(feature = "proptest")]
pub mod arbitrary;
pub mod backend;
pub mod codec;
#[cfg(feature = "conformance")]
pub mod conformance;
mod de;
#[cfg(feature = "emulator")]
pub mod emulator;
mod error;
pub mod expr;
pub mod fields;
pub mod layers;
pub mod migration;
mod model;
mod number;
mod path;
pub mod repository;
pub mod rules;
mod ser;
mod set;
mod time;
pub mod trace;
pub mod transaction;
pub mod validate;
mod value;

pub use de::{from_item, from_value};
pub use error::{BoxError, CancellationCode, CancellationReason, Error, MappingError, Result};
pub use expr::RangeCondition;
pub use model::{
    AutoIncrementKey, BillingMode, IndexDefinition, IndexKind, IndexProjection, KeyAttribute,
    KeySchema, KeyType, Model, ModelSchema, ScalarType, TableDefinition, Throughput, VersionValue,
};
pub use number::{Number, NumberError};
pub use path::{FieldPath, PathSegment};
pub use repository::{
    AsKey, Cursor, GetOptions, ItemStream, KeyOf, ModifyFn, PageOf, Progress, ProgressFn,
    QuerySpec, Repository, RepositoryExt, RetryPolicy, SaveMode, ScanSpec, Table, Tracked,
};
pub use ser::{to_item, to_value};
pub use set::{Binary, BinarySet, NumberSet, Set, StringSet};
pub use time::{EpochSeconds, Timestamp, TimestampError};
pub use validate::{Validate, ValidationErrors, Violation};
pub use value::{AttributeValue, Item, MAX_NESTING_DEPTH, Unpacked, ValueError, ValueType};

/// `#[derive(Model)]`: implements [`Model`] and [`Validate`] for a struct.
///
/// Container attributes, in `#[model(...)]`:
/// - `table = "name"` (required);
/// - `gsi(name = "..", hash = "field", range = "field", projection = "all" | "keys_only" | include("a", "b"), read_capacity = N, write_capacity = N)`;
/// - `lsi(name = "..", range = "field", projection = ..)`;
/// - `read_capacity = N, write_capacity = N` for provisioned throughput (on demand otherwise).
///
/// Field attributes, in `#[model(...)]`: `hash_key`, `range_key`,
/// `auto_increment` (with `hash_key`, on an integer, not with a range
/// key), `version` (an integer: optimistic locking: a guarded save or
/// delete succeeds only while the stored version is the one loaded, and
/// every save counts it up by one; a value saved for the first time starts
/// at the time in microseconds since 1970 (seconds for a 32-bit type), so
/// that a copy loaded before a delete can never match the version of the
/// item re-created after it; a value saved again after its own delete
/// continues its count), `ttl` (an
/// [`EpochSeconds`] or integer). Rules in `#[validate(...)]` as for
/// [`derive@Validate`]. Attribute names follow serde's `rename` and
/// `rename_all`.
///
/// The derive also writes `{Name}Fields`, the typed paths to the model's
/// attributes, and `{Name}::fields()` returning them: see [`fields`].
pub use dynamodb_mapper_derive::Model;

/// `#[derive(Arbitrary)]` (feature `proptest`): implements proptest's
/// `Arbitrary` for a struct or an enum, generating values that respect
/// the fields' validation rules; see the [`arbitrary`] module.
#[cfg(feature = "proptest")]
pub use dynamodb_mapper_derive::Arbitrary;

/// `#[derive(Validate)]`: implements [`Validate`] from `#[validate(...)]`
/// field rules; see the [`validate`] module for the rules. For a struct
/// without generic parameters it also implements
/// [`fields::Document`], so that a model's paths reach its fields.
pub use dynamodb_mapper_derive::Validate;

#[doc(hidden)]
pub mod __private {
    pub use crate::de::from_value;
    pub use crate::ser::to_value;
    pub use async_trait::async_trait;
    #[cfg(feature = "proptest")]
    pub use proptest;
    pub use regex::Regex;
    pub use std::sync::LazyLock;
    pub use std::sync::OnceLock;
}
