//! Conditions and updates, through the write operations.

use super::{case, case_list, expect_err, key_ps, key_s, message, n, s};
use crate::backend::{DeleteItem, PutItem, ReturnValues, UpdateItem};
use crate::error::Error;
use crate::expr::{Condition, SetOperand, Update, attr};
use crate::value::{AttributeValue, Item, ValueType};

case_list!("expressions": create_only_if_absent, failed_condition_returns_stored_item,
    condition_functions, comparison_semantics, guarded_delete, expression_errors_change_nothing,
    update_actions, update_creates_missing_item, update_arithmetic, update_lists, update_return_values,
    update_errors_change_nothing, update_key_attributes_refused, update_keeps_indexes_in_step,
    placeholder_messages, null_operands_refused);

case!(create_only_if_absent, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let guard = attr("id").not_exists();
    b.put_item(PutItem::new(&t, key_s("a").with("v", 1)).condition(&guard))
        .await
        .unwrap();
    expect_err!(
        b.put_item(PutItem::new(&t, key_s("a").with("v", 2)).condition(&guard))
            .await,
        Error::Conflict { .. }
    );
    assert_eq!(ctx.get(&t, key_s("a")).await.unwrap()["v"], n("1"));
});

case!(failed_condition_returns_stored_item, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let stored = key_s("a").with("v", 1);
    ctx.put(&t, stored.clone()).await;
    let cond = attr("v").eq(2);
    let e = expect_err!(
        b.put_item(
            PutItem::new(&t, key_s("a"))
                .condition(&cond)
                .return_old_on_condition_failure(true)
        )
        .await,
        Error::Conflict { .. }
    );
    match e {
        Error::Conflict {
            stored: Some(item), ..
        } => assert_eq!(*item, stored),
        other => panic!("expected the stored item, got {other:?}"),
    }
    let e = expect_err!(
        b.put_item(PutItem::new(&t, key_s("a")).condition(&cond))
            .await,
        Error::Conflict { .. }
    );
    assert!(
        matches!(e, Error::Conflict { stored: None, .. }),
        "not returned unless asked"
    );
    let e = expect_err!(
        b.update_item(
            UpdateItem::new(&t, key_s("a"))
                .update(&Update::new().set(attr("v"), 3))
                .condition(&cond)
                .return_old_on_condition_failure(true)
        )
        .await,
        Error::Conflict { .. }
    );
    assert!(matches!(
        e,
        Error::Conflict {
            stored: Some(_),
            ..
        }
    ));
    // No stored item to return when there is none.
    let e = expect_err!(
        b.delete_item(
            DeleteItem::new(&t, key_s("zz"))
                .condition(&attr("id").exists())
                .return_old_on_condition_failure(true)
        )
        .await,
        Error::Conflict { .. }
    );
    assert!(matches!(e, Error::Conflict { stored: None, .. }));
    assert_eq!(ctx.get(&t, key_s("a")).await, Some(stored));
});

/// Runs a condition against the stored item through a conditional update.
async fn holds(ctx: &super::Ctx, table: &str, cond: Condition) -> bool {
    let r = ctx
        .backend()
        .update_item(
            UpdateItem::new(table, key_s("x"))
                .update(&Update::new().set(attr("probe"), 1))
                .condition(&cond),
        )
        .await;
    match r {
        Ok(_) => true,
        Err(Error::Conflict { .. }) => false,
        Err(e) => panic!("condition {cond:?}: {e}"),
    }
}

fn sample() -> Item {
    key_s("x")
        .with("n", 5)
        .with("s", "héllo")
        .with("tags", AttributeValue::Ss(vec!["a".into(), "b".into()]))
        .with(
            "nums",
            AttributeValue::Ns(vec!["1".parse().unwrap(), "2".parse().unwrap()]),
        )
        .with("l", AttributeValue::L(vec![s("a"), n("1")]))
        .with("m", AttributeValue::M([("x".to_string(), n("1"))].into()))
        .with("bin", AttributeValue::B(vec![1, 2, 3]))
        .with("flag", true)
}

case!(condition_functions, |ctx| {
    let t = ctx.simple_table("t").await;
    ctx.put(&t, sample()).await;
    let checks: Vec<(Condition, bool)> = vec![
        (attr("m").key("x").exists(), true),
        (attr("m").key("y").not_exists(), true),
        (attr("tags").has_type(ValueType::Ss), true),
        (attr("n").has_type(ValueType::S), false),
        (attr("s").begins_with("hé"), true),
        (attr("bin").begins_with(AttributeValue::B(vec![1, 2])), true),
        (attr("n").begins_with("5"), false),
        (attr("s").contains("ll"), true),
        (attr("tags").contains("b"), true),
        (attr("nums").contains(n("2.0")), true),
        (attr("tags").contains(1), false),
        (attr("l").contains("a"), true),
        (attr("n").between(5, 6), true),
        (attr("n").between(6, 7), false),
        (attr("s").between("a", "z"), true),
        (attr("n").is_in([1, 5, 9]), true),
        (attr("n").is_in(["5"]), false),
        (attr("s").size().eq(5), true),
        (attr("tags").size().eq(2), true),
        (attr("m").size().eq(1), true),
        (attr("bin").size().eq(3), true),
        (attr("n").size().ge(0), false),
        (attr("nope").size().ge(0), false),
    ];
    for (cond, expected) in checks {
        assert_eq!(holds(ctx, &t, cond.clone()).await, expected, "{cond:?}");
    }
});

case!(comparison_semantics, |ctx| {
    let t = ctx.simple_table("t").await;
    ctx.put(&t, sample()).await;
    let checks: Vec<(Condition, bool)> = vec![
        (attr("n").eq(n("5.0")), true),
        (attr("n").eq("5"), false),
        (attr("n").ne("5"), true),
        (attr("nope").ne(1), true),
        (attr("nope").lt(1), false),
        (attr("n").lt("9"), false),
        (!attr("n").lt("9"), true),
        (
            attr("tags").eq(AttributeValue::Ss(vec!["b".into(), "a".into()])),
            true,
        ),
        (attr("n").gt(4).and(attr("n").lt(6)), true),
        (attr("n").gt(5).or(attr("flag").eq(true)), true),
        (attr("m").key("x").eq(attr("l").index(1)), true),
        (attr("s").gt("h").and(attr("s").lt("i")), true),
    ];
    for (cond, expected) in checks {
        assert_eq!(holds(ctx, &t, cond.clone()).await, expected, "{cond:?}");
    }
});

case!(guarded_delete, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    ctx.put(&t, key_s("a").with("version", 3)).await;
    expect_err!(
        b.delete_item(DeleteItem::new(&t, key_s("a")).condition(&attr("version").eq(2)))
            .await,
        Error::Conflict { .. }
    );
    assert!(ctx.get(&t, key_s("a")).await.is_some());
    b.delete_item(DeleteItem::new(&t, key_s("a")).condition(&attr("version").eq(3)))
        .await
        .unwrap();
    assert_eq!(ctx.get(&t, key_s("a")).await, None);
});

case!(expression_errors_change_nothing, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    ctx.put(&t, key_s("a").with("v", 1)).await;
    let bad: Vec<(UpdateItem, &str)> = vec![
        (
            UpdateItem::new(&t, key_s("a"))
                .update_expression("SET v = ")
                .value(":v", 1),
            "Syntax error",
        ),
        (
            UpdateItem::new(&t, key_s("a")).update_expression("SET v = :nope"),
            "attribute value: :nope",
        ),
        (
            UpdateItem::new(&t, key_s("a"))
                .update_expression("SET #nope = :v")
                .value(":v", 1),
            "attribute name: #nope",
        ),
        (
            UpdateItem::new(&t, key_s("a"))
                .update_expression("SET v = :v")
                .value(":v", 1)
                .value(":unused", 2),
            "unused in expressions",
        ),
        (
            UpdateItem::new(&t, key_s("a"))
                .update_expression("SET name = :v")
                .value(":v", 1),
            "reserved keyword: name",
        ),
        (
            UpdateItem::new(&t, key_s("a"))
                .update_expression("SET v = :v")
                .condition_expression("foo(v)")
                .value(":v", 1),
            "Invalid function name; function: foo",
        ),
        (
            UpdateItem::new(&t, key_s("a"))
                .update_expression("SET v = :v, v.x = :v")
                .value(":v", 1),
            "Two document paths overlap",
        ),
        (
            UpdateItem::new(&t, key_s("a"))
                .update_expression("SET v = :v")
                .condition_expression("v = v")
                .value(":v", 1),
            "The first operand must be distinct",
        ),
        (
            UpdateItem::new(&t, key_s("a"))
                .update_expression("ADD v :s")
                .value(":s", "x"),
            "Incorrect operand type",
        ),
    ];
    for (req, expected) in bad {
        let e = expect_err!(
            b.update_item(req.clone()).await,
            Error::InvalidRequest { .. }
        );
        assert!(message(&e).contains(expected), "{req:?}: {e}");
    }
    // Placeholders given with no expression to use them.
    let e = expect_err!(
        b.put_item(PutItem::new(&t, key_s("a")).value(":v", 1))
            .await,
        Error::InvalidRequest { .. }
    );
    assert!(
        message(&e).contains("can only be specified when using expressions"),
        "{e}"
    );
    assert_eq!(ctx.get(&t, key_s("a")).await, Some(key_s("a").with("v", 1)));
});

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
    // Even with no update expression, or only a REMOVE.
    b.update_item(UpdateItem::new(&t, key_s("bare")))
        .await
        .unwrap();
    assert_eq!(ctx.get(&t, key_s("bare")).await, Some(key_s("bare")));
    update_or_panic(ctx, &t, key_s("rm"), Update::new().remove(attr("x"))).await;
    assert_eq!(ctx.get(&t, key_s("rm")).await, Some(key_s("rm")));
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
    // DynamoDB returns whole top-level attributes for nested updates.
    assert_eq!(
        run(ReturnValues::UpdatedOld).await,
        Some(Item::new().with("a", 1).with("b", 2).with("m", m_old))
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
        Some(Item::new().with("a", 9).with("c", 9).with("m", m_new))
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
