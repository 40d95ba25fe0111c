//! [`Cursor`]: an opaque, URL-safe position in a query or scan, bound to
//! the query or scan that gave it out.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Error, Result};
use crate::value::{AttributeValue, Item};

/// The format of the tokens this version gives out: a version byte, the
/// fingerprint of the read (8 bytes) and the encoded start key.
const FORMAT: u8 = 1;

/// An opaque position in a query or scan, to resume it later (for APIs that
/// hand pages to their clients). It is URL safe.
///
/// A cursor is bound to the read that gave it out: the table, the index,
/// the key condition (hash key and range condition) and the direction of a
/// query; the table and index of a scan. Used on another read, it is
/// refused with [`Error::InvalidRequest`] saying that the cursor belongs to
/// another query, before anything is sent. The filter, the page size and
/// the limit are not part of it: a cursor is a position in the key order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cursor(String);

fn not_ours() -> Error {
    Error::InvalidRequest {
        message:
            "the cursor is not a token this library gave out (or one from an older version of it)"
                .to_owned(),
    }
}

/// The identity of a paged read (what a cursor is bound to): a stable
/// 64-bit FNV-1a hash of its parts, the same in every process and version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReadFingerprint(u64);

impl ReadFingerprint {
    /// The fingerprint of these named parts (numbers compared by value).
    pub(crate) fn of(parts: Item) -> ReadFingerprint {
        let bytes = super::batch::fingerprint(&parts);
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        ReadFingerprint(hash)
    }

    /// The parts common to queries and scans.
    pub(crate) fn parts(kind: &str, table: &str, index: Option<&str>) -> Item {
        Item::new().with("read", kind).with("table", table).with(
            "index",
            index.map_or(AttributeValue::Null, |i| AttributeValue::S(i.to_owned())),
        )
    }
}

impl Cursor {
    /// The token's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A cursor from a token given out before (checked to be one; which
    /// read it belongs to is checked when it is used).
    pub fn parse(token: &str) -> Result<Cursor> {
        let c = Cursor(token.to_owned());
        c.decode()?;
        Ok(c)
    }

    pub(crate) fn new(read: ReadFingerprint, key: &Item) -> Cursor {
        let mut bytes = vec![FORMAT];
        bytes.extend_from_slice(&read.0.to_be_bytes());
        bytes.extend(crate::codec::encode_item(key));
        Cursor(URL_SAFE_NO_PAD.encode(bytes))
    }

    fn decode(&self) -> Result<(ReadFingerprint, Item)> {
        let bytes = URL_SAFE_NO_PAD.decode(&self.0).map_err(|_| not_ours())?;
        let (&format, rest) = bytes.split_first().ok_or_else(not_ours)?;
        if format != FORMAT || rest.len() < 8 {
            return Err(not_ours());
        }
        let (read, key) = rest.split_at(8);
        let read = ReadFingerprint(u64::from_be_bytes(read.try_into().map_err(|_| not_ours())?));
        let key = crate::codec::decode_item(key).map_err(|_| not_ours())?;
        Ok((read, key))
    }

    /// The start key, if the cursor belongs to `read`.
    pub(crate) fn key_for(&self, read: ReadFingerprint, table: &str) -> Result<Item> {
        let (given_by, key) = self.decode()?;
        if given_by != read {
            return Err(Error::InvalidRequest {
                message: format!(
                    "cursor belongs to another query: it was given out by a read with another \
                     table, index, key condition or direction than this one on table `{table}`"
                ),
            });
        }
        Ok(key)
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_are_url_safe_and_bound_to_their_read() {
        let key = Item::new().with("id", "a/b+c?").with("n", 7);
        let read = ReadFingerprint::of(ReadFingerprint::parts("scan", "t", None));
        let other = ReadFingerprint::of(ReadFingerprint::parts("scan", "t", Some("i")));
        assert_ne!(read, other);
        let c = Cursor::new(read, &key);
        assert!(
            c.as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{c}"
        );
        let parsed = Cursor::parse(c.as_str()).unwrap();
        assert_eq!(parsed.key_for(read, "t").unwrap(), key);
        let err = parsed.key_for(other, "t").unwrap_err().to_string();
        assert!(err.contains("cursor belongs to another query"), "{err}");
        assert!(Cursor::parse("not a cursor!").is_err());
        assert!(Cursor::parse("AAAA").is_err());
        assert!(Cursor::parse("").is_err());
        // A token of the format before fingerprints: the bare key.
        let old = URL_SAFE_NO_PAD.encode(crate::codec::encode_item(&key));
        let err = Cursor::parse(&old).unwrap_err().to_string();
        assert!(err.contains("not a token this library gave out"), "{err}");
    }

    #[test]
    fn fingerprints_compare_numbers_by_value() {
        let a = ReadFingerprint::of(Item::new().with("v", AttributeValue::N("1".parse().unwrap())));
        let b =
            ReadFingerprint::of(Item::new().with("v", AttributeValue::N("1.0".parse().unwrap())));
        assert_eq!(a, b);
    }
}
