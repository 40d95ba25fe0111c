//! DynamoDB's rules on values and items, with the messages DynamoDB gives.
//! Shared by the expression parser and the emulator.

use std::cmp::Ordering;

use crate::error::Error;
use crate::value::{AttributeValue, Item, MAX_NESTING_DEPTH};

/// The largest item DynamoDB stores: 400 KB.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// The longest attribute name (or map key), in bytes: DynamoDB's 64 KB.
pub const MAX_ATTRIBUTE_NAME_BYTES: usize = 65_535;

/// DynamoDB's message for a table or index name it does not accept.
pub const INVALID_TABLE_NAME: &str = "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'";

/// True for a name a DynamoDB table or index may have: 3 to 255
/// characters of `a-z`, `A-Z`, `0-9`, `_`, `-` and `.`.
pub fn is_valid_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.')
}

const NAME_TOO_LARGE: &str = "One or more parameter values were invalid: Attribute name is too large, must be less than 65536 bytes";

const NESTING: &str = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";

fn has_duplicates<T: Ord>(members: &[T]) -> bool {
    has_duplicates_by(members, T::cmp)
}

/// Whether two members are equal by `cmp`. A small set is compared pair
/// by pair, without sorting a copy.
fn has_duplicates_by<T>(members: &[T], cmp: impl Fn(&T, &T) -> Ordering) -> bool {
    if members.len() <= 8 {
        return members
            .iter()
            .enumerate()
            .any(|(i, m)| members[i + 1..].iter().any(|o| cmp(m, o).is_eq()));
    }
    let mut sorted: Vec<&T> = members.iter().collect();
    sorted.sort_unstable_by(|a, b| cmp(a, b));
    sorted.windows(2).any(|w| cmp(w[0], w[1]).is_eq())
}

/// [`has_duplicates`] for numbers, each decomposed once: comparing two
/// numbers decomposes both, which reads their whole text (`000…1` may be
/// megabytes long).
fn has_duplicate_numbers(members: &[crate::Number]) -> bool {
    let decomposed: Vec<_> = members.iter().map(crate::Number::decomposed).collect();
    has_duplicates_by(&decomposed, |a, b| a.cmp_value(b))
}

/// Checks one value: no empty set, no duplicate member, no empty map key,
/// no more than [`MAX_NESTING_DEPTH`] levels of lists and maps (a
/// [`Error::LimitExceeded`]; the rest are [`Error::InvalidRequest`]).
pub fn check_value(v: &AttributeValue) -> Result<(), Error> {
    check_at(v, 0).map(drop)
}

/// Checks `v` at `depth` and returns its size ([`AttributeValue::size`]),
/// summed on the way so that a writer need not walk the value again. The
/// recursion is bounded: a container deeper than [`MAX_NESTING_DEPTH`] is
/// refused before its elements are visited.
fn check_at(v: &AttributeValue, depth: usize) -> Result<usize, Error> {
    match v {
        AttributeValue::Ss(s) => {
            if s.is_empty() {
                return Err(Error::invalid(
                    "One or more parameter values were invalid: An string set  may not be empty",
                ));
            }
            if has_duplicates(s) {
                return Err(Error::invalid(format!(
                    "One or more parameter values were invalid: Input collection [{}] contains duplicates",
                    s.join(", ")
                )));
            }
        }
        AttributeValue::Ns(s) => {
            if s.is_empty() {
                return Err(Error::invalid(
                    "One or more parameter values were invalid: An number set  may not be empty",
                ));
            }
            if has_duplicate_numbers(s) {
                return Err(Error::invalid("Input collection contains duplicates"));
            }
        }
        AttributeValue::Bs(s) => {
            if s.is_empty() {
                return Err(Error::invalid(
                    "One or more parameter values were invalid: Binary sets should not be empty",
                ));
            }
            if has_duplicates(s) {
                return Err(Error::invalid(
                    "One or more parameter values were invalid: Input collection of type BS contains duplicates.",
                ));
            }
        }
        AttributeValue::M(m) => {
            if depth >= MAX_NESTING_DEPTH {
                return Err(Error::limit(NESTING));
            }
            let mut size = v.own_size();
            for (k, v) in m {
                check_name(k)?;
                size += 1 + k.len() + check_at(v, depth + 1)?;
            }
            return Ok(size);
        }
        AttributeValue::L(l) => {
            if depth >= MAX_NESTING_DEPTH {
                return Err(Error::limit(NESTING));
            }
            let mut size = v.own_size();
            for v in l {
                size += 1 + check_at(v, depth + 1)?;
            }
            return Ok(size);
        }
        _ => {}
    }
    Ok(v.own_size())
}

/// Checks an attribute name (or map key): not empty, at most
/// [`MAX_ATTRIBUTE_NAME_BYTES`].
fn check_name(name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::invalid("Empty attribute name"));
    }
    if name.len() > MAX_ATTRIBUTE_NAME_BYTES {
        return Err(Error::limit(NAME_TOO_LARGE));
    }
    Ok(())
}

/// Checks every attribute of an item (names and values); not its size or keys.
pub fn check_item(item: &Item) -> Result<(), Error> {
    check_item_sized(item).map(drop)
}

/// [`check_item`], returning the item's size ([`Item::size`]) found in the
/// same walk.
pub(crate) fn check_item_sized(item: &Item) -> Result<usize, Error> {
    let mut size = 0;
    for (name, v) in item.iter() {
        check_name(name)?;
        size += name.len() + check_at(v, 0)?;
    }
    Ok(size)
}

/// DynamoDB's error for an item over [`MAX_ITEM_SIZE`]: one to put, or one
/// an update made (`from_update`).
pub(crate) fn item_too_large(from_update: bool) -> Error {
    Error::limit(if from_update {
        "Item size to update has exceeded the maximum allowed size"
    } else {
        "Item size has exceeded the maximum allowed size"
    })
}

/// DynamoDB's `ValidationException` messages that report a size or count
/// limit (matched as substrings).
const LIMIT_MESSAGES: &[&str] = &[
    "Item size has exceeded the maximum allowed size",
    "Item size to update has exceeded the maximum allowed size",
    "Too many items requested for the BatchGetItem call",
    "Too many items requested for the BatchWriteItem call",
    "Member must have length less than or equal to 100",
    "Member must have length less than or equal to 25",
    "Hash primary key values must be under 2048 bytes",
    "Size limit exceeded",
    "Nesting Levels have exceeded supported limits",
    "The document path has too many nesting levels",
    "The IN operator is provided with too many operands",
    "exceeds the per-table limit",
    "exceeds per-table limit",
    "Cannot have more than 5 local secondary indexes per table",
    "Expression size has exceeded the maximum allowed size",
    "The expression contains too many operators",
    "The expression attribute map contains a key that is too long",
    "Attribute name is too large",
    "Transaction payload size cannot exceed 4MB",
    "Payload in response is too large",
];

/// True when a DynamoDB validation message reports a limit.
pub fn is_limit_message(message: &str) -> bool {
    LIMIT_MESSAGES.iter().any(|m| message.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_sets_find_duplicates_equal_as_numbers() {
        let set = |texts: Vec<String>| {
            AttributeValue::Ns(texts.iter().map(|t| t.parse().unwrap()).collect())
        };
        let distinct: Vec<String> = (0..20).map(|n| format!("{n}.5")).collect();
        assert!(check_value(&set(distinct.clone())).is_ok());
        let mut twice = distinct;
        twice.push("0005.50".to_owned());
        let e = check_value(&set(twice)).unwrap_err();
        assert!(e.to_string().contains("duplicates"), "{e}");
        // Numbers padded to 100 KB each, 40 of them: each decomposed once.
        let padded: Vec<String> = (0..40)
            .map(|n| format!("{}{n}", "0".repeat(100_000)))
            .collect();
        assert!(check_value(&set(padded)).is_ok());
    }

    proptest::proptest! {
        /// The size the check sums on its way is the item's size, for
        /// items of every type nested to several levels.
        #[test]
        fn checked_sizes_are_item_sizes(item in crate::arbitrary::item()) {
            proptest::prop_assert_eq!(check_item_sized(&item).unwrap(), item.size());
        }
    }

    #[test]
    fn checked_sizes_count_nesting() {
        let inner = AttributeValue::M([("k".to_string(), AttributeValue::from(12345))].into());
        let item = Item::new()
            .with("l", AttributeValue::L(vec![inner, AttributeValue::Null]))
            .with("s", "abc");
        // "l": name 1 + list 3 + (1 + map 3 + key "k" 1 + 1 + number 4)
        // + (1 + null 1) = 16; "s": name 1 + "abc" 3 = 4.
        assert_eq!(check_item_sized(&item).unwrap(), 16 + 4);
        assert_eq!(item.size(), 16 + 4);
    }

    #[test]
    fn a_bad_nested_value_is_refused_by_the_sized_check() {
        let bad = AttributeValue::L(vec![AttributeValue::Ss(vec![])]);
        let item = Item::new().with("l", bad);
        assert!(matches!(
            check_item_sized(&item),
            Err(Error::InvalidRequest { .. })
        ));
        let deep = (0..MAX_NESTING_DEPTH + 1)
            .fold(AttributeValue::Null, |v, _| AttributeValue::L(vec![v]));
        assert!(matches!(
            check_item_sized(&Item::new().with("d", deep)),
            Err(Error::LimitExceeded { .. })
        ));
    }
}
