//! Property testing (feature `proptest`): strategies for the data model,
//! `#[derive(Arbitrary)]` for models that respect their validation rules,
//! and a recipe for the property this library is made for: no lost update
//! under any interleaving of writers.
//!
//! # Strategies
//!
//! [`number`] (valid 38-digit numbers over DynamoDB's whole range),
//! [`timestamp`], [`binary`], [`set_of`], [`string_set`], [`number_set`],
//! [`binary_set`] (never empty, no duplicate), [`scalar_value`],
//! [`attribute_value`] (nested lists and maps), [`item`],
//! [`item_with_key`] (items a table with that key stores). [`Number`],
//! [`Timestamp`], [`Binary`], [`EpochSeconds`], [`Set`], [`AttributeValue`]
//! and [`Item`] implement proptest's `Arbitrary`, so `any::<Number>()`
//! works.
//!
//! ```
//! use dynamodb_mapper::arbitrary::{attribute_value, number};
//! use proptest::prelude::*;
//!
//! proptest!(|(n in number(), v in attribute_value())| {
//!     prop_assert!(n.significant_digits() <= 38);
//!     prop_assert!(v.check().is_ok()); // no empty set, no duplicate, not too deep
//! });
//! ```
//!
//! # Models
//!
//! `#[derive(Arbitrary)]` (re-exported at the crate root with this
//! feature) implements proptest's `Arbitrary` for a struct or an enum, so
//! `any::<Order>()` generates values. For each field it generates what the
//! field's rules allow where it can: `range` as bounds (integers, floats,
//! [`Number`], [`Timestamp`]), `length` as the size of strings and
//! collections, `regex` as strings matching the pattern (see
//! [`string_matching`]), `one_of` as a choice among the values, `each(..)`
//! as rules on elements. Keys (the table's and the indexes') are never
//! empty, the version attribute and an auto-increment key are 0 (a value
//! never saved), floats are finite and numbers have at most 38 digits,
//! sets are never empty, and a field serde skips is its `Default`. A
//! `custom` rule, and any rule left, is enforced by keeping only values
//! for which [`Validate::validate`](crate::Validate::validate) passes.
//!
//! A field takes its own strategy with `#[proptest(strategy = expr)]`, or
//! a fixed value with `#[proptest(value = expr)]`. A field whose type
//! names the struct itself (`Vec<Self>`, `Option<Box<Node>>`) is its
//! `Default` (empty), and an enum variant that names the enum is never
//! generated, so that a recursive type has a finite strategy. Field types
//! must implement `Arbitrary` (a nested struct or enum derives it too)
//! and the type `Debug`.
//!
//! The derive exists only with this feature, so write it where the
//! feature is on: `#[cfg_attr(test, derive(Arbitrary))]` with the
//! feature enabled in `[dev-dependencies]`, and the field attributes as
//! `#[cfg_attr(test, proptest(...))]`.
//!
//! ```
//! use dynamodb_mapper::{Arbitrary, Model, Validate};
//! use proptest::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Arbitrary, Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
//! enum Plan { Free, Pro, Team { seats: u8 } }
//!
//! #[derive(Model, Arbitrary, Serialize, Deserialize, Clone, Debug, PartialEq)]
//! #[model(table = "accounts")]
//! struct Account {
//!     #[model(hash_key)]
//!     #[validate(regex = "^[a-z]{3,12}@[a-z]{2,8}\\.(com|org)$")]
//!     email: String,
//!     #[validate(range(min = 0, max = 1_000_000))]
//!     credits: i64,
//!     #[validate(length(min = 1, max = 3), each(length(max = 8)))]
//!     tags: Vec<String>,
//!     #[validate(one_of("EU", "US"))]
//!     region: String,
//!     plan: Plan,
//!     #[model(version)]
//!     version: u64,
//! }
//!
//! proptest!(|(account in any::<Account>())| {
//!     prop_assert!(account.validate().is_ok());
//!     prop_assert_eq!(account.version, 0);
//!     let item = dynamodb_mapper::to_item(&account).unwrap();
//!     prop_assert_eq!(dynamodb_mapper::from_item::<Account>(item).unwrap(), account);
//! });
//! ```
//!
//! # Recipe: no lost update, under any interleaving
//!
//! The example `examples/examples/property_test.rs` (`cargo run --example
//! property_test`; its tests run with `cargo test`) tests an application
//! service, unchanged, on the memory backend:
//!
//! 1. The service reads, changes and saves with conflict detection
//!    ([`RepositoryExt::get`](crate::RepositoryExt::get) and
//!    [`RepositoryExt::save`](crate::RepositoryExt::save)), reloading on
//!    [`Error::Conflict`](crate::Error::Conflict).
//! 2. The store is a [`MemoryBackend`](https://docs.rs/dynamodb-mapper-memory)
//!    under a small [`Layer`](crate::backend::Layer) that makes every call
//!    wait for its turn once, so each writer's service call stops before
//!    each request it sends.
//! 3. Proptest generates the writers' operations (with strategies from
//!    this module and `any::<Model>()`) and a schedule: which writer takes
//!    the next step. The test polls the writers' futures in that order,
//!    so every interleaving of loads and saves is reachable, and a failing
//!    one shrinks to a short schedule.
//! 4. When every writer is done, the stored item must hold the effect of
//!    every call that reported success: no update lost. The same test run
//!    against a service that saves without conflict detection fails, which
//!    shows the property can fail.

mod rules;
mod values;

pub use rules::{Bounded, one_of, string_matching};
pub use values::{
    attribute_name, attribute_value, attribute_value_nested, binary, binary_set, finite_f32,
    finite_f64, i128_value, item, item_with_key, key_value, non_empty_binary, non_empty_string,
    number, number_set, scalar_value, set_of, string_of_length, string_set, timestamp, u128_value,
};

#[doc(hidden)]
pub use rules::{__pattern, Probe, ViaNothing, ViaValidate};

#[cfg(doc)]
use crate::{AttributeValue, Binary, EpochSeconds, Item, Number, Set, Timestamp};
