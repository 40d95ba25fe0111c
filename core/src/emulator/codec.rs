//! Byte encodings of the emulator: items (compact, versioned binary) and
//! keys (order preserving, self-delimiting), and the partition digest.

use std::cmp::Ordering;

use crate::number::Number;
use crate::value::AttributeValue;

pub use crate::codec::{
    ITEM_FORMAT, decode_item, encode_item, encode_item_sized, encoded_item_size,
};

// ---------------------------------------------------------------------------
// Keys

/// Appends a string or binary key part: `0x00` escaped as `00 FF`, then the
/// terminator `00 01`. Byte order of the result is byte order of the input,
/// and no encoding is a prefix of another.
fn put_escaped(out: &mut Vec<u8>, b: &[u8], terminate: bool) {
    // The runs between zero bytes are copied whole (most keys have none).
    let mut rest = b;
    while let Some(i) = rest.iter().position(|&c| c == 0) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(&[0, 0xff]);
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
    if terminate {
        out.extend_from_slice(&[0, 1]);
    }
}

/// Appends a number key part whose byte order is numeric order: a class
/// byte (negative, zero, positive), the exponent biased into one byte, the
/// significant digits as bytes 1 to 10, and a terminator; negative numbers
/// have exponent and digits complemented so that larger magnitudes sort first.
fn put_number(out: &mut Vec<u8>, n: &Number) {
    let d = n.decomposed();
    if d.is_zero() {
        out.push(0x80);
        return;
    }
    // Exponents run from -130 to 125: 256 values, one byte.
    let exp = (d.exponent() + 130).clamp(0, 255) as u8;
    if d.is_negative() {
        out.push(0x40);
        out.push(255 - exp);
        for c in d.digits() {
            out.push(10 - (c - b'0'));
        }
        out.push(11);
    } else {
        out.push(0xc0);
        out.push(exp);
        for c in d.digits() {
            out.push(c - b'0' + 1);
        }
        out.push(0);
    }
}

/// Appends the order-preserving encoding of a key value of the given type.
/// The value must be of that type (validated before).
pub fn put_key_part(out: &mut Vec<u8>, v: &AttributeValue) {
    match v {
        AttributeValue::S(s) => put_escaped(out, s.as_bytes(), true),
        AttributeValue::B(b) => put_escaped(out, b, true),
        AttributeValue::N(n) => put_number(out, n),
        // Keys are only S, N or B; anything else sorts last, unterminated.
        _ => out.push(0xff),
    }
}

/// Appends the encoding of a string or binary *prefix* (for `begins_with`):
/// the escaped bytes without the terminator.
pub fn put_key_prefix(out: &mut Vec<u8>, v: &AttributeValue) {
    match v {
        AttributeValue::S(s) => put_escaped(out, s.as_bytes(), false),
        AttributeValue::B(b) => put_escaped(out, b, false),
        other => put_key_part(out, other),
    }
}

/// The partition digest of a hash key value: `SHA1("LocalDdb" || bytes)`,
/// the hash DynamoDB Local orders scans and splits segments by (strings by
/// their UTF-8 bytes, binaries by their bytes; numbers here by their
/// canonical text).
pub fn partition_digest(hash: &AttributeValue) -> [u8; 20] {
    use sha1::Digest as _;
    let mut h = sha1::Sha1::new();
    h.update(b"LocalDdb");
    // The bytes a key value hashes as (read in place, not copied).
    match hash {
        AttributeValue::S(s) => h.update(s.as_bytes()),
        AttributeValue::B(b) => h.update(b),
        AttributeValue::N(n) => h.update(n.canonical().as_str().as_bytes()),
        _ => {}
    }
    h.finalize().into()
}

/// The smallest byte string greater than every string starting with `prefix`.
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    // All 0xFF: no upper bound within the keyspace; use a longer maximal key.
    vec![0xff; prefix.len() + 1]
}

/// The smallest byte string greater than `key`.
pub fn successor(key: &[u8]) -> Vec<u8> {
    let mut s = key.to_vec();
    s.push(0);
    s
}

/// Segment bounds of a parallel scan in digest space: segment `i` of `t`
/// covers `[(MAX/t)*i, (MAX/t)*(i+1))`, the last one up to `MAX`, where MAX
/// is 2^160 - 1 (as DynamoDB Local splits).
pub fn segment_bounds(segment: u32, total: u32) -> ([u8; 20], Option<[u8; 20]>) {
    let step = div_160(&[0xff; 20], total);
    let start = mul_160(&step, segment);
    let end = if segment + 1 == total {
        None
    } else {
        Some(mul_160(&step, segment + 1))
    };
    (start, end)
}

fn div_160(n: &[u8; 20], d: u32) -> [u8; 20] {
    let mut out = [0u8; 20];
    let mut rem: u64 = 0;
    for i in 0..20 {
        let cur = (rem << 8) | u64::from(n[i]);
        out[i] = (cur / u64::from(d)) as u8;
        rem = cur % u64::from(d);
    }
    out
}

fn mul_160(n: &[u8; 20], m: u32) -> [u8; 20] {
    let mut out = [0u8; 20];
    let mut carry: u64 = 0;
    for i in (0..20).rev() {
        let cur = u64::from(n[i]) * u64::from(m) + carry;
        out[i] = cur as u8;
        carry = cur >> 8;
    }
    out
}

/// Rebuilds a number in canonical text if it is not already.
pub(crate) fn canonical_number(n: &Number) -> Option<Number> {
    let t = n.as_str();
    let simple = !t.is_empty()
        && t.bytes()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == b'-'))
        && !t.starts_with('0')
        && !t.starts_with("-0");
    if simple || t == "0" {
        return None;
    }
    let c = n.canonical();
    (c.as_str() != t).then_some(c)
}

/// Rewrites a value as DynamoDB stores it: numbers in canonical text, set
/// members sorted (strings by UTF-16 code units as Java compares them,
/// numbers by value, binaries by signed bytes), as DynamoDB Local returns them.
pub(crate) fn canonicalize(v: &mut AttributeValue) {
    match v {
        AttributeValue::N(n) => {
            if let Some(c) = canonical_number(n) {
                *n = c;
            }
        }
        AttributeValue::Ss(s) => s.sort_by(|a, b| utf16_order(a, b)),
        AttributeValue::Bs(s) => {
            s.sort_by(|a, b| a.iter().map(|&x| x as i8).cmp(b.iter().map(|&x| x as i8)))
        }
        AttributeValue::Ns(s) => {
            for n in s.iter_mut() {
                if let Some(c) = canonical_number(n) {
                    *n = c;
                }
            }
            s.sort();
        }
        AttributeValue::M(m) => m.values_mut().for_each(canonicalize),
        AttributeValue::L(l) => l.iter_mut().for_each(canonicalize),
        _ => {}
    }
}

/// The order of `a` and `b` by UTF-16 code units (Java's `String` order),
/// found from their UTF-8 bytes: the bytes before the first difference are
/// the same in both, and the characters from there on compare by
/// [`utf16_rank`].
fn utf16_order(a: &str, b: &str) -> Ordering {
    let Some(i) = a.bytes().zip(b.bytes()).position(|(x, y)| x != y) else {
        // One is a prefix of the other, in UTF-16 as in UTF-8.
        return a.len().cmp(&b.len());
    };
    // The characters that differ start at the same place in both.
    let mut start = i;
    while !a.is_char_boundary(start) {
        start -= 1;
    }
    a[start..]
        .chars()
        .map(utf16_rank)
        .cmp(b[start..].chars().map(utf16_rank))
}

/// A character's place in UTF-16 order: its code point, except that
/// U+E000-U+FFFF come after every character outside the Basic
/// Multilingual Plane (whose surrogate pairs lead with 0xD800-0xDBFF).
fn utf16_rank(c: char) -> u32 {
    let c = u32::from(c);
    if (0xE000..=0xFFFF).contains(&c) {
        c + 0x11_0000
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Item;

    #[test]
    fn items_round_trip() {
        let item = Item::new()
            .with("s", "héllo")
            .with("n", AttributeValue::N("-12.5".parse().unwrap()))
            .with("b", AttributeValue::B(vec![0, 1, 255]))
            .with("ss", AttributeValue::Ss(vec!["a".into(), "".into()]))
            .with("ns", AttributeValue::Ns(vec!["1".parse().unwrap()]))
            .with("bs", AttributeValue::Bs(vec![vec![], vec![9]]))
            .with(
                "m",
                AttributeValue::M([("k".to_string(), AttributeValue::Null)].into()),
            )
            .with(
                "l",
                AttributeValue::L(vec![
                    AttributeValue::Bool(true),
                    AttributeValue::Bool(false),
                ]),
            );
        assert_eq!(decode_item(&encode_item(&item)).unwrap(), item);
    }

    proptest::proptest! {
        #[test]
        fn decoded_sizes_are_item_sizes(item in crate::arbitrary::item()) {
            let (decoded, size) = crate::codec::decode_item_sized(&encode_item(&item)).unwrap();
            proptest::prop_assert_eq!(size, item.size());
            proptest::prop_assert_eq!(decoded, item);
        }
    }

    #[test]
    fn repeated_names_are_sized_as_kept() {
        // An item `{a: {k: "x", k: "yy"}, b: "z", b: "zzz"}`, as no encoder
        // writes it: each map keeps the last value of a name.
        let mut bytes = vec![ITEM_FORMAT, 3, 1, b'a', 6, 2];
        bytes.extend_from_slice(&[1, b'k', 0, 1, b'x', 1, b'k', 0, 2, b'y', b'y']);
        bytes.extend_from_slice(&[1, b'b', 0, 1, b'z', 1, b'b', 0, 3, b'z', b'z', b'z']);
        let (item, size) = crate::codec::decode_item_sized(&bytes).unwrap();
        assert_eq!(item["b"], AttributeValue::from("zzz"));
        assert_eq!(size, item.size());
    }

    #[test]
    fn corrupt_items_are_errors() {
        let bytes = encode_item(&Item::new().with("a", "b"));
        for cut in 0..bytes.len() {
            assert!(decode_item(&bytes[..cut]).is_err());
        }
        assert!(decode_item(&[2, 0]).is_err());
        assert!(
            decode_item(&[
                1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
            ])
            .is_err()
        );
    }

    #[test]
    fn segments_tile_the_digest_space() {
        for total in [1, 2, 3, 7, 1000] {
            let mut prev_end = [0u8; 20];
            for s in 0..total {
                let (start, end) = segment_bounds(s, total);
                assert_eq!(start, prev_end);
                match end {
                    Some(e) => prev_end = e,
                    None => assert_eq!(s, total - 1),
                }
            }
        }
    }

    /// Characters from each UTF-8 length and from both sides of the
    /// surrogates, where UTF-16 and UTF-8 orders part.
    fn tricky_char() -> impl proptest::strategy::Strategy<Value = char> {
        use proptest::prelude::*;
        prop_oneof![
            proptest::char::range('a', 'c'),
            proptest::char::range('\u{7f}', '\u{81}'),
            proptest::char::range('\u{7ff}', '\u{801}'),
            proptest::char::range('\u{d7fe}', '\u{d7ff}'),
            proptest::char::range('\u{e000}', '\u{e001}'),
            proptest::char::range('\u{fffe}', '\u{ffff}'),
            proptest::char::range('\u{10000}', '\u{10001}'),
            proptest::char::range('\u{10fffe}', '\u{10ffff}'),
            any::<char>(),
        ]
    }

    proptest::proptest! {
        /// The order from UTF-8 bytes is Java's UTF-16 order, for strings
        /// that share a prefix and differ in any of the characters where
        /// the two encodings order differently.
        #[test]
        fn utf16_order_is_the_code_units_order(
            prefix in proptest::collection::vec(tricky_char(), 0..3),
            a in proptest::collection::vec(tricky_char(), 0..3),
            b in proptest::collection::vec(tricky_char(), 0..3),
        ) {
            let p: String = prefix.into_iter().collect();
            let a = format!("{p}{}", a.into_iter().collect::<String>());
            let b = format!("{p}{}", b.into_iter().collect::<String>());
            proptest::prop_assert_eq!(
                utf16_order(&a, &b),
                a.encode_utf16().cmp(b.encode_utf16()),
                "{:?} against {:?}", a, b
            );
        }
    }

    #[test]
    fn utf16_order_puts_the_private_use_area_after_supplementary_characters() {
        assert_eq!(utf16_order("\u{e000}", "\u{1f600}"), Ordering::Greater);
        assert_eq!(utf16_order("\u{1f600}", "\u{ffff}"), Ordering::Less);
        assert_eq!(utf16_order("\u{d7ff}", "\u{10000}"), Ordering::Less);
        assert_eq!(utf16_order("ab", "abc"), Ordering::Less);
        assert_eq!(utf16_order("abc", "abc"), Ordering::Equal);
        let mut set = AttributeValue::Ss(vec!["\u{1f600}".into(), "\u{e000}".into(), "z".into()]);
        canonicalize(&mut set);
        assert_eq!(
            set,
            AttributeValue::Ss(vec!["z".into(), "\u{1f600}".into(), "\u{e000}".into()])
        );
    }
}
