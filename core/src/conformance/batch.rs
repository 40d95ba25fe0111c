//! Batch get and batch write.

use super::{case, case_list, expect_err, key_s, message, s};
use crate::backend::{BatchGet, BatchWrite, KeysAndAttributes};
use crate::error::Error;
use crate::value::Item;

case_list!("batch": get_across_tables, get_limits, write_puts_and_deletes, write_limits_change_nothing,
    get_response_limit_leaves_keys_unprocessed);

case!(get_across_tables, |ctx| {
    let a = ctx.simple_table("a").await;
    let b_table = ctx.simple_table("b").await;
    for i in 0..5 {
        ctx.put(&a, key_s(&format!("a{i}")).with("v", i)).await;
    }
    ctx.put(&b_table, key_s("b0")).await;
    let out = ctx
        .backend()
        .batch_get_item(
            BatchGet::new()
                .keys(&a, [key_s("a1"), key_s("a3"), key_s("missing")])
                .keys(&b_table, [key_s("nothere")]),
        )
        .await
        .unwrap();
    let mut got: Vec<&str> = out.responses[&a]
        .iter()
        .map(|i| i["id"].as_s().unwrap())
        .collect();
    got.sort();
    assert_eq!(got, ["a1", "a3"], "missing keys are left out");
    // DynamoDB answers in no promised order (DynamoDB Local's differs from
    // its scan order); callers match responses to keys by key.
    assert_eq!(
        out.responses.get(&b_table).map(Vec::len),
        Some(0),
        "a table with no item found is answered, empty"
    );
    assert!(out.unprocessed_keys.is_empty());
    // Projection per table.
    let mut req = BatchGet::new();
    req.tables.insert(
        a.clone(),
        KeysAndAttributes {
            keys: vec![key_s("a2")],
            consistent_read: true,
            projection_expression: Some("#v".into()),
            expression_attribute_names: [("#v".to_string(), "v".to_string())].into(),
        },
    );
    let out = ctx.backend().batch_get_item(req).await.unwrap();
    assert_eq!(out.responses[&a], vec![Item::new().with("v", 2)]);
});

case!(get_limits, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let keys = |n: usize| (0..n).map(|i| key_s(&format!("k{i}"))).collect::<Vec<_>>();
    b.batch_get_item(BatchGet::new().keys(&t, keys(100)))
        .await
        .unwrap();
    let e = expect_err!(
        b.batch_get_item(BatchGet::new().keys(&t, keys(101))).await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(
        message(&e),
        "Too many items requested for the BatchGetItem call"
    );
    let e = expect_err!(
        b.batch_get_item(BatchGet::new().keys(&t, [key_s("a"), key_s("a")]))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Provided list of item keys contains duplicates"
    );
    expect_err!(
        b.batch_get_item(BatchGet::new()).await,
        Error::InvalidRequest { .. }
    );
    expect_err!(
        b.batch_get_item(BatchGet::new().keys(&t, [Item::new().with("id", "a").with("x", 1)]))
            .await,
        Error::InvalidRequest { .. }
    );
    expect_err!(
        b.batch_get_item(BatchGet::new().keys(ctx.table("nope"), [key_s("a")]))
            .await,
        Error::TableNotFound { .. }
    );
});

case!(write_puts_and_deletes, |ctx| {
    let a = ctx.simple_table("a").await;
    let b_table = ctx.simple_table("b").await;
    ctx.put(&a, key_s("old")).await;
    let out = ctx
        .backend()
        .batch_write_item(
            BatchWrite::new()
                .put(&a, key_s("x").with("v", 1))
                .put(&a, key_s("y").with("v", 2))
                .delete(&a, key_s("old"))
                .delete(&a, key_s("never"))
                .put(&b_table, key_s("z")),
        )
        .await
        .unwrap();
    assert!(out.unprocessed_items.is_empty());
    assert_eq!(ctx.get(&a, key_s("x")).await, Some(key_s("x").with("v", 1)));
    assert_eq!(ctx.get(&a, key_s("old")).await, None);
    assert_eq!(ctx.get(&b_table, key_s("z")).await, Some(key_s("z")));
});

case!(write_limits_change_nothing, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let puts = |n: usize| {
        let mut w = BatchWrite::new();
        for i in 0..n {
            w = w.put(&t, key_s(&format!("p{i}")));
        }
        w
    };
    let e = expect_err!(
        b.batch_write_item(puts(26)).await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(
        message(&e),
        "Too many items requested for the BatchWriteItem call"
    );
    let e = expect_err!(
        b.batch_write_item(BatchWrite::new().put(&t, key_s("a")).delete(&t, key_s("a")))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Provided list of item keys contains duplicates"
    );
    // One invalid item: the whole batch is refused.
    let e = expect_err!(
        b.batch_write_item(BatchWrite::new().put(&t, key_s("good")).put(
            &t,
            key_s("bad").with("x", crate::AttributeValue::Ss(vec![]))
        ))
        .await,
        Error::InvalidRequest { .. }
    );
    assert!(message(&e).contains("may not be empty"), "{e}");
    // One missing table: nothing is written to the other.
    expect_err!(
        b.batch_write_item(
            BatchWrite::new()
                .put(&t, key_s("good"))
                .put(ctx.table("nope"), key_s("x"))
        )
        .await,
        Error::TableNotFound { .. }
    );
    expect_err!(
        b.batch_write_item(BatchWrite::new()).await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(ctx.get(&t, key_s("good")).await, None);
    assert_eq!(ctx.get(&t, key_s("p0")).await, None);
    b.batch_write_item(puts(25)).await.unwrap();
    assert!(ctx.get(&t, key_s("p24")).await.is_some());
});

case!(get_response_limit_leaves_keys_unprocessed, |ctx| {
    // 50 items of about 400 KB: a 16 MB response holds 41 of them.
    let t = ctx.simple_table("t").await;
    let big = "x".repeat(409_000);
    for i in 0..50 {
        ctx.put(&t, key_s(&format!("k{i:02}")).with("d", s(&big)))
            .await;
    }
    let keys: Vec<Item> = (0..50).map(|i| key_s(&format!("k{i:02}"))).collect();
    let out = ctx
        .backend()
        .batch_get_item(BatchGet::new().keys(&t, keys))
        .await
        .unwrap();
    let returned = out.responses.get(&t).map_or(0, Vec::len);
    let unprocessed = out.unprocessed_keys.get(&t).map_or(0, |k| k.keys.len());
    assert_eq!((returned, unprocessed), (41, 9));
});
