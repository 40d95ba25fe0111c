//! Deep validation through the derive macros.

use std::collections::{BTreeMap, HashMap};

use dynamodb_mapper::{Error, Model, StringSet, Validate, ValidationErrors};
use serde::{Deserialize, Serialize};

#[derive(Validate, Serialize, Deserialize, Clone, Debug)]
struct Address {
    #[validate(length(min = 1, max = 40))]
    street: String,
    #[validate(regex = "^[0-9]{5}$")]
    zip: String,
    #[validate(one_of("FR", "DE", "US"))]
    country: String,
}

#[derive(Validate, Serialize, Deserialize, Clone, Debug)]
struct Line {
    #[validate(range(min = 1, max = 99))]
    quantity: u32,
    #[validate(range(min = 0.0))]
    price: f64,
}

fn no_spaces(s: &String) -> Result<(), String> {
    if s.contains(' ') {
        Err(format!("must not contain spaces, but is {s:?}"))
    } else {
        Ok(())
    }
}

#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "customers")]
#[serde(rename_all = "camelCase")]
struct Customer {
    #[model(hash_key)]
    #[validate(custom = no_spaces, length(min = 3))]
    customer_id: String,
    #[validate(range(min = 18, max = 150))]
    age: u8,
    #[validate(nested)]
    address: Address,
    #[validate(nested)]
    billing: Option<Address>,
    #[validate(nested)]
    lines: Vec<Line>,
    #[validate(each(length(max = 5)), length(max = 3))]
    tags: StringSet,
    #[validate(each(regex = "^[a-z]+$"))]
    labels: BTreeMap<String, String>,
    #[validate(nested)]
    by_site: HashMap<String, Address>,
    #[validate(length(max = 4))]
    nickname: Option<String>,
}

fn valid() -> Customer {
    let address = Address {
        street: "1 Main St".into(),
        zip: "75001".into(),
        country: "FR".into(),
    };
    Customer {
        customer_id: "c-001".into(),
        age: 30,
        address: address.clone(),
        billing: None,
        lines: vec![Line {
            quantity: 1,
            price: 9.5,
        }],
        tags: ["vip".to_string()].into(),
        labels: [("a".to_string(), "ok".to_string())].into(),
        by_site: HashMap::new(),
        nickname: Some("cc".into()),
    }
}

/// Expected (path, rule) pairs, in the form `paths` gives.
fn expected<'a>(pairs: &[(&str, &'a str)]) -> Vec<(String, &'a str)> {
    pairs.iter().map(|(p, r)| ((*p).to_owned(), *r)).collect()
}

fn paths(e: &ValidationErrors) -> Vec<(String, &str)> {
    e.violations()
        .iter()
        .map(|v| (v.path.to_string(), v.rule))
        .collect()
}

#[test]
fn a_valid_value_passes() {
    valid().validate().unwrap();
}

#[test]
fn every_violation_is_reported_with_its_path() {
    let mut c = valid();
    c.customer_id = "a b".into();
    c.age = 12;
    c.address.zip = "7500".into();
    c.address.country = "XX".into();
    c.billing = Some(Address {
        street: String::new(),
        zip: "12345".into(),
        country: "US".into(),
    });
    c.lines.push(Line {
        quantity: 0,
        price: -1.0,
    });
    c.tags = ["ok".to_string(), "much too long".to_string()].into();
    c.labels.insert("b".into(), "NOT".into());
    c.by_site.insert(
        "paris".into(),
        Address {
            street: "x".into(),
            zip: "x".into(),
            country: "FR".into(),
        },
    );
    c.nickname = Some("longer".into());
    let errors = c.validate().unwrap_err();
    assert_eq!(
        paths(&errors),
        expected(&[
            ("customerId", "custom"),
            ("age", "range"),
            ("address.zip", "regex"),
            ("address.country", "one_of"),
            ("billing.street", "length"),
            ("lines[1].quantity", "range"),
            ("lines[1].price", "range"),
            ("tags[0]", "length"),
            ("labels.b", "regex"),
            ("bySite.paris.zip", "regex"),
            ("nickname", "length"),
        ])
    );
    let text = errors.to_string();
    assert!(
        text.contains("`age` must be at least 18, but is 12 (range)"),
        "{text}"
    );
    assert!(
        text.contains("`address.zip` must match the pattern `^[0-9]{5}$` (regex)"),
        "{text}"
    );
    assert!(
        text.contains("`customerId` must not contain spaces"),
        "{text}"
    );
    assert!(
        text.contains("`address.country` must be one of [\"FR\", \"DE\", \"US\"], but is \"XX\""),
        "{text}"
    );

    // As the library's error kind.
    let err: Error = errors.into();
    assert!(matches!(err, Error::Validation(ref v) if v.violations().len() == 11));
}

#[test]
fn several_rules_on_one_field_report_separately() {
    let mut c = valid();
    c.customer_id = "a b c d".into();
    c.tags = ["a", "b", "c", "toolongtag"]
        .into_iter()
        .map(String::from)
        .collect();
    let errors = c.validate().unwrap_err();
    assert_eq!(
        paths(&errors),
        expected(&[
            ("customerId", "custom"),
            ("tags[3]", "length"),
            ("tags", "length")
        ])
    );
}

#[test]
fn nan_fails_a_range() {
    let mut c = valid();
    c.lines[0].price = f64::NAN;
    let errors = c.validate().unwrap_err();
    assert_eq!(paths(&errors), expected(&[("lines[0].price", "range")]));
}

#[test]
fn manual_impls_compose_with_derived_ones() {
    struct Even(u32);
    impl Validate for Even {
        fn validate_at(
            &self,
            path: &mut dynamodb_mapper::validate::FieldPath,
            report: &mut dynamodb_mapper::validate::Report,
        ) {
            if !self.0.is_multiple_of(2) {
                report.push(path, "even", format!("{} is odd", self.0));
            }
        }
    }
    #[derive(Validate)]
    struct Holder {
        #[validate(nested)]
        values: Vec<Option<Even>>,
    }
    let h = Holder {
        values: vec![Some(Even(2)), None, Some(Even(3))],
    };
    let errors = h.validate().unwrap_err();
    assert_eq!(paths(&errors), expected(&[("values[2]", "even")]));
}

#[test]
fn models_describe_their_keys_with_serde_names() {
    let schema = Customer::schema();
    assert_eq!(schema.table.key.hash.name, "customerId");
    assert_eq!(
        schema.attributes,
        [
            "customerId",
            "age",
            "address",
            "billing",
            "lines",
            "tags",
            "labels",
            "bySite",
            "nickname"
        ]
    );
    let key = valid().own_key_item().unwrap();
    assert_eq!(key.keys().collect::<Vec<_>>(), ["customerId"]);
}

#[test]
fn compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/*.rs");
}
