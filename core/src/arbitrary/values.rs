//! Strategies for the data model: numbers, timestamps, binary, sets,
//! attribute values and items, and their `Arbitrary` impls.

use proptest::arbitrary::{Arbitrary, any};
use proptest::collection::{SizeRange, btree_map, btree_set, vec};
use proptest::strategy::{BoxedStrategy, Just, Strategy};
use proptest::{prop_oneof, sample};

use crate::model::{KeySchema, ScalarType};
use crate::number::{MAX_DIGITS, MAX_EXPONENT, MIN_EXPONENT, Number};
use crate::set::{Binary, Set};
use crate::time::{EpochSeconds, Timestamp};
use crate::value::{AttributeValue, Item, MAX_NESTING_DEPTH};

/// Valid DynamoDB numbers across the whole range: zero, everyday
/// integers, the extremes (38 nines, `1E-130`, `9.99…9E+125`, both
/// signs) and decimals of 1 to 38 significant digits with any exponent
/// from -130 to 125. Shrinks towards fewer digits.
pub fn number() -> impl Strategy<Value = Number> {
    let nines = "9".repeat(MAX_DIGITS);
    let extremes: Vec<String> = vec![
        nines.clone(),
        format!("-{nines}"),
        format!("1E{MIN_EXPONENT}"),
        format!("-1E{MIN_EXPONENT}"),
        format!("9.{}E+{MAX_EXPONENT}", &nines[1..]),
        format!("-9.{}E+{MAX_EXPONENT}", &nines[1..]),
        "0.1".to_owned(),
        "-0".to_owned(),
    ];
    let scientific = (
        any::<bool>(),
        1u8..=9,
        vec(0u8..=9, 0..MAX_DIGITS),
        MIN_EXPONENT..=MAX_EXPONENT,
    )
        .prop_filter_map("a valid number", |(negative, first, rest, exponent)| {
            let mut text = String::with_capacity(MAX_DIGITS + 8);
            if negative {
                text.push('-');
            }
            text.push(char::from(b'0' + first));
            if !rest.is_empty() {
                text.push('.');
                text.extend(rest.iter().map(|d| char::from(b'0' + d)));
            }
            text.push_str(&format!("E{exponent}"));
            Number::parse(&text).ok()
        });
    prop_oneof![
        1 => Just(Number::zero()),
        3 => any::<i64>().prop_map(Number::from),
        1 => sample::select(extremes).prop_filter_map("a valid number", |t| Number::parse(&t).ok()),
        5 => scientific,
    ]
}

/// Timestamps over the whole range DynamoDB's strings and the mapper
/// accept (`0000-01-01` to `9999-12-31`), with nanoseconds, and mostly in
/// 1970..2100.
pub fn timestamp() -> impl Strategy<Value = Timestamp> {
    let make = |(secs, nanos): (i64, u32)| Timestamp::from_unix(secs, nanos).ok();
    let recent = (0i64..4_102_444_800, 0u32..1_000_000_000);
    let any_time = (
        Timestamp::MIN.unix_seconds()..=Timestamp::MAX.unix_seconds(),
        0u32..1_000_000_000,
    );
    prop_oneof![
        3 => recent.prop_filter_map("a valid timestamp", make),
        1 => any_time.prop_filter_map("a valid timestamp", make),
    ]
}

/// Binary values of 0 to 32 bytes.
pub fn binary() -> impl Strategy<Value = Binary> {
    vec(any::<u8>(), 0..=32).prop_map(Binary)
}

/// Strings of `min..=max` characters (any Unicode scalar value but the
/// surrogates), as `length(...)` counts them.
pub fn string_of_length(min: usize, max: usize) -> BoxedStrategy<String> {
    vec(any::<char>(), min..=max.max(min))
        .prop_map(String::from_iter)
        .boxed()
}

/// Sets of members from `member`, with no duplicate and never empty (a
/// `size` range that allows 0 is raised to 1), as DynamoDB stores them.
///
/// The member strategy must be able to produce enough distinct values for
/// the size asked.
pub fn set_of<S>(member: S, size: impl Into<SizeRange>) -> impl Strategy<Value = Set<S::Value>>
where
    S: Strategy,
    S::Value: Ord,
{
    let (min, max) = size.into().start_end_incl();
    btree_set(member, min.max(1)..=max.max(1)).prop_map(Set::from)
}

/// String sets (`SS`) of 1 to 8 members.
pub fn string_set() -> impl Strategy<Value = Set<String>> {
    set_of("\\PC{0,12}", 1..=8)
}

/// Number sets (`NS`) of 1 to 8 members (no two equal in value).
pub fn number_set() -> impl Strategy<Value = Set<Number>> {
    set_of(number(), 1..=8)
}

/// Binary sets (`BS`) of 1 to 8 members.
pub fn binary_set() -> impl Strategy<Value = Set<Binary>> {
    set_of(binary(), 1..=8)
}

/// Attribute names: mostly identifiers, sometimes any printable text,
/// never empty.
pub fn attribute_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z_][a-zA-Z0-9_]{0,11}",
        1 => "\\PC{1,12}",
    ]
}

/// Scalar and set attribute values: `S`, `N`, `B`, `BOOL`, `NULL`, `SS`,
/// `NS`, `BS`, each valid for DynamoDB.
pub fn scalar_value() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        3 => "\\PC{0,16}".prop_map(AttributeValue::S),
        3 => number().prop_map(AttributeValue::N),
        1 => binary().prop_map(|b| AttributeValue::B(b.0)),
        1 => any::<bool>().prop_map(AttributeValue::Bool),
        1 => Just(AttributeValue::Null),
        1 => string_set().prop_map(|s| AttributeValue::Ss(s.into_iter().collect())),
        1 => number_set().prop_map(|s| AttributeValue::Ns(s.into_iter().collect())),
        1 => binary_set().prop_map(|s| AttributeValue::Bs(s.into_iter().map(|b| b.0).collect())),
    ]
}

/// Attribute values of every type, lists and maps nested up to 4 levels.
pub fn attribute_value() -> BoxedStrategy<AttributeValue> {
    attribute_value_nested(4)
}

/// Attribute values of every type, lists and maps nested up to `depth`
/// levels (at most DynamoDB's limit, [`MAX_NESTING_DEPTH`]).
pub fn attribute_value_nested(depth: u32) -> BoxedStrategy<AttributeValue> {
    let depth = depth.min(MAX_NESTING_DEPTH as u32);
    scalar_value()
        .prop_recursive(depth, 48, 6, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..6).prop_map(AttributeValue::L),
                btree_map(attribute_name(), inner, 0..6).prop_map(AttributeValue::M),
            ]
        })
        .boxed()
}

/// Items of 0 to 8 attributes of any type.
pub fn item() -> impl Strategy<Value = Item> {
    btree_map(attribute_name(), attribute_value(), 0..=8).prop_map(Item::from)
}

/// A valid key value of this type: a non-empty string, a number, a
/// non-empty binary.
pub fn key_value(scalar_type: ScalarType) -> BoxedStrategy<AttributeValue> {
    match scalar_type {
        ScalarType::S => "\\PC{1,16}".prop_map(AttributeValue::S).boxed(),
        ScalarType::N => number().prop_map(AttributeValue::N).boxed(),
        ScalarType::B => vec(any::<u8>(), 1..=16).prop_map(AttributeValue::B).boxed(),
    }
}

/// Items with the attributes of `key` (each a valid value of its type)
/// and 0 to 8 other attributes: items a table with this key stores.
pub fn item_with_key(key: &KeySchema) -> impl Strategy<Value = Item> + use<> {
    let keys: Vec<(String, BoxedStrategy<AttributeValue>)> = key
        .attributes()
        .map(|a| (a.name.clone(), key_value(a.scalar_type)))
        .collect();
    let names: Vec<String> = keys.iter().map(|(n, _)| n.clone()).collect();
    let values: Vec<BoxedStrategy<AttributeValue>> = keys.into_iter().map(|(_, s)| s).collect();
    (values, item()).prop_map(move |(values, mut item)| {
        for (name, value) in names.iter().zip(values) {
            item.insert(name.clone(), value);
        }
        item
    })
}

/// Finite `f64`s that DynamoDB can store: zero or a magnitude between
/// `1E-130` and `9.9E+125`, mostly of everyday sizes.
pub fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -1.0e9f64..1.0e9,
        1 => proptest::num::f64::NORMAL.prop_map(|v| v.clamp(-9.9e125, 9.9e125)).prop_map(flush),
        1 => Just(0.0),
    ]
}

/// Finite `f32`s that DynamoDB can store.
pub fn finite_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        3 => -1.0e6f32..1.0e6,
        1 => proptest::num::f32::NORMAL,
        1 => Just(0.0f32),
    ]
}

/// Zero for a magnitude below DynamoDB's smallest, `1E-130`.
pub(crate) fn flush(v: f64) -> f64 {
    if v != 0.0 && v.abs() < 1e-130 { 0.0 } else { v }
}

/// Integers of `i128` with at most 38 digits, as DynamoDB stores them.
pub fn i128_value() -> impl Strategy<Value = i128> {
    let bound = 10i128.pow(MAX_DIGITS as u32) - 1;
    prop_oneof![
        3 => any::<i64>().prop_map(i128::from),
        1 => -bound..=bound,
    ]
}

/// Integers of `u128` with at most 38 digits, as DynamoDB stores them.
pub fn u128_value() -> impl Strategy<Value = u128> {
    let bound = 10u128.pow(MAX_DIGITS as u32) - 1;
    prop_oneof![
        3 => any::<u64>().prop_map(u128::from),
        1 => 0..=bound,
    ]
}

impl Arbitrary for Number {
    type Parameters = ();
    type Strategy = BoxedStrategy<Number>;
    fn arbitrary_with(_: ()) -> Self::Strategy {
        number().boxed()
    }
}

impl Arbitrary for Timestamp {
    type Parameters = ();
    type Strategy = BoxedStrategy<Timestamp>;
    fn arbitrary_with(_: ()) -> Self::Strategy {
        timestamp().boxed()
    }
}

impl Arbitrary for Binary {
    type Parameters = ();
    type Strategy = BoxedStrategy<Binary>;
    fn arbitrary_with(_: ()) -> Self::Strategy {
        binary().boxed()
    }
}

impl Arbitrary for EpochSeconds {
    type Parameters = ();
    type Strategy = BoxedStrategy<EpochSeconds>;
    fn arbitrary_with(_: ()) -> Self::Strategy {
        timestamp()
            .prop_map(|t| EpochSeconds(t.unix_seconds()))
            .boxed()
    }
}

/// Never empty, as every set strategy of this module.
impl<T: Arbitrary + Ord + 'static> Arbitrary for Set<T> {
    type Parameters = T::Parameters;
    type Strategy = BoxedStrategy<Set<T>>;
    fn arbitrary_with(params: T::Parameters) -> Self::Strategy {
        set_of(any_with::<T>(params), 1..=8).boxed()
    }
}

fn any_with<T: Arbitrary>(params: T::Parameters) -> T::Strategy {
    T::arbitrary_with(params)
}

impl Arbitrary for AttributeValue {
    type Parameters = ();
    type Strategy = BoxedStrategy<AttributeValue>;
    fn arbitrary_with(_: ()) -> Self::Strategy {
        attribute_value()
    }
}

impl Arbitrary for Item {
    type Parameters = ();
    type Strategy = BoxedStrategy<Item>;
    fn arbitrary_with(_: ()) -> Self::Strategy {
        item().boxed()
    }
}

/// Non-empty strings of 1 to 16 printable characters: key values and
/// map keys (DynamoDB refuses empty ones).
pub fn non_empty_string() -> impl Strategy<Value = String> {
    "\\PC{1,16}"
}

/// Non-empty binary values of 1 to 16 bytes: key values.
pub fn non_empty_binary() -> impl Strategy<Value = Binary> {
    vec(any::<u8>(), 1..=16).prop_map(Binary)
}
