//! DynamoDB's legacy request members (`Expected`, `ConditionalOperator`,
//! `AttributeUpdates`, `AttributesToGet`, `KeyConditions`, `QueryFilter`,
//! `ScanFilter`), sent by the AWS SDK as an older client sends them: each
//! does what DynamoDB does, and each misuse gets DynamoDB's error and
//! changes nothing. Run against this server on the memory and sled stores,
//! and against DynamoDB Local too when `DYNAMODB_MAPPER_ENDPOINT` names it
//! (`tests/run`), so the answers are checked against the reference.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeAction, AttributeDefinition, AttributeValue as Av, AttributeValueUpdate, BillingMode,
    ComparisonOperator as Op, Condition, ConditionalOperator, ExpectedAttributeValue,
    KeySchemaElement, KeyType, KeysAndAttributes, ReturnValue, ScalarAttributeType,
};
use dynamodb_mapper::backend::Backend;
use dynamodb_mapper_dynamodb::DynamoDbBackend;
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_server::{RunningServer, Server};
use dynamodb_mapper_sled::SledBackend;

type Item = HashMap<String, Av>;

fn s(v: &str) -> Av {
    Av::S(v.to_owned())
}

fn n(v: &str) -> Av {
    Av::N(v.to_owned())
}

fn cond(op: Op, values: Vec<Av>) -> Condition {
    Condition::builder()
        .comparison_operator(op)
        .set_attribute_value_list(Some(values))
        .build()
        .expect("a condition")
}

fn expect_op(op: Op, values: Vec<Av>) -> ExpectedAttributeValue {
    ExpectedAttributeValue::builder()
        .comparison_operator(op)
        .set_attribute_value_list(Some(values))
        .build()
}

fn update(action: AttributeAction, value: Option<Av>) -> AttributeValueUpdate {
    AttributeValueUpdate::builder()
        .action(action)
        .set_value(value)
        .build()
}

/// The message of a failed call, with the error's code in front.
fn failure<T, E>(r: Result<T, aws_sdk_dynamodb::error::SdkError<E>>) -> String
where
    E: ProvideErrorMetadata + std::fmt::Debug,
    T: std::fmt::Debug,
{
    match r {
        Ok(v) => panic!("expected a failure, got {v:?}"),
        Err(e) => {
            let code = e.code().unwrap_or("?").to_owned();
            format!("{code}: {}", e.message().unwrap_or_default())
        }
    }
}

/// A table `name` keyed by `h` (S) and, with `range`, `r` (N).
async fn table(c: &Client, name: &str, range: bool) {
    let mut req = c
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("h", ScalarAttributeType::S))
        .key_schema(key("h", KeyType::Hash));
    if range {
        req = req
            .attribute_definitions(attr("r", ScalarAttributeType::N))
            .key_schema(key("r", KeyType::Range));
    }
    req.send().await.expect("the table is created");
}

fn attr(name: &str, t: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(t)
        .build()
        .expect("a definition")
}

fn key(name: &str, t: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(t)
        .build()
        .expect("a key element")
}

async fn get(c: &Client, t: &str, h: &str) -> Option<Item> {
    c.get_item()
        .table_name(t)
        .key("h", s(h))
        .consistent_read(true)
        .send()
        .await
        .expect("the get succeeds")
        .item
}

/// `Expected` and `ConditionalOperator` on puts, updates and deletes.
async fn expected(c: &Client, t: &str) {
    table(c, t, false).await;
    let item: Item = [
        ("h", s("a")),
        ("x", n("5")),
        ("text", s("hello")),
        ("tags", Av::Ss(vec!["blue".into(), "red".into()])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    c.put_item()
        .table_name(t)
        .set_item(Some(item.clone()))
        .send()
        .await
        .unwrap();
    // Each condition, on the stored item: (attribute, operator, values, holds).
    let cases = [
        ("x", Op::Eq, vec![n("5")], true),
        ("x", Op::Eq, vec![n("6")], false),
        ("x", Op::Ne, vec![n("6")], true),
        ("gone", Op::Ne, vec![n("6")], true),
        ("x", Op::Lt, vec![n("9")], true),
        ("x", Op::Ge, vec![n("6")], false),
        ("x", Op::Lt, vec![s("z")], false),
        ("x", Op::NotNull, vec![], true),
        ("gone", Op::Null, vec![], true),
        ("x", Op::Null, vec![], false),
        ("tags", Op::Contains, vec![s("red")], true),
        ("tags", Op::NotContains, vec![s("red")], false),
        ("gone", Op::NotContains, vec![s("red")], false),
        ("text", Op::NotContains, vec![s("zz")], true),
        ("text", Op::BeginsWith, vec![s("he")], true),
        ("x", Op::In, vec![n("4"), n("5")], true),
        ("x", Op::Between, vec![n("1"), n("4")], false),
        (
            "tags",
            Op::Eq,
            vec![Av::Ss(vec!["blue".into(), "red".into()])],
            true,
        ),
    ];
    for (attr, op, values, holds) in cases {
        let label = format!("{attr} {op:?} {values:?}");
        let r = c
            .update_item()
            .table_name(t)
            .key("h", s("a"))
            .expected(attr, expect_op(op, values))
            .attribute_updates("seen", update(AttributeAction::Add, Some(n("1"))))
            .send()
            .await;
        match (r, holds) {
            (Ok(_), true) => {}
            (Err(e), false) => {
                let code = e.into_service_error().meta().code().map(str::to_owned);
                assert_eq!(
                    code.as_deref(),
                    Some("ConditionalCheckFailedException"),
                    "{label}"
                );
            }
            (r, _) => panic!("{label}: {r:?}"),
        }
    }
    let got = get(c, t, "a").await.unwrap();
    let true_cases = 11;
    assert_eq!(got["seen"], n(&true_cases.to_string()));

    // The Value and Exists forms, and the operator joining them.
    let value = |v: Av| ExpectedAttributeValue::builder().value(v).build();
    let absent = ExpectedAttributeValue::builder().exists(false).build();
    c.put_item()
        .table_name(t)
        .item("h", s("b"))
        .expected("h", absent.clone())
        .send()
        .await
        .expect("a put where the item is absent");
    let m = failure(
        c.put_item()
            .table_name(t)
            .item("h", s("b"))
            .expected("h", absent)
            .send()
            .await,
    );
    assert!(m.starts_with("ConditionalCheckFailedException"), "{m}");
    c.delete_item()
        .table_name(t)
        .key("h", s("b"))
        .expected("x", value(n("6")))
        .expected("h", value(s("b")))
        .conditional_operator(ConditionalOperator::Or)
        .send()
        .await
        .expect("OR: one of the two holds");
    assert_eq!(get(c, t, "b").await, None);
    let m = failure(
        c.delete_item()
            .table_name(t)
            .key("h", s("a"))
            .expected("x", value(n("6")))
            .expected("h", value(s("a")))
            .send()
            .await,
    );
    assert!(
        m.starts_with("ConditionalCheckFailedException"),
        "AND by default: {m}"
    );

    // Misuse, in DynamoDB's words; nothing changes.
    let exists_true = ExpectedAttributeValue::builder().exists(true).build();
    let both = ExpectedAttributeValue::builder()
        .value(n("5"))
        .comparison_operator(Op::Eq)
        .attribute_value_list(n("5"))
        .build();
    let faults: Vec<(ExpectedAttributeValue, &str)> = vec![
        (
            exists_true,
            "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: x",
        ),
        (
            ExpectedAttributeValue::builder()
                .exists(false)
                .value(n("5"))
                .build(),
            "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: x",
        ),
        (
            both,
            "One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: x",
        ),
        (
            expect_op(Op::Eq, vec![n("1"), n("2")]),
            "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator",
        ),
        (
            expect_op(Op::Between, vec![n("1"), s("2")]),
            "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type",
        ),
        (
            expect_op(Op::Lt, vec![Av::Ss(vec!["a".into()])]),
            "One or more parameter values were invalid: ComparisonOperator LT is not valid for SS AttributeValue type",
        ),
        (
            expect_op(Op::BeginsWith, vec![n("1")]),
            "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type",
        ),
        (
            expect_op(Op::Between, vec![n("9"), n("1")]),
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
        ),
    ];
    for (e, message) in faults {
        let m = failure(
            c.update_item()
                .table_name(t)
                .key("h", s("a"))
                .expected("x", e)
                .attribute_updates("x", update(AttributeAction::Put, Some(n("0"))))
                .send()
                .await,
        );
        assert_eq!(m, format!("ValidationException: {message}"));
    }
    let m = failure(
        c.update_item()
            .table_name(t)
            .key("h", s("a"))
            .expected("x", value(n("5")))
            .conditional_operator(ConditionalOperator::Or)
            .send()
            .await,
    );
    assert_eq!(
        m,
        "ValidationException: ConditionalOperator can only be used when Filter or Expected has two or more elements"
    );
    let m = failure(
        c.put_item()
            .table_name(t)
            .item("h", s("a"))
            .expected("x", value(n("5")))
            .condition_expression("attribute_exists(h)")
            .send()
            .await,
    );
    assert_eq!(
        m,
        "ValidationException: Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"
    );
    let m = failure(
        c.put_item()
            .table_name(t)
            .item("h", s("a"))
            .expected("x", value(n("5")))
            .expression_attribute_names("#x", "x")
            .send()
            .await,
    );
    assert_eq!(
        m,
        "ValidationException: ExpressionAttributeNames can only be specified when using expressions"
    );
    assert_eq!(get(c, t, "a").await.unwrap(), {
        let mut i = item;
        i.insert("seen".into(), n("11"));
        i
    });
}

/// `AttributeUpdates`: each action on each type, names taken whole.
async fn attribute_updates(c: &Client, t: &str) {
    table(c, t, false).await;
    c.put_item()
        .table_name(t)
        .item("h", s("a"))
        .item("n", n("1"))
        .item("tags", Av::Ss(vec!["x".into(), "y".into()]))
        .item("list", Av::L(vec![s("one")]))
        .item("old", s("gone soon"))
        .send()
        .await
        .unwrap();
    let out = c
        .update_item()
        .table_name(t)
        .key("h", s("a"))
        .attribute_updates("n", update(AttributeAction::Add, Some(n("4"))))
        .attribute_updates("new", update(AttributeAction::Add, Some(n("2"))))
        .attribute_updates(
            "tags",
            update(AttributeAction::Delete, Some(Av::Ss(vec!["x".into()]))),
        )
        .attribute_updates(
            "list",
            update(AttributeAction::Add, Some(Av::L(vec![s("two")]))),
        )
        .attribute_updates(
            "fresh",
            update(AttributeAction::Add, Some(Av::L(vec![s("a")]))),
        )
        .attribute_updates("old", update(AttributeAction::Delete, None))
        .attribute_updates("a.b", update(AttributeAction::Put, Some(s("dotted"))))
        .return_values(ReturnValue::UpdatedNew)
        .send()
        .await
        .expect("the update succeeds");
    let want: Item = [
        ("n", n("5")),
        ("new", n("2")),
        ("tags", Av::Ss(vec!["y".into()])),
        ("list", Av::L(vec![s("one"), s("two")])),
        ("fresh", Av::L(vec![s("a")])),
        ("a.b", s("dotted")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(out.attributes, Some(want));
    let stored = get(c, t, "a").await.unwrap();
    assert!(!stored.contains_key("old") && stored["a.b"] == s("dotted"));

    // An update of nothing creates the item from its key.
    c.update_item()
        .table_name(t)
        .key("h", s("empty"))
        .set_attribute_updates(Some(HashMap::new()))
        .send()
        .await
        .unwrap();
    assert_eq!(get(c, t, "empty").await.map(|i| i.len()), Some(1));

    for (u, message) in [
        (
            update(AttributeAction::Put, None),
            "ValidationException: One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified",
        ),
        (
            update(AttributeAction::Add, Some(s("x"))),
            "ValidationException: One or more parameter values were invalid: ADD action is not supported for the type STRING",
        ),
        (
            update(AttributeAction::Delete, Some(s("x"))),
            "ValidationException: One or more parameter values were invalid: DELETE action with value is not supported for the type STRING",
        ),
        (
            update(AttributeAction::Add, Some(n("1"))),
            "ValidationException: Type mismatch for attribute to update",
        ),
    ] {
        let m = failure(
            c.update_item()
                .table_name(t)
                .key("h", s("a"))
                .attribute_updates("a.b", u)
                .attribute_updates("n", update(AttributeAction::Put, Some(n("100"))))
                .send()
                .await,
        );
        assert_eq!(m, message);
    }
    let m = failure(
        c.update_item()
            .table_name(t)
            .key("h", s("a"))
            .attribute_updates("h", update(AttributeAction::Put, Some(s("b"))))
            .send()
            .await,
    );
    assert!(
        m.contains("Cannot update attribute h. This attribute is part of the key"),
        "{m}"
    );
    let m = failure(
        c.update_item()
            .table_name(t)
            .key("h", s("a"))
            .attribute_updates("n", update(AttributeAction::Put, Some(n("100"))))
            .update_expression("SET z = :z")
            .expression_attribute_values(":z", n("1"))
            .send()
            .await,
    );
    assert_eq!(
        m,
        "ValidationException: Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}"
    );
    assert_eq!(
        get(c, t, "a").await.unwrap(),
        stored,
        "refused updates changed nothing"
    );
}

/// `KeyConditions`, `QueryFilter`, `ScanFilter` and `AttributesToGet`.
///
/// `local`: on DynamoDB Local, which words a duplicate name in
/// `AttributesToGet` its own way (DynamoDB's words are the server's).
async fn reads(c: &Client, t: &str, local: bool) {
    table(c, t, true).await;
    for i in 1..=5 {
        c.put_item()
            .table_name(t)
            .item("h", s("a"))
            .item("r", n(&i.to_string()))
            .item("x", n(&(i * 10).to_string()))
            .item("a.b", s(&format!("v{i}")))
            .send()
            .await
            .unwrap();
    }
    let hash = cond(Op::Eq, vec![s("a")]);
    let ranges = |items: &[Item]| -> Vec<String> {
        items
            .iter()
            .map(|i| match &i["r"] {
                Av::N(v) => v.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    let q = c
        .query()
        .table_name(t)
        .key_conditions("h", hash.clone())
        .key_conditions("r", cond(Op::Between, vec![n("2"), n("4")]))
        .query_filter("x", cond(Op::Gt, vec![n("25")]))
        .attributes_to_get("r")
        .attributes_to_get("a.b")
        .scan_index_forward(false)
        .send()
        .await
        .expect("the query succeeds");
    let items = q.items.unwrap_or_default();
    assert_eq!(ranges(&items), ["4", "3"]);
    assert_eq!((q.count, q.scanned_count), (2, 3));
    assert_eq!(items[0]["a.b"], s("v4"));
    assert_eq!(
        items[0].len(),
        2,
        "only the attributes asked for: {items:?}"
    );

    // Key conditions beside a filter expression, as DynamoDB allows.
    let q = c
        .query()
        .table_name(t)
        .key_conditions("h", hash.clone())
        .filter_expression("x >= :low")
        .expression_attribute_values(":low", n("40"))
        .send()
        .await
        .expect("key conditions with a filter expression");
    assert_eq!(ranges(&q.items.unwrap_or_default()), ["4", "5"]);

    let sc = c
        .scan()
        .table_name(t)
        .scan_filter("x", cond(Op::In, vec![n("10"), n("50")]))
        .scan_filter("r", cond(Op::Eq, vec![n("1")]))
        .conditional_operator(ConditionalOperator::Or)
        .send()
        .await
        .expect("the scan succeeds");
    let mut got = ranges(&sc.items.unwrap_or_default());
    got.sort();
    assert_eq!(got, ["1", "5"]);

    let g = c
        .get_item()
        .table_name(t)
        .key("h", s("a"))
        .key("r", n("1"))
        .attributes_to_get("x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        g.item.map(|i| i.into_keys().collect::<Vec<_>>()),
        Some(vec!["x".to_owned()])
    );
    let keys = KeysAndAttributes::builder()
        .keys([("h".to_owned(), s("a")), ("r".to_owned(), n("2"))].into())
        .attributes_to_get("a.b")
        .build()
        .unwrap();
    let b = c
        .batch_get_item()
        .request_items(t, keys)
        .send()
        .await
        .unwrap();
    let got = &b.responses.unwrap()[t];
    assert_eq!(got.len(), 1);
    assert_eq!(got[0], [("a.b".to_owned(), s("v2"))].into());

    let hash_only = || {
        c.query()
            .table_name(t)
            .key_conditions("h", cond(Op::Eq, vec![s("a")]))
    };
    for (q, message) in [
        (
            c.query()
                .table_name(t)
                .key_conditions("h", cond(Op::Gt, vec![s("a")])),
            "Query key condition not supported",
        ),
        (
            hash_only().key_conditions("r", cond(Op::In, vec![n("1")])),
            "Attempted conditional constraint is not an indexable operation",
        ),
        (
            hash_only().key_conditions("r", cond(Op::Eq, vec![s("1")])),
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ),
        (
            hash_only().query_filter("r", cond(Op::Gt, vec![n("1")])),
            "QueryFilter can only contain non-primary key attributes: Primary key attribute: r",
        ),
        (
            hash_only().attributes_to_get("x").attributes_to_get("x"),
            "One or more parameter values were invalid: Duplicate value in attribute name: x",
        ),
        (
            hash_only()
                .attributes_to_get("x")
                .select(aws_sdk_dynamodb::types::Select::Count),
            "Cannot specify the AttributesToGet when choosing to get only the Count",
        ),
        (
            hash_only()
                .key_condition_expression("h = :h")
                .expression_attribute_values(":h", s("a")),
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}",
        ),
    ] {
        let message = match message {
            m if local && m.contains("Duplicate value") => {
                "Cannot have two attributes with the same name"
            }
            m => m,
        };
        let m = failure(q.send().await);
        assert_eq!(m, format!("ValidationException: {message}"));
    }
    let m = failure(
        c.scan()
            .table_name(t)
            .scan_filter("x", cond(Op::Eq, vec![n("10")]))
            .projection_expression("x")
            .send()
            .await,
    );
    assert_eq!(
        m,
        "ValidationException: Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {ScanFilter} Expression parameters: {ProjectionExpression}"
    );
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

async fn client(endpoint: &str) -> DynamoDbBackend {
    DynamoDbBackend::builder()
        .endpoint(endpoint)
        .build()
        .await
        .expect("a client")
}

/// Runs every case on `c`, each on tables named after `prefix`.
async fn all(c: &Client, prefix: &str, local: bool) {
    expected(c, &format!("{prefix}_expected")).await;
    attribute_updates(c, &format!("{prefix}_updates")).await;
    reads(c, &format!("{prefix}_reads"), local).await;
}

async fn on_server(store: Arc<dyn Backend>, prefix: &str) {
    let server: RunningServer = Server::start(store).await.expect("the server starts");
    let backend = client(server.endpoint()).await;
    all(backend.client(), prefix, false).await;
    server.stop().await;
}

#[test]
fn legacy_members_on_the_memory_store() {
    rt().block_on(on_server(Arc::new(MemoryBackend::new()), "legacy_memory"));
}

#[test]
fn legacy_members_on_the_sled_store() {
    let sled = SledBackend::temporary().expect("a temporary sled store");
    rt().block_on(on_server(Arc::new(sled), "legacy_sled"));
}

/// The same cases on DynamoDB Local, the reference, when it is running.
#[test]
fn legacy_members_on_dynamodb_local() {
    let Ok(endpoint) = std::env::var("DYNAMODB_MAPPER_ENDPOINT") else {
        eprintln!("DYNAMODB_MAPPER_ENDPOINT is not set: DynamoDB Local is not checked");
        return;
    };
    rt().block_on(async {
        let backend = client(&endpoint).await;
        let prefix = format!("legacy_local_{}", std::process::id());
        all(backend.client(), &prefix, true).await;
    });
}
