//! Limits DynamoDB enforces on expressions, names, indexes and tokens, and
//! hostile requests that must be refused cleanly with nothing changed.

use super::{Reference, case, case_list, expect_err, key_s, message, n};
use crate::backend::{
    BatchWrite, GetItem, PutItem, Scan, TransactWrite, TransactWriteItem, UpdateItem,
};
use crate::error::Error;
use crate::model::{IndexProjection, KeySchema, ScalarType, TableDefinition};
use crate::value::AttributeValue;

case_list!("limits": expression_size, operator_count, substituted_size, placeholder_and_name_sizes,
    empty_names_through_placeholders, attribute_name_size, index_projection_count,
    number_overflow_message, client_request_token, token_fingerprint, large_sets_add_and_delete,
    local_index_entries_count_toward_a_put);

fn put_if(t: &str, condition: &str) -> PutItem {
    PutItem::new(t, key_s("k")).condition_expression(condition)
}

case!(expression_size, |ctx| {
    let t = ctx.simple_table("t").await;
    let long = format!("attribute_exists(a){}", " ".repeat(4100 - 19));
    let e = expect_err!(
        ctx.backend().put_item(put_if(&t, &long)).await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(
        message(&e),
        "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 4100"
    );
    assert_eq!(ctx.get(&t, key_s("k")).await, None);
});

case!(operator_count, |ctx| {
    let t = ctx.simple_table("t").await;
    let chain = |n: usize| vec!["a = :v"; n].join(" AND ");
    // 150 comparisons and 149 ANDs: 299 operators.
    expect_err!(
        ctx.backend()
            .put_item(put_if(&t, &chain(150)).value(":v", 1))
            .await,
        Error::Conflict { .. }
    );
    let e = expect_err!(
        ctx.backend()
            .put_item(put_if(&t, &chain(151)).value(":v", 1))
            .await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(
        message(&e),
        "Invalid ConditionExpression: The expression contains too many operators; operator count: 301"
    );
    let nots = format!("{}attribute_exists(a)", "NOT ".repeat(300));
    let e = expect_err!(
        ctx.backend().put_item(put_if(&t, &nots)).await,
        Error::LimitExceeded { .. }
    );
    assert!(message(&e).contains("operator count: 301"), "{e}");
    // Other errors of the expression are reported first.
    let e = expect_err!(
        ctx.backend()
            .put_item(put_if(&t, &format!("{} AND b = :zz", chain(151))).value(":v", 1))
            .await,
        Error::InvalidRequest { .. }
    );
    assert!(message(&e).contains("attribute value: :zz"), "{e}");
    assert_eq!(ctx.get(&t, key_s("k")).await, None);
});

case!(substituted_size, |ctx| {
    let t = ctx.simple_table("t").await;
    let big = AttributeValue::S("x".repeat(100_000));
    let refs = |n: usize| vec!["a = :v"; n].join(" OR ");
    expect_err!(
        ctx.backend()
            .put_item(put_if(&t, &refs(10)).value(":v", big.clone()))
            .await,
        Error::Conflict { .. }
    );
    let e = expect_err!(
        ctx.backend()
            .put_item(put_if(&t, &refs(150)).value(":v", big))
            .await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(
        message(&e),
        "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size;"
    );
});

case!(placeholder_and_name_sizes, |ctx| {
    let t = ctx.simple_table("t").await;
    let long = format!("#{}", "a".repeat(255));
    let e = expect_err!(
        ctx.backend()
            .put_item(put_if(&t, &format!("attribute_exists({long})")).name(&long, "x"))
            .await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(
        message(&e),
        "ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: 256"
    );
    let long = format!(":{}", "a".repeat(255));
    let e = expect_err!(
        ctx.backend()
            .put_item(put_if(&t, &format!("a = {long}")).value(&long, 1))
            .await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(
        message(&e),
        "ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long;"
    );
    // An empty placeholder.
    for (put, map) in [
        (put_if(&t, "attribute_exists(a)").name("", "x"), "Names"),
        (put_if(&t, "attribute_exists(a)").value("", 1), "Values"),
    ] {
        let e = expect_err!(
            ctx.backend().put_item(put).await,
            Error::InvalidRequest { .. }
        );
        assert_eq!(
            message(&e),
            format!(
                "ExpressionAttribute{map} contains invalid key: The expression attribute map contains an empty key;"
            )
        );
    }
    let e = expect_err!(
        ctx.backend()
            .put_item(put_if(&t, "attribute_exists(#a)").name("#a", "y".repeat(65_536)))
            .await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(
        message(&e),
        "ExpressionAttributeNames contains invalid value: Attribute name is too large, must be less than 65536 bytes for key #a"
    );
    assert_eq!(ctx.get(&t, key_s("k")).await, None);
});

case!(empty_names_through_placeholders, |ctx| {
    let t = ctx.simple_table("t").await;
    ctx.put(&t, key_s("k").with("a", 1)).await;
    let expected =
        "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a";
    let b = ctx.backend();
    for result in [
        b.put_item(put_if(&t, "attribute_exists(#a)").name("#a", ""))
            .await
            .map(|_| ()),
        b.get_item(
            GetItem::new(&t, key_s("k"))
                .projection_expression("#a")
                .name("#a", ""),
        )
        .await
        .map(|_| ()),
        b.update_item(
            UpdateItem::new(&t, key_s("k"))
                .update_expression("REMOVE #a")
                .name("#a", ""),
        )
        .await
        .map(|_| ()),
        b.update_item(
            UpdateItem::new(&t, key_s("k"))
                .update_expression("SET m.#a = :v")
                .name("#a", "")
                .value(":v", 1),
        )
        .await
        .map(|_| ()),
    ] {
        let e = expect_err!(result, Error::InvalidRequest { .. });
        assert_eq!(message(&e), expected);
    }
    assert_eq!(ctx.get(&t, key_s("k")).await, Some(key_s("k").with("a", 1)));
});

case!(attribute_name_size, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let long = "x".repeat(65_536);
    for item in [
        key_s("k").with(long.as_str(), 1),
        key_s("k").with("m", AttributeValue::M([(long.clone(), n("1"))].into())),
    ] {
        let result = b.put_item(PutItem::new(&t, item)).await;
        match ctx.reference() {
            Reference::Emulator => {
                let e = expect_err!(result, Error::LimitExceeded { .. });
                assert_eq!(
                    message(&e),
                    "One or more parameter values were invalid: Attribute name is too large, must be less than 65536 bytes"
                );
            }
            // DynamoDB Local fails with an internal error.
            Reference::DynamoDbLocal => {
                assert!(result.is_err(), "refused");
            }
        }
    }
    assert_eq!(ctx.get(&t, key_s("k")).await, None);
});

case!(index_projection_count, |ctx| {
    let names = |n: usize, p: &str| -> Vec<String> { (0..n).map(|i| format!("{p}{i}")).collect() };
    let def = |name: &str, indexes: &[Vec<String>]| {
        let mut d = TableDefinition::new(ctx.table(name), KeySchema::hash("id", ScalarType::S));
        for (i, include) in indexes.iter().enumerate() {
            d = d.with_global_index(
                format!("gix{i}"),
                KeySchema::hash("g", ScalarType::S),
                IndexProjection::Include(include.clone()),
            );
        }
        d
    };
    for (name, indexes) in [
        ("one", vec![names(101, "a")]),
        ("two", vec![names(60, "a"), names(50, "b")]),
    ] {
        let result = ctx.backend().create_table(def(name, &indexes)).await;
        match ctx.reference() {
            Reference::Emulator => {
                let e = expect_err!(result, Error::LimitExceeded { .. });
                assert!(
                    message(&e).contains("exceeds the per-table limit of 100"),
                    "{e}"
                );
            }
            // DynamoDB Local refuses them with a message about local indexes.
            Reference::DynamoDbLocal => {
                let e = expect_err!(result, Error::InvalidRequest { .. });
                assert_eq!(
                    message(&e),
                    "No more than 20 attributes per table can be projected into Local Secondary Indices"
                );
            }
        }
    }
    // 100 in all is allowed.
    ctx.create(def("hundred", &[names(100, "a")])).await;
});

case!(number_overflow_message, |ctx| {
    let t = ctx.simple_table("t").await;
    ctx.put(&t, key_s("k").with("n", 1)).await;
    let update = |expression: &str| {
        UpdateItem::new(&t, key_s("k"))
            .update_expression(expression)
            .value(":a", n("9E125"))
    };
    for expression in ["SET n = :a + :a", "ADD n :a"] {
        let e = expect_err!(
            ctx.backend()
                .update_item(if expression.starts_with("ADD") {
                    ctx.put(&t, key_s("k").with("n", n("9E125"))).await;
                    update(expression)
                } else {
                    update(expression)
                })
                .await,
            Error::InvalidRequest { .. }
        );
        assert_eq!(
            message(&e),
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
            "{expression}"
        );
    }
    // Precision, not magnitude: DynamoDB's other message.
    let e = expect_err!(
        ctx.backend()
            .update_item(
                UpdateItem::new(&t, key_s("k"))
                    .update_expression("SET n = :a - :b")
                    .value(":a", 1)
                    .value(":b", n("1E-130"))
            )
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "DynamoDB only supports precision up to 38 digits"
    );
});

case!(client_request_token, |ctx| {
    let t = ctx.simple_table("t").await;
    let result = ctx
        .backend()
        .transact_write_items(TransactWrite {
            items: vec![TransactWriteItem::Put(PutItem::new(&t, key_s("k")))],
            client_request_token: Some(String::new()),
            ..TransactWrite::default()
        })
        .await;
    match ctx.reference() {
        Reference::Emulator => {
            let e = expect_err!(result, Error::InvalidRequest { .. });
            assert!(
                message(&e).contains("Member must have length greater than or equal to 1"),
                "{e}"
            );
            assert_eq!(ctx.get(&t, key_s("k")).await, None);
        }
        // DynamoDB Local accepts an empty token as a token like any other,
        // shared by every table of the endpoint: an earlier run on another
        // table makes this one a mismatch, never a validation error.
        Reference::DynamoDbLocal => match result {
            Ok(_) | Err(Error::IdempotencyMismatch { .. }) => {}
            Err(e) => panic!("DynamoDB Local refused an empty token: {e:?}"),
        },
    }
});

case!(token_fingerprint, |ctx| {
    let t = ctx.simple_table("t").await;
    let write = |token: &str, bin: Vec<u8>, num: &str| TransactWrite {
        items: vec![TransactWriteItem::Put(PutItem::new(
            &t,
            key_s("k")
                .with("b", AttributeValue::B(bin))
                .with("n", n(num)),
        ))],
        client_request_token: Some(token.to_owned()),
        ..TransactWrite::default()
    };
    // Tokens are shared by every table of an endpoint: one of this run's own.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let token = format!("tok-{}-{nanos:x}", std::process::id());
    let token = &token[..token.len().min(36)];
    let b = ctx.backend();
    b.transact_write_items(write(token, vec![1, 2, 3], "1"))
        .await
        .unwrap();
    // Same token, binary content of the same length but different bytes.
    expect_err!(
        b.transact_write_items(write(token, vec![9, 9, 9], "1"))
            .await,
        Error::IdempotencyMismatch { .. }
    );
    assert_eq!(
        ctx.get(&t, key_s("k")).await.unwrap()["b"],
        AttributeValue::B(vec![1, 2, 3])
    );
    if ctx.reference() == Reference::Emulator {
        // Numbers equal by value are the same parameters.
        ctx.put(&t, key_s("k").with("marker", true)).await;
        b.transact_write_items(write(token, vec![1, 2, 3], "1.0"))
            .await
            .unwrap();
        assert_eq!(
            ctx.get(&t, key_s("k")).await,
            Some(key_s("k").with("marker", true)),
            "a replay writes nothing"
        );
    }
});

case!(large_sets_add_and_delete, |ctx| {
    // Adding and deleting tens of thousands of members is n log n.
    let t = ctx.simple_table("t").await;
    let members =
        |from: usize, to: usize| AttributeValue::Ss((from..to).map(|i| format!("m{i}")).collect());
    ctx.put(&t, key_s("k").with("s", members(0, 35_000))).await;
    ctx.backend()
        .update_item(
            UpdateItem::new(&t, key_s("k"))
                .update_expression("ADD s :more")
                .value(":more", members(17_500, 52_500)),
        )
        .await
        .unwrap();
    ctx.backend()
        .update_item(
            UpdateItem::new(&t, key_s("k"))
                .update_expression("DELETE s :some")
                .value(":some", members(0, 40_000)),
        )
        .await
        .unwrap();
    let item = ctx.get(&t, key_s("k")).await.unwrap();
    let AttributeValue::Ss(left) = &item["s"] else {
        panic!("a string set: {item:?}")
    };
    assert_eq!(left.len(), 12_500);
    let scan = ctx.backend().scan(Scan::new(&t)).await.unwrap();
    assert_eq!(scan.count, 1);
});

// A put's item counts toward 400 KB with its entries in the table's local
// indexes (DynamoDB Local's rule; its updates count the item alone). The
// item `pk`, `sk`, `l` (a number), `big` is `big`'s length plus 12 bytes.
case!(local_index_entries_count_toward_a_put, |ctx| {
    let def = TableDefinition::new(
        ctx.table("t"),
        KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::S),
    );
    let def = def
        .with_local_index(
            "all",
            crate::model::KeyAttribute::new("l", ScalarType::N),
            IndexProjection::All,
        )
        .with_local_index(
            "keys",
            crate::model::KeyAttribute::new("k", ScalarType::N),
            IndexProjection::KeysOnly,
        );
    let t = ctx.create(def).await;
    let b = ctx.backend();
    let item = |sk: &str, n: usize| {
        crate::value::Item::new()
            .with("pk", "p")
            .with("sk", sk)
            .with("l", 1)
            .with("big", "x".repeat(n))
    };
    let too_large = |e: &Error| {
        assert!(matches!(e, Error::LimitExceeded { .. }), "{e:?}");
        assert_eq!(
            message(e),
            "Item size has exceeded the maximum allowed size"
        );
    };
    // In the `ALL` index, the item counts twice: 2 x 204,800 is the limit.
    b.put_item(PutItem::new(&t, item("a", 204_788)))
        .await
        .unwrap();
    too_large(
        &b.put_item(PutItem::new(&t, item("b", 204_789)))
            .await
            .unwrap_err(),
    );
    too_large(
        &b.batch_write_item(BatchWrite::new().put(&t, item("b", 204_789)))
            .await
            .unwrap_err(),
    );
    too_large(
        &b.transact_write_items(TransactWrite {
            items: vec![TransactWriteItem::Put(PutItem::new(&t, item("b", 204_789)))],
            ..TransactWrite::default()
        })
        .await
        .unwrap_err(),
    );
    // With `k` (3 bytes more), in both: twice the item and the `KEYS_ONLY`
    // index's keys `pk` and `k` (6 bytes), 2 x 204,797 + 6 at most.
    let keyed = |n: usize| item("c", n).with("k", 1);
    let e = b
        .put_item(PutItem::new(&t, keyed(204_783)))
        .await
        .unwrap_err();
    too_large(&e);
    b.put_item(PutItem::new(&t, keyed(204_782))).await.unwrap();
    // Outside the indexes, or written by an update, the item counts alone.
    let outside = crate::value::Item::new()
        .with("pk", "p")
        .with("sk", "d")
        .with("big", "x".repeat(300_000));
    b.put_item(PutItem::new(&t, outside)).await.unwrap();
    b.update_item(
        UpdateItem::new(
            &t,
            crate::value::Item::new().with("pk", "p").with("sk", "e"),
        )
        .update(
            &crate::expr::Update::new()
                .set(crate::expr::attr("l"), 1)
                .set(crate::expr::attr("big"), "x".repeat(300_000)),
        ),
    )
    .await
    .unwrap();
    let kept = ctx
        .get(
            &t,
            crate::value::Item::new().with("pk", "p").with("sk", "b"),
        )
        .await;
    assert_eq!(kept, None, "nothing of the refused puts was written");
});
