//! Update expressions, through UpdateItem: actions, arithmetic, lists,
//! return values, errors, placeholders.

use super::expressions::sample;
use super::{case, case_list, expect_err, key_ps, key_s, message, n, s};
use crate::backend::{DeleteItem, ReturnValues, TransactWrite, TransactWriteItem, UpdateItem};
use crate::error::Error;
use crate::expr::{SetOperand, Update, attr};
use crate::value::{AttributeValue, Item};

case_list!("expressions": update_actions, update_creates_missing_item, update_arithmetic,
    update_lists, update_return_values, update_errors_change_nothing, update_key_attributes_refused,
    update_keeps_indexes_in_step, placeholder_messages, null_operands_refused);

async fn update(ctx: &super::Ctx, table: &str, key: Item, u: Update) -> Item {
    ctx.backend()
        .update_item(
            UpdateItem::new(table, key)
                .update(&u)
                .return_values(ReturnValues::AllNew),
        )
        .await
        .unwrap_or_else(|e| panic!("{u:?}: {e}"))
        .attributes
        .expect("ALL_NEW returns the item")
}

case!(update_actions, |ctx| {
    let t = ctx.simple_table("t").await;
    ctx.put(&t, sample()).await;
    let it = update(
        ctx,
        &t,
        key_s("x"),
        Update::new()
            .set(attr("copy"), attr("n"))
            .set(attr("n"), 9)
            .set(attr("m").key("y"), "new")
            .remove(attr("flag"))
            .add(attr("tags"), AttributeValue::Ss(vec!["c".into()]))
            .add(attr("counter"), 3)
            .delete(
                attr("nums"),
                AttributeValue::Ns(vec!["1".parse().unwrap(), "2".parse().unwrap()]),
            ),
    )
    .await;
    assert_eq!(it["copy"], n("5"), "SET values are read before the update");
    assert_eq!(it["n"], n("9"));
    assert_eq!(it["m"].as_m().unwrap()["y"], s("new"));
    assert!(!it.contains_key("flag"));
    assert_eq!(
        it["tags"],
        AttributeValue::Ss(vec!["a".into(), "b".into(), "c".into()])
    );
    assert_eq!(it["counter"], n("3"));
    assert!(
        !it.contains_key("nums"),
        "a DELETE that empties a set removes it"
    );
});

case!(update_creates_missing_item, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let it = update(ctx, &t, key_s("new"), Update::new().add(attr("count"), 1)).await;
    assert_eq!(it, key_s("new").with("count", 1));
    // Even with no update expression.
    b.update_item(UpdateItem::new(&t, key_s("bare")))
        .await
        .unwrap();
    assert_eq!(ctx.get(&t, key_s("bare")).await, Some(key_s("bare")));
    // An update that only takes away (REMOVE, DELETE) creates nothing, and
    // returns nothing for ALL_NEW: DynamoDB's answer. DynamoDB Local creates
    // the item from its key. A nested path into the absent item is refused
    // by both.
    let local = ctx.reference() == super::Reference::DynamoDbLocal;
    for (id, u) in [
        ("rm", Update::new().remove(attr("x"))),
        (
            "del",
            Update::new().delete(attr("tags"), AttributeValue::Ss(vec!["a".into()])),
        ),
        ("nested", Update::new().remove(attr("x").key("y"))),
    ] {
        let out = b
            .update_item(
                UpdateItem::new(&t, key_s(id))
                    .update(&u)
                    .return_values(ReturnValues::AllNew),
            )
            .await;
        match (local, id) {
            (_, "nested") => {
                expect_err!(out, Error::InvalidRequest { .. });
            }
            (true, _) => {
                assert_eq!(out.unwrap().attributes, Some(key_s(id)));
                assert_eq!(ctx.get(&t, key_s(id)).await, Some(key_s(id)));
            }
            (false, _) => {
                assert_eq!(out.unwrap_or_else(|e| panic!("{id}: {e}")).attributes, None);
                assert_eq!(ctx.get(&t, key_s(id)).await, None, "{id}");
            }
        }
    }
    // A transaction's update alike.
    let tx = b
        .transact_write_items(TransactWrite {
            items: vec![TransactWriteItem::Update(
                UpdateItem::new(&t, key_s("tx")).update(&Update::new().remove(attr("x"))),
            )],
            ..TransactWrite::default()
        })
        .await;
    tx.unwrap();
    let want = local.then(|| key_s("tx"));
    assert_eq!(ctx.get(&t, key_s("tx")).await, want);
    // Taking away from a present item writes it as always.
    ctx.put(&t, key_s("here").with("x", 1)).await;
    update_or_panic(ctx, &t, key_s("here"), Update::new().remove(attr("x"))).await;
    assert_eq!(ctx.get(&t, key_s("here")).await, Some(key_s("here")));
});

async fn update_or_panic(ctx: &super::Ctx, table: &str, key: Item, u: Update) {
    ctx.backend()
        .update_item(UpdateItem::new(table, key).update(&u))
        .await
        .unwrap_or_else(|e| panic!("{u:?}: {e}"));
}

case!(update_arithmetic, |ctx| {
    let t = ctx.simple_table("t").await;
    ctx.put(
        &t,
        key_s("a")
            .with("x", n("0.1"))
            .with("big", n(&"9".repeat(38))),
    )
    .await;
    let it = update(
        ctx,
        &t,
        key_s("a"),
        Update::new().set(attr("x"), attr("x").plus(n("0.2"))),
    )
    .await;
    assert_eq!(it["x"], n("0.3"), "exact decimal arithmetic");
    let it = update(
        ctx,
        &t,
        key_s("a"),
        Update::new().set(attr("big"), attr("big").plus(1)),
    )
    .await;
    assert_eq!(it["big"], n("1E38"));
    let it = update(
        ctx,
        &t,
        key_s("a"),
        Update::new().set(attr("c"), attr("c").if_not_exists(0).plus(1)),
    )
    .await;
    assert_eq!(it["c"], n("1"));
    let it = update(
        ctx,
        &t,
        key_s("a"),
        Update::new().set(attr("c"), attr("c").minus(5)),
    )
    .await;
    assert_eq!(it["c"], n("-4"));
    let e = expect_err!(
        ctx.backend()
            .update_item(
                UpdateItem::new(&t, key_s("a"))
                    .update(&Update::new().set(attr("x"), attr("x").plus(n("1E-40"))))
            )
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "DynamoDB only supports precision up to 38 digits"
    );
    // A sum in parentheses is a whole value, not an operand of another.
    let b = ctx.backend();
    let sum = |text: &str| {
        UpdateItem::new(&t, key_s("a"))
            .update_expression(text)
            .value(":a", 1)
            .value(":b", 2)
            .return_values(ReturnValues::AllNew)
    };
    let out = b.update_item(sum("SET s = (:a + :b)")).await.unwrap();
    assert_eq!(out.attributes.unwrap()["s"], n("3"));
    let out = b.update_item(sum("SET s = (:a) - :b")).await.unwrap();
    assert_eq!(out.attributes.unwrap()["s"], n("-1"));
    let e = expect_err!(
        b.update_item(sum("SET s = (:a + :b) + :a")).await,
        Error::InvalidRequest { .. }
    );
    assert!(
        message(&e).starts_with("Invalid UpdateExpression: Syntax error"),
        "{e:?}"
    );
});

case!(update_lists, |ctx| {
    let t = ctx.simple_table("t").await;
    ctx.put(
        &t,
        key_s("a").with("l", AttributeValue::L(vec![s("a"), s("b")])),
    )
    .await;
    let it = update(
        ctx,
        &t,
        key_s("a"),
        Update::new().set(
            attr("l"),
            SetOperand::list_append(attr("l"), AttributeValue::L(vec![s("c")])),
        ),
    )
    .await;
    assert_eq!(it["l"], AttributeValue::L(vec![s("a"), s("b"), s("c")]));
    let it = update(
        ctx,
        &t,
        key_s("a"),
        Update::new().set(
            attr("l"),
            SetOperand::list_append(AttributeValue::L(vec![s("z")]), attr("l")),
        ),
    )
    .await;
    assert_eq!(
        it["l"],
        AttributeValue::L(vec![s("z"), s("a"), s("b"), s("c")])
    );
    let it = update(
        ctx,
        &t,
        key_s("a"),
        Update::new()
            .set(attr("l").index(20), "q")
            .set(attr("l").index(10), "p"),
    )
    .await;
    assert_eq!(
        it["l"].as_l().unwrap()[4..],
        [s("p"), s("q")],
        "past the end appends, in index order"
    );
    let it = update(
        ctx,
        &t,
        key_s("a"),
        Update::new()
            .remove(attr("l").index(0))
            .remove(attr("l").index(1)),
    )
    .await;
    assert_eq!(
        it["l"],
        AttributeValue::L(vec![s("b"), s("c"), s("p"), s("q")]),
        "old indices"
    );
    let it = update(
        ctx,
        &t,
        key_s("a"),
        Update::new().remove(attr("l").index(100)),
    )
    .await;
    assert_eq!(it["l"].as_l().unwrap().len(), 4, "out of range is a no-op");
});

case!(update_return_values, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let start = key_s("a").with("a", 1).with("b", 2).with(
        "m",
        AttributeValue::M([("x".to_string(), n("1")), ("y".to_string(), n("2"))].into()),
    );
    let u = Update::new()
        .set(attr("a"), 9)
        .set(attr("m").key("x"), 9)
        .set(attr("c"), 9)
        .remove(attr("b"));
    let run = |rv| {
        let (t, u, start) = (t.clone(), u.clone(), start.clone());
        async move {
            ctx.put(&t, start).await;
            b.update_item(UpdateItem::new(&t, key_s("a")).update(&u).return_values(rv))
                .await
                .unwrap()
                .attributes
        }
    };
    assert_eq!(run(ReturnValues::None).await, None);
    assert_eq!(run(ReturnValues::AllOld).await, Some(start.clone()));
    let m_old = AttributeValue::M([("x".to_string(), n("1")), ("y".to_string(), n("2"))].into());
    let m_new = AttributeValue::M([("x".to_string(), n("9")), ("y".to_string(), n("2"))].into());
    // DynamoDB returns the updated paths, nested as in the item; DynamoDB
    // Local returns whole top-level attributes.
    let local = ctx.reference() == super::Reference::DynamoDbLocal;
    let only_x = |v: &str| AttributeValue::M([("x".to_string(), n(v))].into());
    let (m_old_updated, m_new_updated) = if local {
        (m_old.clone(), m_new.clone())
    } else {
        (only_x("1"), only_x("9"))
    };
    assert_eq!(
        run(ReturnValues::UpdatedOld).await,
        Some(
            Item::new()
                .with("a", 1)
                .with("b", 2)
                .with("m", m_old_updated)
        )
    );
    assert_eq!(
        run(ReturnValues::AllNew).await,
        Some(
            key_s("a")
                .with("a", 9)
                .with("c", 9)
                .with("m", m_new.clone())
        )
    );
    assert_eq!(
        run(ReturnValues::UpdatedNew).await,
        Some(
            Item::new()
                .with("a", 9)
                .with("c", 9)
                .with("m", m_new_updated)
        )
    );
    // Nothing old to return for a new item.
    let out = b
        .update_item(
            UpdateItem::new(&t, key_s("fresh"))
                .update(&Update::new().set(attr("v"), 1))
                .return_values(ReturnValues::UpdatedOld),
        )
        .await
        .unwrap();
    assert_eq!(out.attributes, None);
});

case!(update_errors_change_nothing, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let stored = sample();
    ctx.put(&t, stored.clone()).await;
    let bad: Vec<(Update, &str)> = vec![
        (
            Update::new().set(attr("v"), attr("missing").plus(1)),
            "refers to an attribute that does not exist",
        ),
        (
            Update::new().set(attr("v"), attr("s").plus(1)),
            "incorrect data type",
        ),
        (Update::new().add(attr("s"), 1), "incorrect data type"),
        (
            Update::new().set(
                attr("l"),
                SetOperand::list_append(attr("n"), AttributeValue::L(vec![])),
            ),
            "incorrect data type",
        ),
        (
            Update::new().set(attr("nope").key("x"), 1),
            "document path provided in the update expression is invalid",
        ),
        (
            Update::new().set(attr("m").index(0), 1),
            "document path provided in the update expression is invalid",
        ),
        (
            Update::new().remove(attr("nope").key("x").key("y")),
            "document path provided in the update expression is invalid",
        ),
        (
            Update::new().set(attr("ok"), 1).add(attr("s"), 1),
            "incorrect data type",
        ),
    ];
    for (u, expected) in bad {
        let e = expect_err!(
            b.update_item(UpdateItem::new(&t, key_s("x")).update(&u))
                .await,
            Error::InvalidRequest { .. }
        );
        assert!(message(&e).contains(expected), "{u:?}: {e}");
    }
    assert_eq!(ctx.get(&t, key_s("x")).await, Some(stored));
});

case!(update_key_attributes_refused, |ctx| {
    let t = ctx.ranged_table("t").await;
    let b = ctx.backend();
    ctx.put(&t, key_ps("k", 1)).await;
    for u in [
        Update::new().set(attr("pk"), "other"),
        Update::new().remove(attr("sk")),
        Update::new().add(attr("sk"), 1),
    ] {
        let e = expect_err!(
            b.update_item(UpdateItem::new(&t, key_ps("k", 1)).update(&u))
                .await,
            Error::InvalidRequest { .. }
        );
        assert!(
            message(&e).contains("This attribute is part of the key"),
            "{e}"
        );
    }
    assert_eq!(ctx.get(&t, key_ps("k", 1)).await, Some(key_ps("k", 1)));
});

case!(update_keeps_indexes_in_step, |ctx| {
    let t = ctx.ranged_table("t").await;
    let b = ctx.backend();
    let gsi_items = |g: &'static str| {
        let t = t.clone();
        async move {
            b.query(
                crate::backend::Query::new(&t, &crate::expr::KeyCondition::hash("g", g))
                    .index("gsi1"),
            )
            .await
            .unwrap()
            .items
        }
    };
    ctx.put(&t, key_ps("k", 1).with("g", "A")).await;
    assert_eq!(gsi_items("A").await.len(), 1);
    update_or_panic(ctx, &t, key_ps("k", 1), Update::new().set(attr("g"), "B")).await;
    assert!(
        gsi_items("A").await.is_empty(),
        "the old index entry is gone"
    );
    assert_eq!(gsi_items("B").await.len(), 1);
    update_or_panic(ctx, &t, key_ps("k", 1), Update::new().remove(attr("g"))).await;
    assert!(gsi_items("B").await.is_empty(), "indexes are sparse");
    update_or_panic(ctx, &t, key_ps("k", 1), Update::new().set(attr("g"), "C")).await;
    b.delete_item(DeleteItem::new(&t, key_ps("k", 1)))
        .await
        .unwrap();
    assert!(gsi_items("C").await.is_empty());
});

case!(placeholder_messages, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let e = expect_err!(
        b.update_item(
            UpdateItem::new(&t, key_s("a"))
                .update_expression("SET v = :v")
                .value(":v", 1)
                .value(":unused", 1)
                .value(":u2", 1)
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused, :u2}"
    );
    let e = expect_err!(
        b.update_item(
            UpdateItem::new(&t, key_s("a"))
                .update_expression("SET v = :v")
                .value(":v", 1)
                .name("#unused", "x")
                .name("#u2", "y")
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#u2, #unused}"
    );
    let e = expect_err!(
        b.update_item(
            UpdateItem::new(&t, key_s("a"))
                .update_expression("SET v = :v")
                .value(":v", 1)
                .value(":zz", 1)
                .name("#x", "x")
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert!(
        message(&e).contains("ExpressionAttributeNames"),
        "names are reported first: {e}"
    );
    let e = expect_err!(
        b.update_item(UpdateItem::new(&t, key_s("a")).value(":v", 1))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and ConditionExpression are null"
    );
    assert_eq!(ctx.get(&t, key_s("a")).await, None);
});

case!(null_operands_refused, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let e = expect_err!(
        b.update_item(
            UpdateItem::new(&t, key_s("a"))
                .update_expression("ADD x :v")
                .value(":v", AttributeValue::Null)
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: NULL, typeSet: ALLOWED_FOR_ADD_OPERAND"
    );
    let e = expect_err!(
        b.update_item(
            UpdateItem::new(&t, key_s("a"))
                .update_expression("DELETE x :v")
                .value(":v", AttributeValue::Null)
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert!(
        message(&e).contains("operator: DELETE, operand type: NULL"),
        "{e}"
    );
    assert_eq!(ctx.get(&t, key_s("a")).await, None);
});
