//! How deep a mapping is inside a value, in both directions.
//!
//! serde's recursion is driven by the caller's type and value: a
//! 100,000-deep list, or an `Option<Box<Self>>` chain, would recurse once
//! per level and overflow the thread's stack. Every nested call of the
//! mapper's serializers and deserializers carries a [`Depth`] and refuses
//! to go past DynamoDB's nesting limit (lists and maps) or past
//! [`MAX_CALLS`] nested serde calls of any kind.

use std::fmt;

use crate::error::MappingError;
use crate::value::MAX_NESTING_DEPTH;

/// The most nested serde calls (options, newtypes, enums, lists, maps
/// together) one mapping makes. A value DynamoDB can store needs at most
/// a few per level of its 32; this bound keeps the stack a mapping uses
/// small whatever the caller's type.
pub(crate) const MAX_CALLS: usize = 128;

/// Where a value sits: inside how many lists and maps, and how many nested
/// serde calls.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Depth {
    /// Lists and maps around the value; an attribute of an item is at 1.
    levels: usize,
    /// Nested serializer or deserializer calls around the value.
    calls: usize,
}

impl Depth {
    /// The item itself (the map of attributes).
    pub(crate) const ITEM: Depth = Depth {
        levels: 0,
        calls: 0,
    };

    /// An attribute's value, one level inside its item.
    pub(crate) const ATTRIBUTE: Depth = Depth {
        levels: 1,
        calls: 0,
    };

    /// The depth of the elements of a list or map at this depth: refused
    /// when the list or map is one level more than DynamoDB allows.
    pub(crate) fn container(self) -> Result<Depth, TooDeep> {
        if self.levels > MAX_NESTING_DEPTH {
            return Err(TooDeep::Levels);
        }
        Ok(Depth {
            levels: self.levels + 1,
            calls: self.call()?.calls,
        })
    }

    /// The depth of the value inside an option, a newtype or a set at this
    /// depth (no new DynamoDB level).
    pub(crate) fn call(self) -> Result<Depth, TooDeep> {
        if self.calls >= MAX_CALLS {
            return Err(TooDeep::Calls);
        }
        Ok(Depth {
            levels: self.levels,
            calls: self.calls + 1,
        })
    }
}

/// A mapping that went deeper than it may.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TooDeep {
    /// More lists and maps than DynamoDB stores.
    Levels,
    /// More nested serde calls than [`MAX_CALLS`].
    Calls,
}

impl fmt::Display for TooDeep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TooDeep::Levels => write!(
                f,
                "nesting exceeds DynamoDB's limit of {} levels of lists and maps",
                MAX_NESTING_DEPTH + 1
            ),
            TooDeep::Calls => write!(
                f,
                "the value nests more than {MAX_CALLS} options, newtypes, enums, lists and maps"
            ),
        }
    }
}

impl From<TooDeep> for MappingError {
    fn from(e: TooDeep) -> Self {
        MappingError::new(e.to_string())
    }
}
