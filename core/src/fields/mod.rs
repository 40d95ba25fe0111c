//! Typed attribute paths: conditions, filters, updates, projections and
//! range key conditions checked by the compiler.
//!
//! `#[derive(Model)]` gives a model a function `fields()` that returns a
//! struct with one [`Field`] per attribute, named as the Rust field and
//! carrying its type. A typo in a field name does not compile, nor does a
//! value of the wrong type; values are mapped with the library's serde
//! mapping ([`to_value`](crate::to_value)), so enums, [`Timestamp`](crate::Timestamp),
//! [`Number`](crate::Number), sets and nested structs work as they do in
//! [`to_item`](crate::to_item). The attribute names are those serde
//! writes (`rename`, `rename_all`).
//!
//! Every builder produces the untyped AST of [`crate::expr`] (the same
//! [`Condition`](crate::expr::Condition), [`Update`](crate::expr::Update),
//! [`Projection`](crate::expr::Projection) and
//! [`RangeCondition`](crate::expr::RangeCondition) that [`attr`]
//! builds), so every backend and the repository take it unchanged. The
//! conversion of a value can fail (a NaN float, a number of more than 38
//! digits): conditions and updates keep the first such error and hand it
//! out once, from [`ConditionOf::build`] and [`UpdateOf::build`].
//!
//! ```
//! use dynamodb_mapper::expr::ExpressionAttributes;
//! use dynamodb_mapper::{Model, StringSet, Timestamp, Validate};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
//! #[serde(rename_all = "lowercase")]
//! enum OrderStatus { Pending, Paid, Shipped }
//!
//! #[derive(Validate, Serialize, Deserialize, Debug)]
//! struct Address { city: String, zip: String }
//!
//! #[derive(Validate, Serialize, Deserialize, Debug)]
//! struct Line { sku: String, quantity: u32 }
//!
//! #[derive(Model, Serialize, Deserialize, Debug)]
//! #[model(table = "orders")]
//! #[serde(rename_all = "camelCase")]
//! struct Order {
//!     #[model(hash_key)]
//!     id: String,
//!     status: OrderStatus,
//!     total_cents: i64,
//!     placed_at: Timestamp,
//!     tags: StringSet,
//!     shipping: Option<Address>,
//!     lines: Vec<Line>,
//!     note: Option<String>,
//! }
//!
//! let f = Order::fields();
//!
//! // An update: SET, ADD, REMOVE, on nested fields and list elements too.
//! let update = f.status.set(OrderStatus::Paid)
//!     .and(f.total_cents.add(250))
//!     .and(f.tags.add(["gift"]))
//!     .and(f.shipping.fields().city.set("Paris"))
//!     .and(f.lines.at(0).fields().quantity.set(2))
//!     .and(f.note.remove())
//!     .build()?;
//!
//! // A condition (or a filter).
//! let paid_before = "2024-06-01T00:00:00Z".parse::<Timestamp>()?;
//! let condition = f.status.eq(OrderStatus::Pending)
//!     .and(f.placed_at.lt(paid_before))
//!     .and(f.tags.contains("gift") | f.lines.size().ge(3))
//!     .build()?;
//!
//! let mut names = ExpressionAttributes::default();
//! assert_eq!(
//!     update.render(&mut names),
//!     "SET #n0 = :v0, #n1.#n2 = :v1, #n3[0].#n4 = :v2 REMOVE #n5 ADD #n6 :v3, #n7 :v4"
//! );
//! assert_eq!(names.names["#n0"], "status");
//! assert_eq!(names.names["#n6"], "totalCents"); // serde's rename_all
//! assert_eq!(names.values[":v0"].as_s(), Some("paid")); // serde's enum mapping
//! # let _ = condition;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Neither of these compiles: the first names a field the model does not
//! have, the second gives a string where the status enum is expected.
//!
//! ```compile_fail
//! # use dynamodb_mapper::Model;
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Model, Serialize, Deserialize)]
//! # #[model(table = "orders")]
//! # struct Order { #[model(hash_key)] id: String, status: String }
//! let update = Order::fields().stauts.set("paid");
//! ```
//!
//! ```compile_fail
//! # use dynamodb_mapper::Model;
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Serialize, Deserialize)]
//! # enum OrderStatus { Pending, Paid }
//! # #[derive(Model, Serialize, Deserialize)]
//! # #[model(table = "orders")]
//! # struct Order { #[model(hash_key)] id: String, status: OrderStatus }
//! let update = Order::fields().status.set("paid");
//! ```
//!
//! ## Paths
//!
//! | field type | its path offers |
//! |---|---|
//! | any | [`set`](Field::set), [`remove`](Field::remove), comparisons, [`between`](Field::between), [`is_in`](Field::is_in), [`exists`](Field::exists), [`size`](Field::size) |
//! | `Option<T>` | the path of a `T` (the attribute holds a `T` when present; `remove` clears it) |
//! | numbers | [`add`](Field::add), [`increment`](Field::increment), [`decrement`](Field::decrement) |
//! | [`Set<T>`](crate::Set) | [`add`](Field::add), [`delete`](Field::delete), [`contains`](Field::contains) a member |
//! | `Vec<T>`, `VecDeque<T>`, `[T; N]` | [`at(i)`](Field::at) (a `T`), [`append`](Field::append), [`prepend`](Field::prepend), [`contains`](Field::contains) an element |
//! | `BTreeMap<K, V>`, `HashMap<K, V>` | [`key(k)`](Field::key) (a `V`) |
//! | strings, [`Timestamp`](crate::Timestamp), [`Binary`](crate::Binary) | [`begins_with`](Field::begins_with) |
//! | a struct deriving `Validate` (or `Model`) | [`fields()`](Field::fields): its own fields' paths |
//! | key types (strings, numbers, binary) | range key conditions: [`key_eq`](Field::key_eq), [`key_between`](Field::key_between), ... |
//!
//! ## Names outside the model
//!
//! String paths ([`attr`]) stay available for attributes
//! the model does not declare; an untyped condition or update joins a
//! typed one with `and`. [`unknown_attributes`] lists the names an untyped
//! expression uses that the model does not know, and
//! [`refuse_unknown_attributes`] turns them into the
//! [`Error::UnknownAttributes`](crate::Error::UnknownAttributes) with which
//! the repository refuses such an update, condition or filter (unless the
//! table allows them: [`Table::allow_unknown_attributes`](crate::repository::Table::allow_unknown_attributes)).

mod check;
mod condition;
mod update;
mod values;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;

use crate::error::MappingError;
use crate::expr::{Path, PathElement, attr};
use crate::value::AttributeValue;

pub use check::{NamedAttributes, model_attributes, refuse_unknown_attributes, unknown_attributes};
pub use condition::{ConditionOf, IntoCondition, SizeOf};
pub use update::{IntoUpdate, ProjectionOf, UpdateOf};
pub use values::{Addable, BeginsWith, Contains, MapKey, Numeric, ValueFor};

/// A typed path to an attribute of model `M` (or to something inside one:
/// a nested field, a list element, a map value) that holds a `T`.
///
/// Fields come from the derive: `Order::fields().status` is a
/// `Field<Order, OrderStatus>`. The path's methods build conditions and
/// updates that take values of type `T` (or values that convert to one:
/// see [`ValueFor`]).
pub struct Field<M, T> {
    path: Path,
    types: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Field<M, T> {
    pub(crate) fn from_path(path: Path) -> Self {
        Field {
            path,
            types: PhantomData,
        }
    }

    /// The attribute `name` under `base` (at the top level when `base` is `None`).
    pub(crate) fn child(base: Option<&Path>, name: &str) -> Self {
        let path = match base {
            Some(base) => base.clone().key(name),
            None => attr(name),
        };
        Field::from_path(path)
    }

    fn retyped<U>(&self, path: Path) -> Field<M, U> {
        Field::from_path(path)
    }

    /// The untyped path.
    pub fn path(&self) -> Path {
        self.path.clone()
    }

    /// The untyped path, by value.
    pub fn into_path(self) -> Path {
        self.path
    }

    /// The top-level attribute the path starts at.
    pub fn attribute(&self) -> &str {
        self.path.head()
    }
}

impl<M, T: Document> Field<M, T> {
    /// The paths of the fields of the struct at this path:
    /// `Order::fields().shipping.fields().city`.
    pub fn fields(&self) -> T::Fields<M> {
        T::fields_at(Some(&self.path))
    }
}

macro_rules! list_paths {
    ($($ty:ty $(, $n:ident)?;)*) => {$(
        impl<M, X $(, const $n: usize)?> Field<M, $ty> {
            /// The element at `index` of the list at this path.
            pub fn at(&self, index: usize) -> Field<M, X> {
                self.retyped(self.path.clone().index(index))
            }
        }
    )*};
}
list_paths! {
    Vec<X>;
    VecDeque<X>;
    [X; N], N;
}

impl<M, K: MapKey, V> Field<M, BTreeMap<K, V>> {
    /// The value under `key` in the map at this path.
    pub fn key(&self, key: impl ValueFor<K>) -> Field<M, V> {
        let name = key.into_field_value().key_text();
        self.retyped(self.path.clone().key(name))
    }
}

impl<M, K: MapKey, V, S> Field<M, HashMap<K, V, S>> {
    /// The value under `key` in the map at this path.
    pub fn key(&self, key: impl ValueFor<K>) -> Field<M, V> {
        let name = key.into_field_value().key_text();
        self.retyped(self.path.clone().key(name))
    }
}

impl<M, T> Clone for Field<M, T> {
    fn clone(&self) -> Self {
        Field::from_path(self.path.clone())
    }
}

impl<M, T> fmt::Debug for Field<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Field({})", self.path)
    }
}

impl<M, T> fmt::Display for Field<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.path, f)
    }
}

impl<M, T> From<Field<M, T>> for Path {
    fn from(field: Field<M, T>) -> Path {
        field.path
    }
}

impl<M, T> From<&Field<M, T>> for Path {
    fn from(field: &Field<M, T>) -> Path {
        field.path.clone()
    }
}

/// A struct whose fields have typed paths: implemented by
/// `#[derive(Model)]` and `#[derive(Validate)]` (for structs without
/// generic parameters), so that a nested struct's fields are reached with
/// [`Field::fields`].
///
/// The derive writes a struct `{Name}Fields<M>` with one public-as-the-field
/// [`Field`] per attribute the struct serializes (fields skipped or
/// flattened by serde have none), and for a model, a function
/// `{Name}::fields()` returning it rooted at the model.
pub trait Document {
    /// The struct of paths to this type's fields, inside model `M`.
    type Fields<M>;

    /// The paths of this type's fields under `base` (at the top level of
    /// the item when `base` is `None`).
    fn fields_at<M>(base: Option<&Path>) -> Self::Fields<M>;
}

impl<T: Document> Document for Box<T> {
    type Fields<M> = T::Fields<M>;

    fn fields_at<M>(base: Option<&Path>) -> Self::Fields<M> {
        T::fields_at(base)
    }
}

/// The stored form of `value` at `path`, mapped as [`to_item`](crate::to_item)
/// maps it: `None` for a value stored as an absent attribute (`None`, an
/// empty set), except in a list, where such a value is `NULL`. An error
/// names the path.
fn stored<T: Serialize + ?Sized>(
    path: &Path,
    value: &T,
) -> Result<Option<AttributeValue>, MappingError> {
    match crate::ser::to_value_opt(value) {
        Ok(Some(v)) => Ok(Some(v)),
        Ok(None) => match path.elements().last() {
            Some(PathElement::Index(_)) => Ok(Some(AttributeValue::Null)),
            _ => Ok(None),
        },
        Err(e) => Err(condition::at_path(e, path)),
    }
}

/// What the derive calls to make a field's path.
#[doc(hidden)]
pub fn __field<M, T>(base: Option<&Path>, name: &str) -> Field<M, T> {
    Field::child(base, name)
}
