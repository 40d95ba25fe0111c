//! What a query or scan reads: [`QuerySpec`], [`ScanSpec`], and their pages.

use futures::stream::BoxStream;

use super::{Cursor, Tracked};
use crate::error::Error;
use crate::expr::{Condition, RangeCondition};
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
#[derive(Clone, Debug, PartialEq)]
pub struct QuerySpec {
    pub(crate) index: Option<String>,
    pub(crate) hash: AttributeValue,
    pub(crate) range: Option<RangeCondition>,
    pub(crate) filter: Option<Condition>,
    pub(crate) forward: bool,
    pub(crate) limit: Option<usize>,
    pub(crate) page_size: Option<u32>,
    pub(crate) consistent: bool,
}

impl QuerySpec {
    /// The items whose hash key is `hash` (of the table, or of the index
    /// chosen with [`QuerySpec::index`]).
    pub fn new(hash: impl Into<AttributeValue>) -> Self {
        QuerySpec {
            index: None,
            hash: hash.into(),
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

    /// Descending range key order.
    pub fn reverse(mut self) -> Self {
        self.forward = false;
        self
    }

    paged_read_builders!();
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
