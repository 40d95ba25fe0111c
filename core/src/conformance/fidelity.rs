//! Divergences found by random differential sequences against DynamoDB
//! Local (issue 11), each as a case.

use super::{case, case_list, expect_err, message, n, s};
use crate::backend::{
    GetItem, PutItem, Query, Scan, TransactGet, TransactWrite, TransactWriteItem, UpdateItem,
};
use crate::error::{CancellationCode, Error};
use crate::expr::KeyCondition;
use crate::model::{IndexProjection, KeyAttribute, KeySchema, ScalarType, TableDefinition};
use crate::value::{AttributeValue, Item};

case_list!("fidelity": remove_uses_the_old_indices, key_attribute_paths_are_refused,
    what_an_index_does_not_project, transaction_update_needs_an_expression,
    key_update_under_a_false_condition_is_a_conflict, transaction_key_faults_are_reasons,
    empty_projection_is_an_empty_item, local_index_ties_page_without_loss, start_key_and_between_messages);

/// `pk` (S) + `sk` (N); a global index `gi2` on `g` projecting `a` and `l`;
/// a keys-only local index `li1` on `ln` (N).
async fn t0(ctx: &super::Ctx) -> String {
    ctx.create(
        TableDefinition::new(
            ctx.table("t0"),
            KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N),
        )
        .with_global_index(
            "gi2",
            KeySchema::hash("g", ScalarType::S),
            IndexProjection::Include(vec!["a".to_owned(), "l".to_owned()]),
        )
        .with_local_index(
            "li1",
            KeyAttribute::new("ln", ScalarType::N),
            IndexProjection::KeysOnly,
        ),
    )
    .await
}

fn key(pk: &str, sk: i64) -> Item {
    Item::new().with("pk", pk).with("sk", sk)
}

fn list(values: &[AttributeValue]) -> AttributeValue {
    AttributeValue::L(values.to_vec())
}

const KEY_PATH: &str =
    "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed";

case!(remove_uses_the_old_indices, |ctx| {
    let t = t0(ctx).await;
    let l = list(&[n("0"), n("1"), n("2")]);
    ctx.put(&t, key("a", 1).with("l", l.clone())).await;
    ctx.put(&t, key("a", 2).with("l", l)).await;
    let update = |sk| {
        UpdateItem::new(&t, key("a", sk))
            .update_expression("SET l[5] = :a REMOVE l[3]")
            .value(":a", "new")
    };
    ctx.backend().update_item(update(1)).await.unwrap();
    let expected = list(&[n("0"), n("1"), n("2"), s("new")]);
    assert_eq!(ctx.get(&t, key("a", 1)).await.unwrap()["l"], expected);
    // The same inside a transaction.
    ctx.backend()
        .transact_write_items(TransactWrite {
            items: vec![TransactWriteItem::Update(update(2))],
            ..TransactWrite::default()
        })
        .await
        .unwrap();
    assert_eq!(ctx.get(&t, key("a", 2)).await.unwrap()["l"], expected);
    // An element that did exist is removed by its old index.
    ctx.backend()
        .update_item(
            UpdateItem::new(&t, key("a", 1))
                .update_expression("SET l[1] = :a REMOVE l[0]")
                .value(":a", "x"),
        )
        .await
        .unwrap();
    assert_eq!(
        ctx.get(&t, key("a", 1)).await.unwrap()["l"],
        list(&[s("x"), n("2"), s("new")])
    );
});

case!(key_attribute_paths_are_refused, |ctx| {
    let t = t0(ctx).await;
    let b = ctx.backend();
    ctx.put(&t, key("a", 1).with("ln", 5).with("g", "g1")).await;
    let refused = |r: Result<_, Error>, name: &str| {
        let e = expect_err!(r, Error::InvalidRequest { .. });
        assert_eq!(message(&e), format!("{KEY_PATH}: {name}"));
    };
    refused(
        b.put_item(
            PutItem::new(&t, key("a", 1)).condition_expression("attribute_not_exists(ln[0])"),
        )
        .await
        .map(|_| ()),
        "IndexKey: ln",
    );
    refused(
        b.put_item(
            PutItem::new(&t, key("a", 1)).condition_expression("attribute_not_exists(pk.x)"),
        )
        .await
        .map(|_| ()),
        "Key: pk",
    );
    // The table's keys are named first, whatever the order of the paths.
    refused(
        b.update_item(
            UpdateItem::new(&t, key("a", 1))
                .update_expression("SET a = :v")
                .condition_expression("attribute_exists(ln.x) AND attribute_exists(pk.x)")
                .value(":v", 1),
        )
        .await
        .map(|_| ()),
        "Key: pk",
    );
    refused(
        b.get_item(GetItem::new(&t, key("a", 1)).projection_expression("a, ln[0]"))
            .await
            .map(|_| ()),
        "IndexKey: ln",
    );
    refused(
        b.update_item(
            UpdateItem::new(&t, key("a", 1))
                .update_expression("SET ln.x = :v")
                .value(":v", 1),
        )
        .await
        .map(|_| ()),
        "IndexKey: ln",
    );
    refused(
        b.scan(Scan::new(&t).filter_expression("attribute_exists(pk.x)"))
            .await
            .map(|_| ()),
        "Key: pk",
    );
    refused(
        b.query(
            Query::new(&t, &KeyCondition::hash("pk", "a"))
                .filter_expression("attribute_exists(g.x)"),
        )
        .await
        .map(|_| ()),
        "IndexKey: g",
    );
    refused(
        b.transact_write_items(TransactWrite {
            items: vec![TransactWriteItem::Put(
                PutItem::new(&t, key("a", 1)).condition_expression("attribute_not_exists(ln[0])"),
            )],
            ..TransactWrite::default()
        })
        .await
        .map(|_| ()),
        "IndexKey: ln",
    );
    // An update's paths are checked once its condition holds.
    expect_err!(
        b.update_item(
            UpdateItem::new(&t, key("a", 1))
                .update_expression("SET ln.x = :v")
                .condition_expression("attribute_exists(zz)")
                .value(":v", 1),
        )
        .await,
        Error::Conflict { .. }
    );
    assert_eq!(
        ctx.get(&t, key("a", 1)).await,
        Some(key("a", 1).with("ln", 5).with("g", "g1"))
    );
});

case!(what_an_index_does_not_project, |ctx| {
    let t = t0(ctx).await;
    let b = ctx.backend();
    ctx.put(
        &t,
        key("a", 1)
            .with("g", "g1")
            .with("ln", 5)
            .with("a", 1)
            .with("b", 2),
    )
    .await;
    let on = |index: &str, hash: &str, v: &str| {
        Query::new(&t, &KeyCondition::hash(hash, v)).index(index)
    };
    let e = expect_err!(
        b.query(
            on("gi2", "g", "g1")
                .filter_expression("c = :v AND b = :v AND a = :v")
                .value(":v", 2)
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "One or more parameter values were invalid: Secondary index gi2 does not project one or more filter attributes: [b, c]"
    );
    let e = expect_err!(
        b.query(
            on("li1", "pk", "a")
                .filter_expression("b = :v")
                .value(":v", 2)
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "One or more parameter values were invalid: Secondary index li1 does not project one or more filter attributes: [b]"
    );
    // Attributes the index holds: its keys, the table's, the included ones.
    let page = b
        .query(
            on("gi2", "g", "g1")
                .filter_expression("a = :v AND pk = :p")
                .value(":v", 1)
                .value(":p", "a"),
        )
        .await
        .unwrap();
    assert_eq!(page.count, 1);
    let mut query = on("gi2", "g", "g1");
    query.projection_expression = Some("c, b, zz".to_owned());
    let mut scan = Scan::new(&t).index("gi2");
    scan.projection_expression = Some("c, b, zz".to_owned());
    for read in [
        b.query(query).await.map(|_| ()),
        b.scan(scan).await.map(|_| ()),
    ] {
        let e = expect_err!(read, Error::InvalidRequest { .. });
        assert_eq!(
            message(&e),
            "One or more parameter values were invalid: Global secondary index gi2 does not project [zz, b, c]"
        );
    }
    // A local index fetches what it does not hold from the table.
    let mut query = on("li1", "pk", "a");
    query.projection_expression = Some("b".to_owned());
    let page = b.query(query).await.unwrap();
    assert_eq!(page.items, vec![Item::new().with("b", 2)]);
});

case!(transaction_update_needs_an_expression, |ctx| {
    let t = t0(ctx).await;
    let e = expect_err!(
        ctx.backend()
            .transact_write_items(TransactWrite {
                items: vec![TransactWriteItem::Update(UpdateItem::new(&t, key("z", 1)))],
                ..TransactWrite::default()
            })
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Invalid UpdateExpression: The expression can not be empty;"
    );
    assert_eq!(ctx.get(&t, key("z", 1)).await, None);
});

case!(key_update_under_a_false_condition_is_a_conflict, |ctx| {
    let t = t0(ctx).await;
    ctx.put(&t, key("a", 1)).await;
    for k in [key("a", 1), key("missing", 1)] {
        expect_err!(
            ctx.backend()
                .update_item(
                    UpdateItem::new(&t, k)
                        .update_expression("SET pk = :a")
                        .condition_expression("attribute_exists(zz)")
                        .value(":a", "new"),
                )
                .await,
            Error::Conflict { .. }
        );
    }
    // Under a true condition, the key update is refused.
    let e = expect_err!(
        ctx.backend()
            .update_item(
                UpdateItem::new(&t, key("a", 1))
                    .update_expression("SET pk = :a")
                    .condition_expression("attribute_exists(pk)")
                    .value(":a", "new"),
            )
            .await,
        Error::InvalidRequest { .. }
    );
    assert!(message(&e).contains("Cannot update attribute pk"), "{e}");
});

case!(transaction_key_faults_are_reasons, |ctx| {
    let t1 = ctx
        .create(TableDefinition::new(
            ctx.table("t1"),
            KeySchema::hash("id", ScalarType::N),
        ))
        .await;
    let put = |item: Item| TransactWriteItem::Put(PutItem::new(&t1, item));
    let e = expect_err!(
        ctx.backend()
            .transact_write_items(TransactWrite {
                items: vec![
                    put(Item::new().with("id", 2)),
                    put(Item::new().with("id", "1")),
                ],
                ..TransactWrite::default()
            })
            .await,
        Error::TransactionCanceled { .. }
    );
    let Error::TransactionCanceled { reasons } = e else {
        unreachable!()
    };
    assert_eq!(reasons[0].code, CancellationCode::None);
    assert_eq!(reasons[1].code, CancellationCode::ValidationError);
    assert_eq!(
        reasons[1].message.as_deref(),
        Some("One or more parameter values were invalid: Type mismatch for key")
    );
    assert_eq!(ctx.get(&t1, Item::new().with("id", 2)).await, None);
    // A missing key attribute refuses the whole transaction.
    expect_err!(
        ctx.backend()
            .transact_write_items(TransactWrite {
                items: vec![
                    put(Item::new().with("id", 2)),
                    put(Item::new().with("x", 1))
                ],
                ..TransactWrite::default()
            })
            .await,
        Error::InvalidRequest { .. }
    );
});

case!(empty_projection_is_an_empty_item, |ctx| {
    let t = t0(ctx).await;
    ctx.put(&t, key("a", 1).with("x", 1)).await;
    let get = GetItem::new(&t, key("a", 1)).projection_expression("nothing");
    let one = ctx.backend().get_item(get.clone()).await.unwrap();
    assert_eq!(one.item, Some(Item::new()));
    let all = ctx
        .backend()
        .transact_get_items(TransactGet {
            items: vec![
                get,
                GetItem::new(&t, key("b", 1)).projection_expression("x"),
            ],
            ..TransactGet::default()
        })
        .await
        .unwrap();
    assert_eq!(
        all.items,
        vec![Some(Item::new()), None],
        "one rule for both reads"
    );
});

case!(local_index_ties_page_without_loss, |ctx| {
    // DynamoDB promises no order among items with equal local index keys;
    // every item comes exactly once across pages, whatever the order.
    let t = t0(ctx).await;
    for i in 0..6 {
        ctx.put(&t, key("t", 10 - i).with("ln", 1 + i % 2)).await;
    }
    for forward in [true, false] {
        let mut seen = Vec::new();
        let mut start = None;
        loop {
            let page = ctx
                .backend()
                .query(
                    Query::new(&t, &KeyCondition::hash("pk", "t"))
                        .index("li1")
                        .limit(2)
                        .forward(forward)
                        .start_after(start.take()),
                )
                .await
                .unwrap();
            let lns: Vec<AttributeValue> = page.items.iter().map(|i| i["ln"].clone()).collect();
            seen.extend(page.items.iter().map(|i| i["sk"].clone()));
            let mut sorted = lns.clone();
            sorted.sort_by(|a, b| a.as_n().cmp(&b.as_n()));
            if !forward {
                sorted.reverse();
            }
            assert_eq!(lns, sorted, "index key order within a page");
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        seen.sort_by(|a, b| a.as_n().cmp(&b.as_n()));
        let expected: Vec<AttributeValue> = (5..=10).map(|i| n(&i.to_string())).collect();
        assert_eq!(seen, expected, "forward {forward}");
    }
});

case!(start_key_and_between_messages, |ctx| {
    let t = t0(ctx).await;
    let b = ctx.backend();
    let e = expect_err!(
        b.query(
            Query::new(&t, &KeyCondition::hash("pk", "a"))
                .index("li1")
                .start_after(Some(Item::new().with("ln", 1).with("pk", "a")))
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Exclusive Start Key must have same size as table's key schema"
    );
    let e = expect_err!(
        b.query(
            Query::new(&t, &KeyCondition::hash("g", "g1"))
                .index("gi2")
                .start_after(Some(Item::new().with("g", "g1").with("pk", "a")))
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(message(&e), "The provided starting key is invalid");
    let e = expect_err!(
        b.put_item(
            PutItem::new(&t, key("a", 1))
                .condition_expression("a BETWEEN :lo AND :hi")
                .value(":lo", AttributeValue::B(vec![2]))
                .value(":hi", AttributeValue::B(vec![1]))
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {B:java.nio.HeapByteBuffer[pos=0 lim=1 cap=1]}, upper bound operand: AttributeValue: {B:java.nio.HeapByteBuffer[pos=0 lim=1 cap=1]}"
    );
});
