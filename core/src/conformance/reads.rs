//! Query: conditions, order, pages, limits (indexes in `indexes.rs`,
//! scans in `scans.rs`), and the helpers the three share.

use super::{Reference, case, case_list, expect_err, key_ps, message, n, s};
use crate::backend::{BatchWrite, Page, Query, Select};
use crate::error::Error;
use crate::expr::{KeyCondition, Projection, RangeCondition, attr};
use crate::model::{KeySchema, ScalarType, TableDefinition};
use crate::value::{AttributeValue, Item};

case_list!("reads": query_range_conditions, query_number_order, query_string_byte_order,
    query_limit_and_last_key, query_filter_counts_after_limit, query_pages_to_the_end, query_pages_of_one_megabyte,
    query_select_and_projection, query_errors, query_start_key_errors, query_range_values_are_bounded);

/// Writes items in batches of 25.
pub(super) async fn put_all(ctx: &super::Ctx, table: &str, items: Vec<Item>) {
    for chunk in items.chunks(25) {
        let mut batch = BatchWrite::new();
        for item in chunk {
            batch = batch.put(table, item.clone());
        }
        let out = ctx.backend().batch_write_item(batch).await.unwrap();
        assert!(out.unprocessed_items.is_empty());
    }
}

/// Ten items sk 0..9 under pk "p", x = sk.
pub(super) async fn ten(ctx: &super::Ctx) -> String {
    let t = ctx.ranged_table("t").await;
    put_all(
        ctx,
        &t,
        (0..10).map(|i| key_ps("p", i).with("x", i)).collect(),
    )
    .await;
    put_all(ctx, &t, (0..3).map(|i| key_ps("other", i)).collect()).await;
    t
}

pub(super) fn sks(page: &Page) -> Vec<i64> {
    page.items
        .iter()
        .map(|i| i["sk"].as_n().unwrap().to_i64().unwrap())
        .collect()
}

pub(super) async fn query(ctx: &super::Ctx, q: Query) -> Page {
    ctx.backend()
        .query(q.clone())
        .await
        .unwrap_or_else(|e| panic!("{q:?}: {e}"))
}

case!(query_range_conditions, |ctx| {
    let t = ten(ctx).await;
    let kc = |r: Option<RangeCondition>| {
        let k = KeyCondition::hash("pk", "p");
        match r {
            Some(r) => k.range("sk", r),
            None => k,
        }
    };
    let checks: Vec<(Option<RangeCondition>, Vec<i64>)> = vec![
        (None, (0..10).collect()),
        (Some(RangeCondition::Eq(3.into())), vec![3]),
        (Some(RangeCondition::Eq(n("3.0"))), vec![3]),
        (Some(RangeCondition::Lt(3.into())), vec![0, 1, 2]),
        (Some(RangeCondition::Le(3.into())), vec![0, 1, 2, 3]),
        (Some(RangeCondition::Gt(7.into())), vec![8, 9]),
        (Some(RangeCondition::Ge(7.into())), vec![7, 8, 9]),
        (
            Some(RangeCondition::Between(n("2.5"), 5.into())),
            vec![3, 4, 5],
        ),
        (Some(RangeCondition::Eq(42.into())), vec![]),
    ];
    for (r, expected) in checks {
        let page = query(ctx, Query::new(&t, &kc(r.clone()))).await;
        assert_eq!(sks(&page), expected, "{r:?}");
        assert_eq!(page.last_evaluated_key, None);
        let back = query(ctx, Query::new(&t, &kc(r.clone())).forward(false)).await;
        assert_eq!(
            sks(&back),
            expected.iter().rev().copied().collect::<Vec<_>>(),
            "{r:?} reversed"
        );
    }
});

case!(query_number_order, |ctx| {
    let t = ctx.ranged_table("t").await;
    let values = [
        "-100", "-10", "-1.5", "-1", "-0.001", "0", "0.00001", "0.5", "1", "2", "10", "100", "1E20",
    ];
    put_all(
        ctx,
        &t,
        values
            .iter()
            .rev()
            .map(|v| Item::new().with("pk", "p").with("sk", n(v)))
            .collect(),
    )
    .await;
    let page = query(ctx, Query::new(&t, &KeyCondition::hash("pk", "p"))).await;
    let got: Vec<AttributeValue> = page.items.iter().map(|i| i["sk"].clone()).collect();
    let want: Vec<AttributeValue> = values.iter().map(|v| n(v)).collect();
    assert_eq!(got, want);
});

case!(query_string_byte_order, |ctx| {
    let t = ctx
        .create(TableDefinition::new(
            ctx.table("s"),
            KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::S),
        ))
        .await;
    let values = [
        " ", "0", "B", "Z", "a", "a ", "aa", "b", "~", "é", "ÿ", "Ā", "中", "\u{e000}", "ｚ", "😀",
    ];
    put_all(
        ctx,
        &t,
        values
            .iter()
            .rev()
            .map(|v| Item::new().with("pk", "p").with("sk", *v))
            .collect(),
    )
    .await;
    let page = query(ctx, Query::new(&t, &KeyCondition::hash("pk", "p"))).await;
    let got: Vec<&str> = page.items.iter().map(|i| i["sk"].as_s().unwrap()).collect();
    assert_eq!(got, values, "UTF-8 byte order, not UTF-16");
    let page = query(
        ctx,
        Query::new(
            &t,
            &KeyCondition::hash("pk", "p").range("sk", RangeCondition::BeginsWith(s("a"))),
        ),
    )
    .await;
    let got: Vec<&str> = page.items.iter().map(|i| i["sk"].as_s().unwrap()).collect();
    assert_eq!(got, ["a", "a ", "aa"]);
});

case!(query_limit_and_last_key, |ctx| {
    let t = ten(ctx).await;
    let kc = KeyCondition::hash("pk", "p");
    let page = query(ctx, Query::new(&t, &kc).limit(3)).await;
    assert_eq!(sks(&page), [0, 1, 2]);
    assert_eq!(page.last_evaluated_key, Some(key_ps("p", 2)));
    let page = query(
        ctx,
        Query::new(&t, &kc)
            .limit(3)
            .start_after(page.last_evaluated_key),
    )
    .await;
    assert_eq!(sks(&page), [3, 4, 5]);
    // A limit reached exactly at the end still gives a last key; the next page is empty.
    let page = query(ctx, Query::new(&t, &kc).limit(10)).await;
    assert_eq!(page.last_evaluated_key, Some(key_ps("p", 9)));
    let next = query(
        ctx,
        Query::new(&t, &kc)
            .limit(10)
            .start_after(page.last_evaluated_key),
    )
    .await;
    assert_eq!(
        (next.count, next.scanned_count, next.last_evaluated_key),
        (0, 0, None)
    );
    let page = query(ctx, Query::new(&t, &kc).limit(11)).await;
    assert_eq!(page.last_evaluated_key, None);
    // A limit reached on the inclusive end bound of the range condition, in
    // the direction read, leaves nothing to read: no last key. On a bound
    // not at the end, an exclusive bound, or `=`, there is one.
    let bounded = |r: RangeCondition, forward: bool, limit: u32| {
        Query::new(&t, &KeyCondition::hash("pk", "p").range("sk", r))
            .forward(forward)
            .limit(limit)
    };
    let cases = [
        (bounded(RangeCondition::Le(n("4")), true, 5), None),
        (
            bounded(RangeCondition::Between(n("2"), n("4")), true, 3),
            None,
        ),
        (bounded(RangeCondition::Ge(n("7")), false, 3), None),
        (
            bounded(RangeCondition::Between(n("2"), n("4")), false, 3),
            None,
        ),
        (
            bounded(RangeCondition::Ge(n("7")), true, 3),
            Some(key_ps("p", 9)),
        ),
        (
            bounded(RangeCondition::Le(n("4")), false, 5),
            Some(key_ps("p", 0)),
        ),
        (
            bounded(RangeCondition::Lt(n("5")), true, 5),
            Some(key_ps("p", 4)),
        ),
        (
            bounded(RangeCondition::Eq(n("4")), true, 1),
            Some(key_ps("p", 4)),
        ),
        (
            bounded(RangeCondition::Eq(n("4")), false, 1),
            Some(key_ps("p", 4)),
        ),
    ];
    for (q, last) in cases {
        assert_eq!(
            query(ctx, q.clone()).await.last_evaluated_key,
            last,
            "{q:?}"
        );
    }
    // Reverse pages.
    let page = query(ctx, Query::new(&t, &kc).limit(4).forward(false)).await;
    assert_eq!(sks(&page), [9, 8, 7, 6]);
    let page = query(
        ctx,
        Query::new(&t, &kc)
            .limit(4)
            .forward(false)
            .start_after(page.last_evaluated_key),
    )
    .await;
    assert_eq!(sks(&page), [5, 4, 3, 2]);
    // A start key between items continues after its position.
    let page = query(
        ctx,
        Query::new(&t, &kc).start_after(Some(Item::new().with("pk", "p").with("sk", n("4.5")))),
    )
    .await;
    assert_eq!(sks(&page), [5, 6, 7, 8, 9]);
});

case!(query_filter_counts_after_limit, |ctx| {
    let t = ten(ctx).await;
    let kc = KeyCondition::hash("pk", "p");
    let page = query(ctx, Query::new(&t, &kc).limit(3).filter(&attr("x").ge(2))).await;
    assert_eq!(
        (page.count, page.scanned_count),
        (1, 3),
        "Limit counts items read, before the filter"
    );
    assert_eq!(sks(&page), [2]);
    assert_eq!(page.last_evaluated_key, Some(key_ps("p", 2)));
    let page = query(ctx, Query::new(&t, &kc).limit(3).filter(&attr("x").gt(100))).await;
    assert_eq!((page.count, page.scanned_count), (0, 3));
    assert!(page.last_evaluated_key.is_some());
    let page = query(ctx, Query::new(&t, &kc).filter(&attr("x").between(3, 5))).await;
    assert_eq!((page.count, page.scanned_count), (3, 10));
    let e = expect_err!(
        ctx.backend()
            .query(Query::new(&t, &kc).filter(&attr("sk").gt(1)))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"
    );
});

case!(query_pages_to_the_end, |ctx| {
    let t = ctx.ranged_table("t").await;
    put_all(
        ctx,
        &t,
        (0..57).map(|i| key_ps("p", i).with("x", i % 4)).collect(),
    )
    .await;
    for forward in [true, false] {
        let mut seen = Vec::new();
        let mut start = None;
        let mut pages = 0;
        loop {
            let page = query(
                ctx,
                Query::new(&t, &KeyCondition::hash("pk", "p"))
                    .filter(&attr("x").eq(1))
                    .limit(10)
                    .forward(forward)
                    .start_after(start),
            )
            .await;
            pages += 1;
            seen.extend(sks(&page));
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        let mut want: Vec<i64> = (0..57).filter(|i| i % 4 == 1).collect();
        if !forward {
            want.reverse();
        }
        assert_eq!(seen, want);
        assert_eq!(pages, 6);
    }
});

case!(query_pages_of_one_megabyte, |ctx| {
    // 30 items of 102,390 bytes: pages of 11, 11 and 8 items.
    let t = ctx.ranged_table("t").await;
    let big = |i: i64| {
        key_ps("p", i)
            .with("d", "x".repeat(102_390 - 7))
            .with("k", i % 3)
    };
    for i in 0..30 {
        ctx.put(&t, big(i)).await;
    }
    assert!((102_388..=102_394).contains(&big(0).size()));
    let mut sizes = Vec::new();
    let mut start = None;
    loop {
        let page = query(
            ctx,
            Query::new(&t, &KeyCondition::hash("pk", "p")).start_after(start),
        )
        .await;
        sizes.push(page.items.len());
        match page.last_evaluated_key {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    assert_eq!(
        sizes,
        [11, 11, 8],
        "the item that crosses 1 MB ends the page; no last key at the end"
    );
    // With a filter, DynamoDB counts the data read before the filter.
    // DynamoDB Local counts only the items that pass (a known difference).
    let page = query(
        ctx,
        Query::new(&t, &KeyCondition::hash("pk", "p")).filter(&attr("k").eq(99)),
    )
    .await;
    match ctx.reference() {
        Reference::Emulator => assert_eq!(
            (
                page.count,
                page.scanned_count,
                page.last_evaluated_key.is_some()
            ),
            (0, 11, true)
        ),
        Reference::DynamoDbLocal => assert_eq!(
            (
                page.count,
                page.scanned_count,
                page.last_evaluated_key.is_some()
            ),
            (0, 30, false)
        ),
    }
});

case!(query_select_and_projection, |ctx| {
    let t = ten(ctx).await;
    let kc = KeyCondition::hash("pk", "p");
    let page = query(ctx, Query::new(&t, &kc).select(Select::Count)).await;
    assert_eq!((page.count, page.items.len()), (10, 0));
    let page = query(
        ctx,
        Query::new(&t, &kc)
            .projection(&Projection::attributes(["x"]))
            .limit(2),
    )
    .await;
    assert_eq!(
        page.items,
        vec![Item::new().with("x", 0), Item::new().with("x", 1)]
    );
    assert_eq!(
        page.last_evaluated_key,
        Some(key_ps("p", 1)),
        "the last key is the full key even when not projected"
    );
    let b = ctx.backend();
    let e = expect_err!(
        b.query(
            Query::new(&t, &kc)
                .select(Select::Count)
                .projection(&Projection::attributes(["x"]))
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert!(message(&e).contains("only the Count"), "{e}");
    expect_err!(
        b.query(Query::new(&t, &kc).select(Select::SpecificAttributes))
            .await,
        Error::InvalidRequest { .. }
    );
    expect_err!(
        b.query(Query::new(&t, &kc).select(Select::AllProjectedAttributes))
            .await,
        Error::InvalidRequest { .. }
    );
});

case!(query_errors, |ctx| {
    let t = ten(ctx).await;
    let b = ctx.backend();
    let bad: Vec<(Query, &str)> = vec![
        (
            Query::with_expression(&t, "sk = :s").value(":s", 1),
            "Query condition missed key schema element",
        ),
        (
            Query::with_expression(&t, "pk = :p AND x = :x")
                .value(":p", "p")
                .value(":x", 1),
            "Query condition missed key schema element",
        ),
        (
            Query::with_expression(&t, "pk < :p").value(":p", "p"),
            "Query key condition not supported",
        ),
        (
            Query::with_expression(&t, "pk = sk"),
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
        ),
        (
            Query::with_expression(&t, "pk = :p AND sk BETWEEN :a AND x")
                .value(":p", "p")
                .value(":a", 1),
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
        ),
        (
            Query::with_expression(&t, "pk = :p AND :a = :a")
                .value(":p", "p")
                .value(":a", 1),
            "Invalid condition in KeyConditionExpression: No key attribute specified",
        ),
        (
            Query::with_expression(&t, "pk = :p AND :a BETWEEN :a AND :b")
                .value(":p", "p")
                .value(":a", 1)
                .value(":b", 2),
            "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand",
        ),
        (
            Query::with_expression(&t, "pk = :p AND sk = :a AND x = :a")
                .value(":p", "p")
                .value(":a", 1),
            "Conditions can be of length 1 or 2 only",
        ),
        (
            Query::with_expression(&t, "pk = :p AND pk = :p AND sk = :a")
                .value(":p", "p")
                .value(":a", 1),
            "KeyConditionExpressions must only contain one condition per key",
        ),
        (
            Query::with_expression(&t, "pk = :p AND size(sk) = :a")
                .value(":p", "p")
                .value(":a", 1),
            "KeyConditionExpressions cannot contain nested operations",
        ),
        (
            Query::with_expression(&t, "size(pk) = :a").value(":a", 1),
            "KeyConditionExpressions cannot contain nested operations",
        ),
        (
            Query::with_expression(&t, " \t\n "),
            "Invalid KeyConditionExpression: Syntax error; token: \"<EOF>\", near: \" \t\n \"",
        ),
        (
            Query::with_expression(&t, "pk = :p OR sk = :s")
                .value(":p", "p")
                .value(":s", 1),
            "Invalid operator used in KeyConditionExpression: OR",
        ),
        (
            Query::with_expression(&t, "pk = :p AND sk > :a AND sk < :b")
                .value(":p", "p")
                .value(":a", 1)
                .value(":b", 2),
            "only contain one condition per key",
        ),
        (
            Query::with_expression(&t, "pk = :p").value(":p", 1),
            "Condition parameter type does not match schema type",
        ),
        (
            Query::with_expression(&t, "pk = :p AND sk BETWEEN :a AND :b")
                .value(":p", "p")
                .value(":a", 5)
                .value(":b", 1),
            "requires upper bound to be greater than or equal to lower bound",
        ),
        (
            Query::with_expression(&t, ""),
            "Invalid KeyConditionExpression: The expression can not be empty;",
        ),
        (
            Query::new(&t, &KeyCondition::hash("pk", "p")).limit(0),
            "Limit must be greater than or equal to 1",
        ),
        (
            Query::new(&t, &KeyCondition::hash("pk", "p")).index("nope"),
            "The table does not have the specified index: nope",
        ),
        (
            Query::with_expression(&t, "pk = :p AND begins_with(sk, :s)")
                .value(":p", "p")
                .value(":s", "1"),
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ),
        (
            Query::with_expression(&t, "pk = :p AND begins_with(sk, :s)")
                .value(":p", "p")
                .value(":s", 1),
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
        ),
        (
            Query::with_expression(&t, "NOT pk = :p").value(":p", "p"),
            "Invalid operator used in KeyConditionExpression: NOT",
        ),
        (
            Query::with_expression(&t, "pk = :p AND m.x = :p").value(":p", "p"),
            "KeyConditionExpressions cannot have conditions on nested attributes",
        ),
        (
            Query::with_expression(&t, "pk = :p AND q[0] = :p").value(":p", "p"),
            "KeyConditionExpressions cannot have conditions on nested attributes",
        ),
        (
            Query::with_expression(&t, "pk = :p AND l[0] = :p").value(":p", "p"),
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: l",
        ),
        (
            Query::with_expression(&t, "pk.x = :p").value(":p", "p"),
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk",
        ),
        (
            Query::with_expression(&t, "pk = :p AND sk.y = :p").value(":p", "p"),
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: sk",
        ),
        (
            Query::with_expression(&t, "pk IN (:p)").value(":p", "p"),
            "Invalid operator used in KeyConditionExpression: IN",
        ),
        (
            Query::with_expression(&t, "pk <> :p").value(":p", "p"),
            "Invalid operator used in KeyConditionExpression: <>",
        ),
        (
            Query::with_expression(&t, "pk = :p").value(":p", ""),
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
        ),
        (
            Query::with_expression(&t, "g = :p")
                .value(":p", "")
                .index("gsi1"),
            "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: gsi1, IndexKey: g",
        ),
        (
            Query::new(&t, &KeyCondition::hash("g", "G"))
                .index("gsi1")
                .select(Select::AllProjectedAttributes)
                .projection(&Projection::attributes(["x"])),
            "Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES",
        ),
    ];
    for (q, expected) in bad {
        let e = expect_err!(b.query(q.clone()).await, Error::InvalidRequest { .. });
        assert!(message(&e).contains(expected), "{q:?}: {e}");
    }
});

case!(query_start_key_errors, |ctx| {
    let t = ten(ctx).await;
    let b = ctx.backend();
    let kc = KeyCondition::hash("pk", "p");
    let bad: Vec<(Item, &str)> = vec![
        (
            Item::new().with("pk", "p"),
            "Exclusive Start Key must have same size as table's key schema",
        ),
        (
            Item::new().with("pk", "p").with("sk", "1"),
            "Type mismatch for attribute to update",
        ),
        (
            Item::new().with("pk", "").with("sk", 1),
            "The query can return at most one row and cannot be restarted. The provided starting key is invalid: One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
        ),
        (
            Item::new().with("pk", "p").with("zz", 1),
            "The provided starting key is invalid",
        ),
        (
            Item::new().with("pk", "other").with("sk", 1),
            "does not match the range key predicate",
        ),
    ];
    for (esk, expected) in bad {
        let e = expect_err!(
            b.query(Query::new(&t, &kc).start_after(Some(esk.clone())))
                .await,
            Error::InvalidRequest { .. }
        );
        assert!(message(&e).contains(expected), "{esk:?}: {e}");
    }
    let e = expect_err!(
        b.query(
            Query::new(&t, &kc.clone().range("sk", RangeCondition::Lt(5.into())))
                .start_after(Some(key_ps("p", 100)))
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert!(
        message(&e).contains("does not match the range key predicate"),
        "{e}"
    );
});

// A range key value of a key condition longer than a range key can be
// (1,024 bytes of UTF-8, each bound on its own) is refused; a hash key
// value is not checked there (as in DynamoDB Local).
case!(query_range_values_are_bounded, |ctx| {
    let t = ctx
        .create(TableDefinition::new(
            ctx.table("s"),
            KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::S),
        ))
        .await;
    let b = ctx.backend();
    let query = |condition: &str, values: &[(&str, &str)]| {
        values.iter().fold(
            Query::with_expression(&t, condition).value(":p", "p"),
            |q, (name, v)| q.value(*name, *v),
        )
    };
    let long = "x".repeat(1025);
    let wide = "é".repeat(513);
    for q in [
        query("pk = :p AND sk = :a", &[(":a", &long)]),
        query("pk = :p AND sk > :a", &[(":a", &long)]),
        query("pk = :p AND begins_with(sk, :a)", &[(":a", &long)]),
        query(
            "pk = :p AND sk BETWEEN :b AND :a",
            &[(":a", &long), (":b", "b")],
        ),
        query("pk = :p AND sk = :a", &[(":a", &wide)]),
    ] {
        let e = expect_err!(b.query(q).await, Error::InvalidRequest { .. });
        assert_eq!(
            message(&e),
            "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
        );
    }
    let fits = "x".repeat(1024);
    let page = b
        .query(query(
            "pk = :p AND sk BETWEEN :a AND :b",
            &[(":a", &fits), (":b", &fits)],
        ))
        .await
        .unwrap();
    assert!(page.items.is_empty());
    let hash = Query::with_expression(&t, "pk = :p").value(":p", "x".repeat(2049));
    assert!(b.query(hash).await.unwrap().items.is_empty());
});
