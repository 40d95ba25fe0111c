//! Mapping between Rust values and DynamoDB items, through the public API.

use std::collections::{BTreeMap, HashMap};

use dynamodb_mapper::{
    AttributeValue, Binary, BinarySet, EpochSeconds, Error, Item, Number, NumberSet, Set,
    StringSet, Timestamp, from_item, from_value, to_item, to_value,
};
use serde::{Deserialize, Serialize};

fn n(s: &str) -> Number {
    s.parse().unwrap()
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn mapping_error(e: Error) -> (String, String) {
    match e {
        Error::Mapping(m) => (m.path(), m.message().to_owned()),
        other => panic!("expected a mapping error, got {other:?}"),
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Shape {
    Point,
    Circle(f64),
    Rect { w: u32, h: u32 },
    Pair(i8, i8),
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(tag = "kind")]
enum Tagged {
    A { x: i64 },
    B { name: String },
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(untagged)]
enum Untagged {
    Num(i64),
    Text(String),
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Inner {
    label: String,
    when: Timestamp,
    at: Vec<Timestamp>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Everything {
    i8: i8,
    i16: i16,
    i32: i32,
    i64: i64,
    i128: i128,
    u8: u8,
    u16: u16,
    u32: u32,
    u64: u64,
    u128: u128,
    f32: f32,
    f64: f64,
    flag: bool,
    letter: char,
    text: String,
    empty_text: String,
    maybe: Option<String>,
    maybe_not: Option<String>,
    list: Vec<u16>,
    array: [u8; 3],
    tuple: (String, i32, bool),
    map: BTreeMap<String, i64>,
    int_keys: HashMap<u32, String>,
    nested: Inner,
    shapes: Vec<Shape>,
    tagged: Tagged,
    untagged: Vec<Untagged>,
    #[serde(with = "serde_bytes")]
    raw: Vec<u8>,
    binary: Binary,
    strings: StringSet,
    numbers: NumberSet<i64>,
    decimals: NumberSet,
    blobs: BinarySet,
    times: Set<Timestamp>,
    empty_set: StringSet,
    number: Number,
    ttl: EpochSeconds,
    unit: (),
    options_in_list: Vec<Option<u8>>,
    any: AttributeValue,
}

fn everything() -> Everything {
    let t = Timestamp::from_utc(2024, 5, 6, 7, 8, 9, 123_456_789).unwrap();
    Everything {
        i8: -8,
        i16: -16,
        i32: i32::MIN,
        i64: i64::MIN,
        i128: -170141183460469231731687303715884105,
        u8: 255,
        u16: 65535,
        u32: u32::MAX,
        u64: u64::MAX,
        u128: 99999999999999999999999999999999999999,
        f32: 1.5,
        f64: -0.1,
        flag: true,
        letter: 'é',
        text: "hello".into(),
        empty_text: String::new(),
        maybe: Some("yes".into()),
        maybe_not: None,
        list: vec![1, 2, 3],
        array: [7, 8, 9],
        tuple: ("t".into(), -1, false),
        map: [("a".to_string(), 1), ("b".to_string(), -2)].into(),
        int_keys: [(1, "one".to_string()), (20, "twenty".to_string())].into(),
        nested: Inner {
            label: "in".into(),
            when: t,
            at: vec![t, Timestamp::UNIX_EPOCH],
        },
        shapes: vec![
            Shape::Point,
            Shape::Circle(2.5),
            Shape::Rect { w: 3, h: 4 },
            Shape::Pair(-1, 1),
        ],
        tagged: Tagged::B { name: "bee".into() },
        untagged: vec![Untagged::Num(5), Untagged::Text("five".into())],
        raw: vec![0, 1, 255],
        binary: Binary(vec![9, 9]),
        strings: ["x".to_string(), "y".to_string()].into(),
        numbers: [-3, 0, 3].into(),
        decimals: [
            n("0.1"),
            n("1e100"),
            n("-12345678901234567890123456789012345678"),
        ]
        .into(),
        blobs: [Binary(vec![1]), Binary(vec![2, 3])].into(),
        times: [t, Timestamp::UNIX_EPOCH].into(),
        empty_set: StringSet::new(),
        number: n("3.14159265358979323846264338327950288"),
        ttl: EpochSeconds(1_700_000_000),
        unit: (),
        options_in_list: vec![Some(1), None, Some(3)],
        any: AttributeValue::Ns(vec![n("1"), n("2.50")]),
    }
}

#[test]
fn every_supported_type_round_trips() {
    let value = everything();
    let item = to_item(&value).unwrap();
    let back: Everything = from_item(item).unwrap();
    assert_eq!(back, value);
}

#[test]
fn stored_forms_are_dynamodb_types() {
    let item = to_item(&everything()).unwrap();
    assert_eq!(item["u64"], AttributeValue::N(n("18446744073709551615")));
    assert_eq!(
        item["u128"],
        AttributeValue::N(n("99999999999999999999999999999999999999"))
    );
    assert_eq!(item["f64"], AttributeValue::N(n("-0.1")));
    assert_eq!(item["flag"], AttributeValue::Bool(true));
    assert_eq!(item["letter"], s("é"));
    assert_eq!(item["empty_text"], s(""));
    assert_eq!(item["raw"], AttributeValue::B(vec![0, 1, 255]));
    assert_eq!(item["binary"], AttributeValue::B(vec![9, 9]));
    assert_eq!(
        item["strings"],
        AttributeValue::Ss(vec!["y".into(), "x".into()])
    );
    assert_eq!(
        item["numbers"],
        AttributeValue::Ns(vec![n("0"), n("-3"), n("3")])
    );
    assert_eq!(item["blobs"], AttributeValue::Bs(vec![vec![2, 3], vec![1]]));
    assert!(matches!(&item["times"], AttributeValue::Ss(v) if v.len() == 2));
    assert_eq!(
        item["nested"].as_m().unwrap()["when"],
        s("2024-05-06T07:08:09.123456789Z")
    );
    assert_eq!(
        item["tuple"],
        AttributeValue::L(vec![
            s("t"),
            AttributeValue::N(n("-1")),
            AttributeValue::Bool(false)
        ])
    );
    assert_eq!(item["int_keys"].as_m().unwrap()["20"], s("twenty"));
    assert_eq!(item["ttl"], AttributeValue::N(n("1700000000")));
    assert_eq!(item["unit"], AttributeValue::Null);
    assert_eq!(
        item["options_in_list"],
        AttributeValue::L(vec![
            AttributeValue::N(n("1")),
            AttributeValue::Null,
            AttributeValue::N(n("3"))
        ])
    );
    // Number text is kept exactly.
    assert_eq!(item["any"], AttributeValue::Ns(vec![n("1"), n("2.5")]));
    match &item["any"] {
        AttributeValue::Ns(v) => assert_eq!(v[1].as_str(), "2.50"),
        other => panic!("{other:?}"),
    }
    // Absent: None and empty sets.
    assert!(!item.contains_key("maybe_not"));
    assert!(!item.contains_key("empty_set"));
    // Enums: externally tagged by default.
    let shapes = item["shapes"].as_l().unwrap();
    assert_eq!(shapes[0], s("Point"));
    assert_eq!(
        shapes[1],
        AttributeValue::M([("Circle".to_string(), AttributeValue::N(n("2.5")))].into())
    );
    assert_eq!(item["tagged"].as_m().unwrap()["kind"], s("B"));
    assert_eq!(
        item["untagged"].as_l().unwrap()[0],
        AttributeValue::N(n("5"))
    );
}

#[test]
fn absent_and_null_read_as_none_and_defaults() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct R {
        a: Option<u32>,
        #[serde(default)]
        b: Vec<String>,
        #[serde(default = "seven")]
        c: u8,
        tags: StringSet,
    }
    fn seven() -> u8 {
        7
    }
    let r: R = from_item(Item::new().with("a", AttributeValue::Null)).unwrap();
    assert_eq!(
        r,
        R {
            a: None,
            b: vec![],
            c: 7,
            tags: StringSet::new()
        }
    );
}

#[test]
fn numbers_read_into_any_type_they_fit() {
    assert_eq!(from_value::<u8>(AttributeValue::N(n("1e2"))).unwrap(), 100);
    assert_eq!(
        from_value::<i32>(AttributeValue::N(n("-5.000"))).unwrap(),
        -5
    );
    assert_eq!(from_value::<f64>(AttributeValue::N(n("2.5"))).unwrap(), 2.5);
    assert_eq!(
        from_value::<u128>(AttributeValue::N(n("1E37"))).unwrap(),
        10u128.pow(37)
    );
    let e = from_value::<u8>(AttributeValue::N(n("256"))).unwrap_err();
    assert!(e.to_string().contains("256"), "{e}");
    let e = from_value::<i64>(AttributeValue::N(n("1.5"))).unwrap_err();
    assert!(e.to_string().contains("1.5"), "{e}");
    let e = from_value::<u32>(AttributeValue::N(n("-1"))).unwrap_err();
    assert!(e.to_string().contains("-1"), "{e}");
}

#[test]
fn floats_that_dynamodb_cannot_store_are_refused_with_their_path() {
    #[derive(Serialize)]
    struct F {
        inner: Vec<G>,
    }
    #[derive(Serialize)]
    struct G {
        x: f64,
    }
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let (path, message) = mapping_error(
            to_item(&F {
                inner: vec![G { x: 1.0 }, G { x: bad }],
            })
            .unwrap_err(),
        );
        assert_eq!(path, "inner[1].x");
        assert!(message.contains("not a finite number"), "{message}");
    }
    let (path, message) = mapping_error(
        to_item(&F {
            inner: vec![G { x: 1e200 }],
        })
        .unwrap_err(),
    );
    assert_eq!(path, "inner[0].x");
    assert!(message.contains("too large"), "{message}");
    let (_, message) = mapping_error(
        to_item(&F {
            inner: vec![G { x: 1e-200 }],
        })
        .unwrap_err(),
    );
    assert!(message.contains("too small"), "{message}");
}

#[test]
fn numbers_beyond_38_digits_are_refused() {
    #[derive(Serialize)]
    struct Big {
        v: u128,
    }
    let (path, message) = mapping_error(to_item(&Big { v: u128::MAX }).unwrap_err());
    assert_eq!(path, "v");
    assert!(message.contains("39 significant digits"), "{message}");
    assert!(Number::parse("123456789012345678901234567890123456789").is_err());
    assert!(Number::parse("1E126").is_err());
    assert!(Number::parse("-1E126").is_err());
    assert!(Number::parse("1E-131").is_err());
}

#[test]
fn duplicate_set_members_are_refused_by_from_item() {
    #[derive(Deserialize, Debug)]
    struct T {
        #[allow(dead_code)]
        tags: StringSet,
    }
    let item = Item::new().with(
        "tags",
        AttributeValue::Ss(vec!["a".into(), "b".into(), "a".into()]),
    );
    let (path, message) = mapping_error(from_item::<T>(item).unwrap_err());
    assert_eq!(path, "tags");
    assert!(message.contains("duplicates"), "{message}");

    // "1" and "1.0" are the same number.
    #[derive(Deserialize, Debug)]
    struct U {
        #[allow(dead_code)]
        n: NumberSet,
    }
    let item = Item::new().with("n", AttributeValue::Ns(vec![n("1"), n("1.0")]));
    assert!(
        from_item::<U>(item)
            .unwrap_err()
            .to_string()
            .contains("duplicates")
    );

    // Into a Vec as well: the stored value itself is invalid.
    #[derive(Deserialize, Debug)]
    struct V {
        #[allow(dead_code)]
        tags: Vec<String>,
    }
    let item = Item::new().with("tags", AttributeValue::Ss(vec!["a".into(), "a".into()]));
    assert!(
        from_item::<V>(item)
            .unwrap_err()
            .to_string()
            .contains("duplicates")
    );
}

#[test]
fn mixed_set_members_are_refused() {
    let v = AttributeValue::L(vec![]);
    assert!(to_value(&v).is_ok());
    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    #[serde(untagged)]
    enum M {
        S(String),
        N(i32),
    }
    let set: Set<M> = [M::S("a".into()), M::N(1)].into();
    let err = to_value(&set).unwrap_err();
    assert!(err.to_string().contains("set members must all be"), "{err}");
}

#[test]
fn type_errors_name_the_path() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Address {
        zip: u32,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Person {
        addresses: Vec<Address>,
    }
    let item = Item::new().with(
        "addresses",
        AttributeValue::L(vec![
            AttributeValue::M([("zip".to_string(), AttributeValue::N(n("1")))].into()),
            AttributeValue::M([("zip".to_string(), s("not a number"))].into()),
        ]),
    );
    let (path, message) = mapping_error(from_item::<Person>(item).unwrap_err());
    assert_eq!(path, "addresses[1].zip");
    assert!(message.contains("invalid type"), "{message}");

    let missing = from_item::<Address>(Item::new()).unwrap_err();
    assert!(
        missing.to_string().contains("missing field `zip`"),
        "{missing}"
    );
}

#[test]
fn top_level_must_be_a_map() {
    assert!(to_item(&5).is_err());
    assert!(to_item(&vec![1]).is_err());
    assert!(to_item(&Option::<BTreeMap<String, u8>>::None).is_err());
    let item = to_item(&BTreeMap::from([("k".to_string(), 1)])).unwrap();
    assert_eq!(item["k"], AttributeValue::N(n("1")));
}

#[test]
fn unsupported_map_keys_are_refused() {
    let m: BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
    let err = to_value(&m).unwrap_err();
    assert!(err.to_string().contains("map keys must be"), "{err}");
    let m: HashMap<bool, u8> = [(true, 1)].into();
    assert!(to_value(&m).is_err());
}

#[test]
fn items_and_values_pass_through_unchanged() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Wrapper {
        id: String,
        extra: Item,
        value: AttributeValue,
    }
    let extra = Item::new()
        .with("n", AttributeValue::N(n("1.50")))
        .with("ss", AttributeValue::Ss(vec!["a".into()]))
        .with("bs", AttributeValue::Bs(vec![vec![1]]))
        .with(
            "l",
            AttributeValue::L(vec![AttributeValue::Null, AttributeValue::Bool(false)]),
        );
    let w = Wrapper {
        id: "w".into(),
        extra: extra.clone(),
        value: AttributeValue::Ns(vec![n("7")]),
    };
    let item = to_item(&w).unwrap();
    assert_eq!(item["extra"], AttributeValue::M(extra.clone().into_map()));
    let back: Wrapper = from_item(item).unwrap();
    assert_eq!(back, w);
    match &back.extra["n"] {
        AttributeValue::N(v) => assert_eq!(v.as_str(), "1.50"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn json_sees_natural_values() {
    let t = Timestamp::from_utc(2020, 1, 2, 3, 4, 5, 0).unwrap();
    let json = serde_json::to_string(&(
        StringSet::from(["a".to_string()]),
        n("1.5"),
        t,
        Binary(vec![1]),
    ))
    .unwrap();
    assert_eq!(
        json,
        r#"[["a"],"1.5","2020-01-02T03:04:05.000000000Z",[1]]"#
    );
    let back: (StringSet, Number, Timestamp, Binary) = serde_json::from_str(&json).unwrap();
    assert_eq!(back.1, n("1.5"));
    assert_eq!(back.2, t);
    let av: AttributeValue = serde_json::from_str(r#"{"a": [1, "x", null, true]}"#).unwrap();
    assert_eq!(
        av,
        AttributeValue::M(
            [(
                "a".to_string(),
                AttributeValue::L(vec![
                    AttributeValue::N(n("1")),
                    s("x"),
                    AttributeValue::Null,
                    AttributeValue::Bool(true)
                ])
            )]
            .into()
        )
    );
}

#[test]
fn flattened_structs_merge_into_the_item() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Meta {
        created_by: String,
        note: Option<String>,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Doc {
        id: String,
        #[serde(flatten)]
        meta: Meta,
    }
    let d = Doc {
        id: "d".into(),
        meta: Meta {
            created_by: "me".into(),
            note: None,
        },
    };
    let item = to_item(&d).unwrap();
    assert_eq!(item.keys().collect::<Vec<_>>(), ["created_by", "id"]);
    assert_eq!(from_item::<Doc>(item).unwrap(), d);
}

#[test]
fn deep_nesting_is_checked_by_value_rules() {
    let mut v = AttributeValue::Null;
    for _ in 0..40 {
        v = AttributeValue::L(vec![v]);
    }
    assert!(v.check().is_err());
}
