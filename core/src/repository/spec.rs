//! What a query or scan reads: [`QuerySpec`], [`ScanSpec`], and their pages.

use futures::stream::BoxStream;

use super::{Cursor, Tracked};
use serde::Serialize;

use crate::error::{Error, MappingError};
use crate::expr::{Condition, RangeCondition};
use crate::ser::to_value;
use crate::value::AttributeValue;

/// The builder methods queries and scans share.
macro_rules! paged_read_builders {
    () => {
        /// Reads a secondary index instead of the table.
        pub fn index(mut self, name: impl Into<String>) -> Self {
            self.index = Some(name.into());
            self
        }

        /// Only items for which the filter holds (applied by the store to
        /// the items each request reads).
        pub fn filter(mut self, filter: Condition) -> Self {
            self.filter = Some(filter);
            self
        }

        /// At most this many items in all.
        pub fn limit(mut self, limit: usize) -> Self {
            self.limit = Some(limit);
            self
        }

        /// At most this many items read per request (DynamoDB's `Limit`).
        pub fn page_size(mut self, size: u32) -> Self {
            self.page_size = Some(size.max(1));
            self
        }

        /// Strongly consistent reads (not on global secondary indexes).
        pub fn consistent(mut self) -> Self {
            self.consistent = true;
            self
        }
    };
}

/// A query: the items with one hash key, optionally narrowed by a range
/// key condition and a filter, on the table or one of its indexes.
///
/// Key values are the key's own Rust values (anything `Serialize`, mapped
/// as the model maps its fields): a `String` or `&str`, an integer, a
/// [`Timestamp`](crate::Timestamp), an enum that serde stores as a string.
/// The repository checks them against the key's declared type (of the
/// table, or of the index read) before anything is sent: a value of
/// another type is an [`Error::InvalidRequest`] naming the attribute and
/// both types.
///
/// ```
/// # use dynamodb_mapper::repository::QuerySpec;
/// # use dynamodb_mapper::Timestamp;
/// # use serde::Serialize;
/// #[derive(Serialize)]
/// enum OrderStatus { Paid, Shipped }
///
/// let since = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
/// let paid = QuerySpec::new(OrderStatus::Paid).index("by_status").range_ge(since);
/// # let _ = (paid, OrderStatus::Shipped);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct QuerySpec {
    pub(crate) index: Option<String>,
    pub(crate) hash: AttributeValue,
    /// The first key value that could not be mapped (reported by the
    /// repository when the query runs).
    pub(crate) mapping: Option<MappingError>,
    pub(crate) range: Option<RangeCondition>,
    pub(crate) filter: Option<Condition>,
    pub(crate) forward: bool,
    pub(crate) limit: Option<usize>,
    pub(crate) page_size: Option<u32>,
    pub(crate) consistent: bool,
}

impl QuerySpec {
    /// The items whose hash key is `hash` (of the table, or of the index
    /// chosen with [`QuerySpec::index`]): a value of the key's Rust type,
    /// or an [`AttributeValue`].
    pub fn new(hash: impl Serialize) -> Self {
        let (hash, mapping) = match to_value(&hash) {
            Ok(v) => (v, None),
            Err(e) => (AttributeValue::Null, Some(key_mapping_error(e))),
        };
        QuerySpec {
            index: None,
            hash,
            mapping,
            range: None,
            filter: None,
            forward: true,
            limit: None,
            page_size: None,
            consistent: false,
        }
    }

    /// Only range keys meeting this condition.
    pub fn range(mut self, condition: RangeCondition) -> Self {
        self.range = Some(condition);
        self
    }

    /// The value of a range key condition, or the mapping error kept.
    fn range_value(&mut self, value: &impl Serialize) -> AttributeValue {
        to_value(value).unwrap_or_else(|e| {
            self.mapping.get_or_insert(key_mapping_error(e));
            AttributeValue::Null
        })
    }

    /// Only range keys equal to `value` (a value of the range key's type).
    pub fn range_eq(mut self, value: impl Serialize) -> Self {
        let v = self.range_value(&value);
        self.range(RangeCondition::Eq(v))
    }

    /// Only range keys below `value`.
    pub fn range_lt(mut self, value: impl Serialize) -> Self {
        let v = self.range_value(&value);
        self.range(RangeCondition::Lt(v))
    }

    /// Only range keys at most `value`.
    pub fn range_le(mut self, value: impl Serialize) -> Self {
        let v = self.range_value(&value);
        self.range(RangeCondition::Le(v))
    }

    /// Only range keys above `value`.
    pub fn range_gt(mut self, value: impl Serialize) -> Self {
        let v = self.range_value(&value);
        self.range(RangeCondition::Gt(v))
    }

    /// Only range keys at least `value`.
    pub fn range_ge(mut self, value: impl Serialize) -> Self {
        let v = self.range_value(&value);
        self.range(RangeCondition::Ge(v))
    }

    /// Only range keys from `low` to `high`, both included.
    pub fn range_between(mut self, low: impl Serialize, high: impl Serialize) -> Self {
        let (low, high) = (self.range_value(&low), self.range_value(&high));
        self.range(RangeCondition::Between(low, high))
    }

    /// Only range keys (strings or binary) starting with `prefix`.
    pub fn range_begins_with(mut self, prefix: impl Serialize) -> Self {
        let v = self.range_value(&prefix);
        self.range(RangeCondition::BeginsWith(v))
    }

    /// Descending range key order.
    pub fn reverse(mut self) -> Self {
        self.forward = false;
        self
    }

    paged_read_builders!();
}

/// A key value that did not map, as a mapping error of the query's key.
fn key_mapping_error(e: Error) -> MappingError {
    match e {
        Error::Mapping(m) => m,
        other => MappingError::new(other.to_string()),
    }
}

/// A scan: every item of the table or index, optionally filtered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScanSpec {
    pub(crate) index: Option<String>,
    pub(crate) filter: Option<Condition>,
    pub(crate) limit: Option<usize>,
    pub(crate) page_size: Option<u32>,
    pub(crate) consistent: bool,
}

impl ScanSpec {
    /// The whole table.
    pub fn new() -> Self {
        ScanSpec::default()
    }

    paged_read_builders!();
}

/// One page of a paged read, with the cursor of the next one.
#[derive(Debug)]
pub struct PageOf<T> {
    /// The items of this page (under a filter, it may be empty while more
    /// pages follow: the store's page held no item that passed).
    pub items: Vec<Tracked<T>>,
    /// Where the next page starts: given only when the store has items
    /// after this page (`None` on the last page, also when it ended
    /// exactly at the last item). Bound to the query or scan that gave it.
    pub cursor: Option<Cursor>,
}

/// A stream of items read page by page.
pub type ItemStream<T> = BoxStream<'static, Result<Tracked<T>, Error>>;
