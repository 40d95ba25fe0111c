//! Property tests of the data model and mapping.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use dynamodb_mapper::{
    AttributeValue, Binary, Number, NumberSet, StringSet, Timestamp, from_item, from_value,
    to_item, to_value,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------
// Round trips of arbitrary Rust values, nested several levels.

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Node {
    Unit,
    Int(i64),
    UInt(u64),
    Wide(i128),
    Float(f64),
    Text(String),
    Letter(char),
    Flag(bool),
    Bytes(Binary),
    Time(Timestamp),
    Strings(StringSet),
    Numbers(NumberSet<i32>),
    Times(dynamodb_mapper::Set<Timestamp>),
    Decimal(Number),
    Pair(u8, String),
    Shape { w: u16, h: Option<u16> },
    List(Vec<Node>),
    Map(BTreeMap<String, Node>),
    Record(Box<Record>),
    Maybe(Option<Box<Node>>),
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Record {
    name: String,
    children: Vec<Node>,
    optional: Option<i32>,
    tags: StringSet,
    tuple: (u8, String, bool),
    by_number: BTreeMap<u32, Node>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Top {
    id: String,
    root: Node,
    extra: Option<Record>,
}

fn dynamo_f64() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite, in DynamoDB's range", |v| {
        v.is_finite() && (*v == 0.0 || (1e-130..9.9e125).contains(&v.abs()))
    })
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (
        Timestamp::MIN.unix_seconds()..=Timestamp::MAX.unix_seconds(),
        0u32..1_000_000_000,
    )
        .prop_map(|(s, n)| Timestamp::from_unix(s, n).unwrap())
}

fn number() -> impl Strategy<Value = Number> {
    (any::<bool>(), "[0-9]{1,20}", "[0-9]{0,18}", -60i32..60).prop_filter_map(
        "valid number",
        |(neg, int, frac, exp)| {
            let text = format!(
                "{}{}{}{}e{}",
                if neg { "-" } else { "" },
                int,
                if frac.is_empty() { "" } else { "." },
                frac,
                exp
            );
            Number::parse(&text).ok()
        },
    )
}

fn leaf() -> impl Strategy<Value = Node> {
    prop_oneof![
        Just(Node::Unit),
        any::<i64>().prop_map(Node::Int),
        any::<u64>().prop_map(Node::UInt),
        (-(10i128.pow(37))..10i128.pow(37)).prop_map(Node::Wide),
        dynamo_f64().prop_map(Node::Float),
        ".{0,12}".prop_map(Node::Text),
        any::<char>().prop_map(Node::Letter),
        any::<bool>().prop_map(Node::Flag),
        proptest::collection::vec(any::<u8>(), 0..16).prop_map(|v| Node::Bytes(Binary(v))),
        timestamp().prop_map(Node::Time),
        proptest::collection::btree_set(".{0,6}", 0..5).prop_map(|s| Node::Strings(s.into())),
        proptest::collection::btree_set(any::<i32>(), 0..5).prop_map(|s| Node::Numbers(s.into())),
        proptest::collection::btree_set(timestamp(), 0..3).prop_map(|s| Node::Times(s.into())),
        number().prop_map(Node::Decimal),
        (any::<u8>(), ".{0,4}").prop_map(|(a, b)| Node::Pair(a, b)),
        (any::<u16>(), any::<Option<u16>>()).prop_map(|(w, h)| Node::Shape { w, h }),
    ]
}

fn node() -> impl Strategy<Value = Node> {
    leaf().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Node::List),
            proptest::collection::btree_map(".{0,5}", inner.clone(), 0..6).prop_map(Node::Map),
            proptest::option::of(inner.clone().prop_map(Box::new)).prop_map(Node::Maybe),
            (
                ".{0,8}",
                proptest::collection::vec(inner.clone(), 0..4),
                any::<Option<i32>>(),
                proptest::collection::btree_set("[a-z]{1,4}", 0..4),
                (any::<u8>(), ".{0,3}", any::<bool>()),
                proptest::collection::btree_map(any::<u32>(), inner, 0..3),
            )
                .prop_map(|(name, children, optional, tags, tuple, by_number)| {
                    Node::Record(Box::new(Record {
                        name,
                        children,
                        optional,
                        tags: tags.into(),
                        tuple,
                        by_number,
                    }))
                }),
        ]
    })
}

fn attribute_value() -> impl Strategy<Value = AttributeValue> {
    let leaf = prop_oneof![
        ".{0,10}".prop_map(AttributeValue::S),
        number().prop_map(AttributeValue::N),
        proptest::collection::vec(any::<u8>(), 0..10).prop_map(AttributeValue::B),
        proptest::collection::btree_set(".{0,5}", 1..5)
            .prop_map(|s| AttributeValue::Ss(s.into_iter().collect())),
        proptest::collection::btree_set(number(), 1..5)
            .prop_map(|s| AttributeValue::Ns(s.into_iter().collect())),
        proptest::collection::btree_set(proptest::collection::vec(any::<u8>(), 0..4), 1..4)
            .prop_map(|s| AttributeValue::Bs(s.into_iter().collect())),
        any::<bool>().prop_map(AttributeValue::Bool),
        Just(AttributeValue::Null),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(AttributeValue::L),
            proptest::collection::btree_map(".{0,5}", inner, 0..5).prop_map(AttributeValue::M),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn nested_values_round_trip(id in ".{0,10}", root in node(), extra in proptest::option::of(node())) {
        let extra = extra.map(|n| Record {
            name: "extra".into(),
            children: vec![n],
            optional: None,
            tags: StringSet::new(),
            tuple: (1, "x".into(), true),
            by_number: BTreeMap::new(),
        });
        let top = Top { id, root, extra };
        let item = to_item(&top).unwrap();
        let back: Top = from_item(item).unwrap();
        prop_assert_eq!(back, top);
    }

    #[test]
    fn single_values_round_trip(v in node()) {
        let av = to_value(&v).unwrap();
        prop_assert_eq!(from_value::<Node>(av).unwrap(), v);
    }

    #[test]
    fn attribute_values_pass_through_exactly(v in attribute_value()) {
        prop_assert_eq!(to_value(&v).unwrap(), v.clone());
        prop_assert_eq!(from_value::<AttributeValue>(v.clone()).unwrap(), v);
    }
}

// ---------------------------------------------------------------------------
// Number order and equality against an independent reference.

/// A decimal as (negative, digits, scale): value = digits × 10^-scale.
#[derive(Debug, Clone)]
struct Dec {
    negative: bool,
    digits: String,
    scale: i64,
}

impl Dec {
    fn text(&self) -> String {
        format!(
            "{}{}e{}",
            if self.negative { "-" } else { "" },
            self.digits,
            -self.scale
        )
    }

    fn is_zero(&self) -> bool {
        self.digits.bytes().all(|b| b == b'0')
    }

    /// Compares |a| and |b| by padding both to the same scale and comparing
    /// the resulting integers as strings.
    fn cmp_magnitude(a: &Dec, b: &Dec) -> Ordering {
        let scale = a.scale.max(b.scale);
        let pad = |d: &Dec| {
            let mut s = d.digits.clone();
            s.extend(std::iter::repeat_n('0', (scale - d.scale) as usize));
            s.trim_start_matches('0').to_owned()
        };
        let (x, y) = (pad(a), pad(b));
        x.len().cmp(&y.len()).then_with(|| x.cmp(&y))
    }

    fn cmp(a: &Dec, b: &Dec) -> Ordering {
        let sign = |d: &Dec| {
            if d.is_zero() {
                0
            } else if d.negative {
                -1
            } else {
                1
            }
        };
        match sign(a).cmp(&sign(b)) {
            Ordering::Equal => match sign(a) {
                0 => Ordering::Equal,
                1 => Dec::cmp_magnitude(a, b),
                _ => Dec::cmp_magnitude(b, a),
            },
            other => other,
        }
    }
}

fn dec() -> impl Strategy<Value = Dec> {
    (any::<bool>(), "[0-9]{1,38}", -40i64..40).prop_map(|(negative, digits, scale)| Dec {
        negative,
        digits,
        scale,
    })
}

/// The same value written another way: trailing zeros moved into the exponent.
fn rewrite(d: &Dec, extra_zeros: usize) -> String {
    let mut digits = d.digits.clone();
    digits.extend(std::iter::repeat_n('0', extra_zeros));
    let scale = d.scale + extra_zeros as i64;
    // Also place a decimal point when it is inside the digits.
    if scale > 0 && (scale as usize) < digits.len() {
        let point = digits.len() - scale as usize;
        format!(
            "{}{}.{}",
            if d.negative { "-" } else { "" },
            &digits[..point],
            &digits[point..]
        )
    } else {
        format!("{}{}E{}", if d.negative { "-" } else { "" }, digits, -scale)
    }
}

fn hash_of(n: &Number) -> u64 {
    let mut h = DefaultHasher::new();
    n.hash(&mut h);
    h.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn number_order_is_decimal_order(a in dec(), b in dec()) {
        let (Ok(x), Ok(y)) = (Number::parse(&a.text()), Number::parse(&b.text())) else {
            // Only numbers within DynamoDB's limits are comparable.
            return Ok(());
        };
        prop_assert_eq!(x.cmp(&y), Dec::cmp(&a, &b), "{} vs {}", a.text(), b.text());
        prop_assert_eq!(x == y, Dec::cmp(&a, &b) == Ordering::Equal);
    }

    #[test]
    fn equal_values_are_equal_and_hash_alike(a in dec(), zeros in 0usize..5) {
        let (Ok(x), Ok(y)) = (Number::parse(&a.text()), Number::parse(&rewrite(&a, zeros))) else {
            return Ok(());
        };
        prop_assert_eq!(&x, &y);
        prop_assert_eq!(hash_of(&x), hash_of(&y));
        prop_assert_eq!(x.canonical(), y.canonical());
        prop_assert_eq!(x.canonical().as_str().to_owned(), y.canonical().as_str().to_owned());
        prop_assert!(x.canonical().is_canonical());
    }

    #[test]
    fn exact_arithmetic_matches_i128(a in -(10i128.pow(30))..10i128.pow(30), b in -(10i128.pow(30))..10i128.pow(30)) {
        let (x, y) = (Number::from_i128(a).unwrap(), Number::from_i128(b).unwrap());
        prop_assert_eq!(x.checked_add(&y).unwrap().to_i128().unwrap(), a + b);
        prop_assert_eq!(x.checked_sub(&y).unwrap().to_i128().unwrap(), a - b);
    }

    #[test]
    fn integer_conversions_are_exact(v in any::<i64>(), w in any::<u64>()) {
        prop_assert_eq!(Number::from(v).to_i64().unwrap(), v);
        prop_assert_eq!(Number::from(w).to_u64().unwrap(), w);
        prop_assert_eq!(from_value::<i64>(to_value(&v).unwrap()).unwrap(), v);
    }
}

// ---------------------------------------------------------------------------
// Timestamps: text order is time order, and the text round trips.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn timestamp_text_order_is_time_order(a in timestamp(), b in timestamp()) {
        let (x, y) = (a.to_string(), b.to_string());
        prop_assert_eq!(x.len(), 30);
        prop_assert_eq!(x.cmp(&y), a.cmp(&b));
        prop_assert_eq!(x.parse::<Timestamp>().unwrap(), a);
    }

    #[test]
    fn timestamp_offsets_are_normalised(t in timestamp(), offset_min in -(23 * 60 + 59)..(23 * 60 + 59i64)) {
        // The same instant written in another offset parses to the same timestamp.
        let Some(local) = Timestamp::from_unix(t.unix_seconds() + offset_min * 60, t.subsec_nanos()).ok() else {
            return Ok(());
        };
        let text = local.to_string();
        let sign = if offset_min < 0 { '-' } else { '+' };
        let written = format!("{}{}{:02}:{:02}", &text[..29], sign, offset_min.abs() / 60, offset_min.abs() % 60);
        prop_assert_eq!(written.parse::<Timestamp>().unwrap(), t);
    }
}
