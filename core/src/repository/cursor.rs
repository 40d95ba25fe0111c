//! [`Cursor`]: an opaque, URL-safe position in a query or scan.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Error, Result};
use crate::value::Item;

/// An opaque position in a query or scan, to resume it later (for APIs that
/// hand pages to their clients). It is URL safe.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cursor(String);

fn not_ours() -> Error {
    Error::invalid("the cursor is not a token this library gave out")
}

impl Cursor {
    /// The token's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A cursor from a token given out before.
    pub fn parse(token: &str) -> Result<Cursor> {
        let c = Cursor(token.to_owned());
        c.key()?;
        Ok(c)
    }

    pub(crate) fn from_key(key: &Item) -> Cursor {
        Cursor(URL_SAFE_NO_PAD.encode(crate::codec::encode_item(key)))
    }

    pub(crate) fn key(&self) -> Result<Item> {
        let bytes = URL_SAFE_NO_PAD.decode(&self.0).map_err(|_| not_ours())?;
        crate::codec::decode_item(&bytes).map_err(|_| not_ours())
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
    fn cursors_round_trip_and_are_url_safe() {
        let key = Item::new().with("id", "a/b+c?").with("n", 7);
        let c = Cursor::from_key(&key);
        assert!(
            c.as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{c}"
        );
        assert_eq!(Cursor::parse(c.as_str()).unwrap().key().unwrap(), key);
        assert!(Cursor::parse("not a cursor!").is_err());
        assert!(Cursor::parse("AAAA").is_err());
    }
}
