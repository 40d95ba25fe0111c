//! DynamoDB's rules on values and items, with the messages DynamoDB gives.
//! Shared by the expression parser and the emulator.

use crate::error::Error;
use crate::value::{AttributeValue, Item, MAX_NESTING_DEPTH};

/// The largest item DynamoDB stores: 400 KB.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// The longest attribute name (or map key), in bytes: DynamoDB's 64 KB.
pub const MAX_ATTRIBUTE_NAME_BYTES: usize = 65_535;

const NAME_TOO_LARGE: &str = "One or more parameter values were invalid: Attribute name is too large, must be less than 65536 bytes";

const NESTING: &str = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";

fn has_duplicates<T: Ord>(members: &[T]) -> bool {
    // A small set is compared pair by pair, without sorting a copy.
    if members.len() <= 8 {
        return members
            .iter()
            .enumerate()
            .any(|(i, m)| members[i + 1..].contains(m));
    }
    let mut sorted: Vec<&T> = members.iter().collect();
    sorted.sort_unstable();
    sorted.windows(2).any(|w| w[0] == w[1])
}

/// Checks one value: no empty set, no duplicate member, no empty map key,
/// no more than [`MAX_NESTING_DEPTH`] levels of lists and maps (a
/// [`Error::LimitExceeded`]; the rest are [`Error::InvalidRequest`]).
pub fn check_value(v: &AttributeValue) -> Result<(), Error> {
    check_at(v, 0)
}

fn check_at(v: &AttributeValue, depth: usize) -> Result<(), Error> {
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
            if has_duplicates(s) {
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
            for (k, v) in m {
                if k.is_empty() {
                    return Err(Error::invalid("Empty attribute name"));
                }
                if k.len() > MAX_ATTRIBUTE_NAME_BYTES {
                    return Err(Error::limit(NAME_TOO_LARGE));
                }
                check_at(v, depth + 1)?;
            }
        }
        AttributeValue::L(l) => {
            if depth >= MAX_NESTING_DEPTH {
                return Err(Error::limit(NESTING));
            }
            for v in l {
                check_at(v, depth + 1)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Checks every attribute of an item (names and values); not its size or keys.
pub fn check_item(item: &Item) -> Result<(), Error> {
    for (name, v) in item.iter() {
        if name.is_empty() {
            return Err(Error::invalid("Empty attribute name"));
        }
        if name.len() > MAX_ATTRIBUTE_NAME_BYTES {
            return Err(Error::limit(NAME_TOO_LARGE));
        }
        check_value(v)?;
    }
    Ok(())
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
    "Expression size has exceeded the maximum allowed size",
    "The expression contains too many operators",
    "The expression attribute map contains a key that is too long",
    "Attribute name is too large",
];

/// True when a DynamoDB validation message reports a limit.
pub fn is_limit_message(message: &str) -> bool {
    LIMIT_MESSAGES.iter().any(|m| message.contains(m))
}
