//! Conditions, through the write operations (update expressions in
//! `updates.rs`).

use super::{case, case_list, expect_err, key_s, message, n, s};
use crate::backend::{DeleteItem, GetItem, PutItem, Scan, UpdateItem};
use crate::error::Error;
use crate::expr::{Condition, Update, attr};
use crate::value::{AttributeValue, Item, ValueType};

case_list!("expressions": create_only_if_absent, failed_condition_returns_stored_item,
    condition_functions, comparison_semantics, guarded_delete, expression_errors_change_nothing,
    list_indexes_and_clause_words_are_checked, function_operands_and_blank_text);

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

pub(super) fn sample() -> Item {
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
                .update_expression("SET v = :v")
                .condition_expression("v IN (:v, v)")
                .value(":v", 1),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: IN, first operand: [v]",
        ),
        (
            UpdateItem::new(&t, key_s("a"))
                .update_expression("SET v = :v")
                .condition_expression("v BETWEEN :v AND v")
                .value(":v", 1),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: BETWEEN, first operand: [v]",
        ),
        (
            UpdateItem::new(&t, key_s("a")).update_expression("SET q = if_not_exists(zz, zz)"),
            "Invalid UpdateExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: if_not_exists, first operand: [zz]",
        ),
        (
            UpdateItem::new(&t, key_s("a"))
                .update_expression("ADD v :s")
                .value(":s", "x"),
            "Incorrect operand type",
        ),
        (
            UpdateItem::new(&t, key_s("a"))
                .update_expression("SET l = list_append(:p, list_append(l, :q))")
                .value(":p", AttributeValue::L(vec![]))
                .value(":q", AttributeValue::L(vec![])),
            "Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: list_append",
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

case!(list_indexes_and_clause_words_are_checked, |ctx| {
    // DynamoDB's list indexes are 32-bit and written without leading
    // zeros; its clause words (SET, REMOVE, ADD, DELETE) are never names,
    // in any expression. Each refusal is Local's message and changes nothing.
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let list = || AttributeValue::L(vec![n("0"), n("1"), n("2")]);
    ctx.put(&t, key_s("a").with("l", list())).await;
    let update = |expr: &str| UpdateItem::new(&t, key_s("a")).update_expression(expr);
    let bad: Vec<(UpdateItem, &str)> = vec![
        (
            update("REMOVE l[01]"),
            r#"Invalid UpdateExpression: Syntax error; token: "1", near: "01]""#,
        ),
        (
            update("REMOVE l[007]"),
            r#"Invalid UpdateExpression: Syntax error; token: "0", near: "007""#,
        ),
        (
            update("REMOVE l[2147483648]"),
            "Invalid UpdateExpression: List index is not within the allowable range; index: [2147483648]",
        ),
        (
            update("REMOVE l[99999999999999999999999]"),
            "Invalid UpdateExpression: List index is not within the allowable range; index: [99999999999999999999999]",
        ),
        (
            update("SET remove = :v").value(":v", 1),
            r#"Invalid UpdateExpression: Syntax error; token: "remove", near: "SET remove =""#,
        ),
        (
            update("SET m.Delete = :v").value(":v", 1),
            r#"Invalid UpdateExpression: Syntax error; token: "Delete", near: ".Delete =""#,
        ),
        (
            update("SET v = :v")
                .condition_expression("set = :v")
                .value(":v", 1),
            r#"Invalid ConditionExpression: Syntax error; token: "set", near: "set =""#,
        ),
    ];
    for (req, expected) in bad {
        let e = expect_err!(
            b.update_item(req.clone()).await,
            Error::InvalidRequest { .. }
        );
        assert!(message(&e).contains(expected), "{req:?}: {e}");
    }
    let e = expect_err!(
        b.get_item(GetItem::new(&t, key_s("a")).projection_expression("l[0], l[2147483648]"))
            .await,
        Error::InvalidRequest { .. }
    );
    assert!(
        message(&e).contains(
            "Invalid ProjectionExpression: List index is not within the allowable range; index: [2147483648]"
        ),
        "{e}"
    );
    assert_eq!(
        ctx.get(&t, key_s("a")).await,
        Some(key_s("a").with("l", list()))
    );
    // The largest index is valid: past the end, REMOVE changes nothing.
    b.update_item(update("REMOVE l[2147483647], l[0]"))
        .await
        .unwrap();
    let got = ctx.get(&t, key_s("a")).await.unwrap();
    assert_eq!(got["l"], AttributeValue::L(vec![n("1"), n("2")]));
});

case!(function_operands_and_blank_text, |ctx| {
    // What DynamoDB Local answers: a `size()` is a number wherever it is an
    // operand, so a function that refuses numbers refuses it before any
    // item is read; blank text is a syntax error at its end (only the empty
    // text is "empty"). (`size` and `convert` as bare names: a listed
    // difference, see the emulator's module docs.)
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let stored = key_s("a")
        .with("s", "abc")
        .with("l", AttributeValue::L(vec![n("1")]));
    ctx.put(&t, stored.clone()).await;
    let guarded = |condition: &str| {
        UpdateItem::new(&t, key_s("a"))
            .update_expression("SET x = :one")
            .condition_expression(condition)
            .value(":one", 1)
    };
    let type_error = |f: &str| {
        format!(
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: {f}, operand type: N"
        )
    };
    for (condition, f) in [
        ("size(size(s)) = :one", "size"),
        ("size(size(l)) > :one", "size"),
        ("size(:one) = :one", "size"),
        ("begins_with(s, size(l))", "begins_with"),
        ("attribute_type(s, size(l))", "attribute_type"),
    ] {
        let e = expect_err!(
            b.update_item(guarded(condition)).await,
            Error::InvalidRequest { .. }
        );
        assert_eq!(message(&e), type_error(f), "{condition}");
    }
    // The type of attribute_type must be a value, never a path (whatever
    // the item holds there).
    let e = expect_err!(
        b.update_item(guarded("attribute_type(s, l)")).await,
        Error::InvalidRequest { .. }
    );
    // (Local lists the types a path may have in its hash set's order,
    // which changes from run to run.)
    let m = message(&e);
    assert!(
        m.starts_with("Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {"),
        "{m}"
    );
    // A number is a fine operand of these: they are evaluated.
    for condition in ["contains(s, size(l))", "size(l) BETWEEN size(s) AND :one"] {
        expect_err!(
            b.update_item(guarded(condition)).await,
            Error::Conflict { .. }
        );
    }
    assert_eq!(ctx.get(&t, key_s("a")).await, Some(stored.clone()));

    let blank = " \t\n ";
    let syntax =
        |kind: &str| format!("Invalid {kind}: Syntax error; token: \"<EOF>\", near: \"{blank}\"");
    let e = expect_err!(
        b.update_item(UpdateItem::new(&t, key_s("a")).update_expression(blank))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(message(&e), syntax("UpdateExpression"));
    let e = expect_err!(
        b.put_item(PutItem::new(&t, key_s("a")).condition_expression(blank))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(message(&e), syntax("ConditionExpression"));
    let e = expect_err!(
        b.get_item(GetItem::new(&t, key_s("a")).projection_expression(blank))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(message(&e), syntax("ProjectionExpression"));
    let e = expect_err!(
        b.scan(Scan::new(&t).filter_expression(blank)).await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(message(&e), syntax("FilterExpression"));

    // `size` is not a function an update may call.
    let e = expect_err!(
        b.update_item(UpdateItem::new(&t, key_s("a")).update_expression("SET x = size(s)"))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Invalid UpdateExpression: The function is not allowed in an update expression; function: size"
    );
    assert_eq!(ctx.get(&t, key_s("a")).await, Some(stored));
});
