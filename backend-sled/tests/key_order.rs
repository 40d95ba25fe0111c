//! Property test: the byte order of encoded keys is DynamoDB's order of the
//! values (numbers by exact value, strings and binaries by bytes), so that
//! sled's key order is the query order, and no encoding is a prefix of
//! another, so that (hash, range) pairs order by hash then range.

use std::cmp::Ordering;

use dynamodb_mapper::emulator::codec::put_key_part;
use dynamodb_mapper::{AttributeValue, Number};
use proptest::prelude::*;

fn enc(v: &AttributeValue) -> Vec<u8> {
    let mut out = Vec::new();
    put_key_part(&mut out, v);
    out
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        // Any magnitude DynamoDB allows, any sign, up to 38 digits.
        (any::<bool>(), "[1-9][0-9]{0,37}", -130i64..=125).prop_filter_map(
            "in range",
            |(neg, digits, exp)| {
                let text = format!(
                    "{}{}.{}e{}",
                    if neg { "-" } else { "" },
                    &digits[..1],
                    &digits[1..],
                    exp
                );
                Number::parse(&text).ok()
            }
        ),
        any::<i64>().prop_map(Number::from),
        (-1000i64..1000, 0u32..6)
            .prop_map(|(m, scale)| Number::parse(&format!("{m}e-{scale}")).unwrap()),
        Just(Number::zero()),
        Just(Number::parse("-0.0").unwrap()),
    ]
}

fn string() -> impl Strategy<Value = String> {
    prop_oneof![".{0,8}", "[a\\x00b]{0,6}", "\\PC{0,5}"]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..10),
        proptest::collection::vec(prop_oneof![Just(0u8), Just(1), Just(0xff)], 0..6),
    ]
}

fn prefix_free(a: &[u8], b: &[u8]) -> bool {
    a == b || !(a.starts_with(b) || b.starts_with(a))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn numbers_order_by_value(a in number(), b in number()) {
        let (ea, eb) = (enc(&AttributeValue::N(a.clone())), enc(&AttributeValue::N(b.clone())));
        prop_assert_eq!(ea.cmp(&eb), a.cmp(&b), "{} vs {}", a, b);
        prop_assert!(prefix_free(&ea, &eb));
    }

    #[test]
    fn strings_order_by_utf8_bytes(a in string(), b in string()) {
        let (ea, eb) = (enc(&AttributeValue::S(a.clone())), enc(&AttributeValue::S(b.clone())));
        prop_assert_eq!(ea.cmp(&eb), a.as_bytes().cmp(b.as_bytes()));
        prop_assert!(prefix_free(&ea, &eb));
    }

    #[test]
    fn binaries_order_by_bytes(a in bytes(), b in bytes()) {
        let (ea, eb) = (enc(&AttributeValue::B(a.clone())), enc(&AttributeValue::B(b.clone())));
        prop_assert_eq!(ea.cmp(&eb), a.cmp(&b));
        prop_assert!(prefix_free(&ea, &eb));
    }

    #[test]
    fn composite_keys_order_by_hash_then_range(h1 in string(), r1 in number(), h2 in string(), r2 in number()) {
        let key = |h: &String, r: &Number| {
            let mut k = enc(&AttributeValue::S(h.clone()));
            put_key_part(&mut k, &AttributeValue::N(r.clone()));
            k
        };
        let expected = match h1.as_bytes().cmp(h2.as_bytes()) {
            Ordering::Equal => r1.cmp(&r2),
            other => other,
        };
        prop_assert_eq!(key(&h1, &r1).cmp(&key(&h2, &r2)), expected);
    }
}
