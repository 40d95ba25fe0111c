//! Attribute values in DynamoDB JSON: `{"S": "text"}`, `{"N": "1.50"}`,
//! `{"B": "<base64>"}`, sets, `{"M": {...}}`, `{"L": [...]}`, `{"NULL":
//! true}`, `{"BOOL": false}`.
//!
//! Numbers travel as their text in both directions, exactly (38 digits,
//! never through `f64`); binaries as standard base64. Nesting is bounded:
//! serde_json refuses more than 128 levels of JSON, and a value nesting
//! deeper than DynamoDB's limit is refused here with DynamoDB's message, so
//! the recursion below is at most a few dozen frames deep.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use dynamodb_mapper::{AttributeValue, Item, MAX_NESTING_DEPTH, Number, NumberError};
use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Map, Value};

use super::{Path, Segment, wrong_type};
use crate::error::ApiError;

/// Standard base64, padded: DynamoDB refuses text without its `=` padding
/// (HTTP 400), so this server does too.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Levels of lists and maps accepted in one value before refusing it.
/// One more than the engine's own limit, so the engine (or DynamoDB behind
/// the DynamoDB backend) still decides the boundary with its own message.
const MAX_DEPTH: usize = MAX_NESTING_DEPTH + 1;

const NESTING: &str = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";

/// DynamoDB's message for a JSON `null` where a value belongs.
pub(crate) const NULL_VALUE: &str = "The supplied Item contains a null AttributeValue";

/// DynamoDB's message for a number it cannot store.
fn number_error(e: &NumberError) -> ApiError {
    ApiError::validation(match e {
        NumberError::TooManyDigits { .. } => "DynamoDB only supports precision up to 38 digits",
        NumberError::Overflow(_) => {
            "Number overflow. Attempting to store a number with magnitude larger than supported range"
        }
        NumberError::Underflow(_) => {
            "Number underflow. Attempting to store a number with magnitude smaller than supported range"
        }
        _ => "A value provided cannot be converted into a number",
    })
}

fn number(v: &Value, path: &Path<'_>) -> Result<Number, ApiError> {
    match v {
        Value::String(s) => Number::parse(s).map_err(|e| number_error(&e)),
        other => Err(wrong_type(other, "String", path)),
    }
}

fn string(v: &Value, path: &Path<'_>) -> Result<String, ApiError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(wrong_type(other, "String", path)),
    }
}

fn binary(v: &Value, path: &Path<'_>) -> Result<Vec<u8>, ApiError> {
    match v {
        Value::String(s) => BASE64.decode(s).map_err(|e| {
            ApiError::serialization(format!(
                "Base64 encoded binary value at '{path}' is not valid base64: {e}"
            ))
        }),
        other => Err(wrong_type(other, "a base64 encoded Blob", path)),
    }
}

fn list<'v>(v: &'v Value, path: &Path<'_>) -> Result<&'v [Value], ApiError> {
    match v {
        Value::Array(a) => Ok(a),
        other => Err(wrong_type(other, "a list", path)),
    }
}

/// A value from its DynamoDB JSON.
pub(crate) fn from_json(v: &Value, path: &Path<'_>) -> Result<AttributeValue, ApiError> {
    value_at(v, path, 0)
}

fn value_at(v: &Value, path: &Path<'_>, depth: usize) -> Result<AttributeValue, ApiError> {
    let map = match v {
        Value::Object(m) => m,
        other => return Err(wrong_type(other, "an AttributeValue", path)),
    };
    let mut found: Option<(&str, &Value)> = None;
    for (k, v) in map {
        if v.is_null() || !is_type_name(k) {
            continue;
        }
        if found.is_some() {
            return Err(ApiError::validation(
                "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
            ));
        }
        found = Some((k, v));
    }
    let Some((kind, v)) = found else {
        return Err(ApiError::validation(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ));
    };
    let here = path.child(Segment::Member(kind));
    let at = &here;
    Ok(match kind {
        "S" => AttributeValue::S(string(v, at)?),
        "N" => AttributeValue::N(number(v, at)?),
        "B" => AttributeValue::B(binary(v, at)?),
        "SS" => AttributeValue::Ss(
            list(v, at)?
                .iter()
                .map(|s| string(s, at))
                .collect::<Result<_, _>>()?,
        ),
        "NS" => AttributeValue::Ns(
            list(v, at)?
                .iter()
                .map(|n| number(n, at))
                .collect::<Result<_, _>>()?,
        ),
        "BS" => AttributeValue::Bs(
            list(v, at)?
                .iter()
                .map(|b| binary(b, at))
                .collect::<Result<_, _>>()?,
        ),
        "M" => {
            if depth >= MAX_DEPTH {
                return Err(ApiError::validation(NESTING));
            }
            let m = match v {
                Value::Object(m) => m,
                other => return Err(wrong_type(other, "a map", at)),
            };
            AttributeValue::M(map_at(m, at, depth + 1)?)
        }
        "L" => {
            if depth >= MAX_DEPTH {
                return Err(ApiError::validation(NESTING));
            }
            AttributeValue::L(
                list(v, at)?
                    .iter()
                    .map(|e| {
                        if e.is_null() {
                            return Err(ApiError::validation(NULL_VALUE));
                        }
                        value_at(e, at, depth + 1)
                    })
                    .collect::<Result<_, _>>()?,
            )
        }
        "NULL" => match v {
            Value::Bool(true) => AttributeValue::Null,
            Value::Bool(false) => {
                return Err(ApiError::validation(
                    "One or more parameter values were invalid: Null attribute value types must have the value of true",
                ));
            }
            other => return Err(wrong_type(other, "Boolean", at)),
        },
        // `BOOL`, the last of the ten names `is_type_name` admits.
        _ => match v {
            Value::Bool(b) => AttributeValue::Bool(*b),
            other => return Err(wrong_type(other, "Boolean", at)),
        },
    })
}

fn is_type_name(k: &str) -> bool {
    matches!(
        k,
        "S" | "N" | "B" | "SS" | "NS" | "BS" | "M" | "L" | "NULL" | "BOOL"
    )
}

fn map_at(
    m: &Map<String, Value>,
    path: &Path<'_>,
    depth: usize,
) -> Result<BTreeMap<String, AttributeValue>, ApiError> {
    let mut out = BTreeMap::new();
    for (k, v) in m {
        if v.is_null() {
            return Err(ApiError::validation(format!("{NULL_VALUE}: {k} is null")));
        }
        let at = path.child(Segment::Key(k));
        out.insert(k.clone(), value_at(v, &at, depth)?);
    }
    Ok(out)
}

/// An item (a map of attribute values) from its DynamoDB JSON.
pub(crate) fn item_from_json(v: &Value, path: &Path<'_>) -> Result<Item, ApiError> {
    match v {
        Value::Object(m) => Ok(Item::from(map_at(m, path, 0)?)),
        other => Err(wrong_type(other, "a map", path)),
    }
}

/// A value written as DynamoDB JSON.
pub(crate) struct ValueJson<'a>(pub(crate) &'a AttributeValue);

struct B64<'a>(&'a [u8]);

impl Serialize for B64<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&BASE64.encode(self.0))
    }
}

impl Serialize for ValueJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        match self.0 {
            AttributeValue::S(v) => m.serialize_entry("S", v)?,
            AttributeValue::N(n) => m.serialize_entry("N", n.as_str())?,
            AttributeValue::B(b) => m.serialize_entry("B", &B64(b))?,
            AttributeValue::Ss(v) => m.serialize_entry("SS", v)?,
            AttributeValue::Ns(v) => m.serialize_entry("NS", &Numbers(v))?,
            AttributeValue::Bs(v) => m.serialize_entry("BS", &Binaries(v))?,
            AttributeValue::M(v) => m.serialize_entry("M", &MapJson(v))?,
            AttributeValue::L(v) => m.serialize_entry("L", &ListJson(v))?,
            AttributeValue::Bool(b) => m.serialize_entry("BOOL", b)?,
            AttributeValue::Null => m.serialize_entry("NULL", &true)?,
        }
        m.end()
    }
}

struct Numbers<'a>(&'a [Number]);

impl Serialize for Numbers<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Number::as_str))
    }
}

struct Binaries<'a>(&'a [Vec<u8>]);

impl Serialize for Binaries<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|b| B64(b)))
    }
}

struct MapJson<'a>(&'a BTreeMap<String, AttributeValue>);

impl Serialize for MapJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, ValueJson(v))))
    }
}

struct ListJson<'a>(&'a [AttributeValue]);

impl Serialize for ListJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(ValueJson))
    }
}

/// An item written as DynamoDB JSON.
pub(crate) struct ItemJson<'a>(pub(crate) &'a Item);

impl Serialize for ItemJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, ValueJson(v))))
    }
}

/// A list of items written as DynamoDB JSON.
pub(crate) struct ItemsJson<'a>(pub(crate) &'a [Item]);

impl Serialize for ItemsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(ItemJson))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<AttributeValue, ApiError> {
        let v: Value = serde_json::from_str(text).expect("json");
        from_json(&v, &Path::ROOT)
    }

    fn round_trip(text: &str) -> String {
        let v = parse(text).expect("a value");
        serde_json::to_string(&ValueJson(&v)).expect("json")
    }

    #[test]
    fn numbers_keep_their_exact_text() {
        let n38 = "1234567890123456789012345678901234567.8";
        assert_eq!(
            round_trip(&format!(r#"{{"N":"{n38}"}}"#)),
            format!(r#"{{"N":"{n38}"}}"#)
        );
        assert_eq!(round_trip(r#"{"N":"1.50"}"#), r#"{"N":"1.50"}"#);
        let e = parse(&format!(r#"{{"N":"{}"}}"#, "1".repeat(39))).unwrap_err();
        assert!(e.message().contains("precision up to 38 digits"), "{e:?}");
        let e = parse(r#"{"N":"abc"}"#).unwrap_err();
        assert_eq!(e.name(), "ValidationException");
        let e = parse(r#"{"N":1}"#).unwrap_err();
        assert_eq!(e.name(), "SerializationException");
    }

    #[test]
    fn binary_is_base64_both_ways() {
        assert_eq!(round_trip(r#"{"B":"AAEC/w=="}"#), r#"{"B":"AAEC/w=="}"#);
        assert_eq!(
            parse(r#"{"B":"AAEC/w"}"#).unwrap_err().name(),
            "SerializationException",
            "padding is required, as DynamoDB requires it"
        );
        assert_eq!(
            round_trip(r#"{"BS":["AA==","AQ=="]}"#),
            r#"{"BS":["AA==","AQ=="]}"#
        );
        assert_eq!(
            parse(r#"{"B":"!!"}"#).unwrap_err().name(),
            "SerializationException"
        );
    }

    #[test]
    fn every_type_round_trips() {
        let text = r#"{"M":{"b":{"BOOL":true},"l":{"L":[{"NULL":true},{"S":"x"}]},"n":{"NS":["1","2"]},"s":{"SS":["a","b"]}}}"#;
        assert_eq!(round_trip(text), text);
    }

    #[test]
    fn exactly_one_type() {
        let e = parse(r#"{"S":"a","N":"1"}"#).unwrap_err();
        assert!(e.message().contains("more than one datatypes"), "{e:?}");
        let e = parse(r#"{"X":"a"}"#).unwrap_err();
        assert!(e.message().contains("is empty"), "{e:?}");
        let e = parse(r#"{"NULL":false}"#).unwrap_err();
        assert!(e.message().contains("value of true"), "{e:?}");
    }

    #[test]
    fn a_null_where_a_value_belongs_is_named() {
        let e = parse(r#"{"M":{"a":{"S":"x"},"b":null}}"#).unwrap_err();
        assert_eq!(e.name(), "ValidationException");
        assert_eq!(
            e.message(),
            "The supplied Item contains a null AttributeValue: b is null"
        );
        let e = parse(r#"{"L":[{"S":"x"},null]}"#).unwrap_err();
        assert_eq!(
            e.message(),
            "The supplied Item contains a null AttributeValue"
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!(
            "{}{}{}",
            r#"{"L":["#.repeat(40),
            r#"{"S":"x"}"#,
            "]}".repeat(40)
        );
        let e = parse(&deep).unwrap_err();
        assert!(e.message().starts_with("Nesting Levels"), "{e:?}");
        let ok = format!(
            "{}{}{}",
            r#"{"L":["#.repeat(20),
            r#"{"S":"x"}"#,
            "]}".repeat(20)
        );
        assert!(parse(&ok).is_ok());
    }
}
