//! Transactions.

use super::{case, case_list, expect_err, key_s, message, n};
use crate::backend::{
    ConditionCheck, DeleteItem, GetItem, PutItem, TransactGet, TransactWrite, TransactWriteItem,
    UpdateItem,
};
use crate::error::{CancellationCode, Error};
use crate::expr::{Projection, Update, attr};
use crate::value::Item;

case_list!("transactions": write_across_tables, cancellation_reasons_in_order, cancelled_writes_nothing,
    failed_condition_skips_the_action, write_limits, idempotent_tokens, key_update_cancels, get_from_one_snapshot,
    transaction_capacity, payloads_over_four_megabytes, put_of_an_item_too_large);

fn put(t: &str, item: Item) -> TransactWriteItem {
    TransactWriteItem::Put(PutItem::new(t, item))
}

case!(write_across_tables, |ctx| {
    let a = ctx.simple_table("a").await;
    let b_table = ctx.simple_table("b").await;
    ctx.put(&a, key_s("counter").with("n", 1)).await;
    ctx.put(&a, key_s("gone")).await;
    ctx.put(&b_table, key_s("guard").with("open", true)).await;
    ctx.backend()
        .transact_write_items(TransactWrite {
            items: vec![
                put(&a, key_s("new").with("v", 1)),
                TransactWriteItem::Update(
                    UpdateItem::new(&a, key_s("counter")).update(&Update::new().add(attr("n"), 1)),
                ),
                TransactWriteItem::Delete(DeleteItem::new(&a, key_s("gone"))),
                TransactWriteItem::ConditionCheck(ConditionCheck::new(
                    &b_table,
                    key_s("guard"),
                    &attr("open").eq(true),
                )),
            ],
            ..TransactWrite::default()
        })
        .await
        .unwrap();
    assert_eq!(
        ctx.get(&a, key_s("new")).await,
        Some(key_s("new").with("v", 1))
    );
    assert_eq!(ctx.get(&a, key_s("counter")).await.unwrap()["n"], n("2"));
    assert_eq!(ctx.get(&a, key_s("gone")).await, None);
});

case!(cancellation_reasons_in_order, |ctx| {
    let t = ctx.simple_table("t").await;
    ctx.put(&t, key_s("c").with("v", 1)).await;
    ctx.put(&t, key_s("u").with("v", 1)).await;
    let mut check = ConditionCheck::new(&t, key_s("c"), &attr("v").eq(2));
    check.return_values_on_condition_check_failure = true;
    let e = expect_err!(
        ctx.backend()
            .transact_write_items(TransactWrite {
                items: vec![
                    put(&t, key_s("p1")),
                    TransactWriteItem::ConditionCheck(check),
                    TransactWriteItem::Delete(DeleteItem::new(&t, key_s("d"))),
                    TransactWriteItem::Update(
                        UpdateItem::new(&t, key_s("u"))
                            .update(&Update::new().set(attr("v"), 5))
                            .condition(&attr("v").eq(3)),
                    ),
                    put(&t, key_s("p2")).clone(),
                ],
                ..TransactWrite::default()
            })
            .await,
        Error::TransactionCanceled { .. }
    );
    let Error::TransactionCanceled { reasons } = e else {
        unreachable!()
    };
    let codes: Vec<&CancellationCode> = reasons.iter().map(|r| &r.code).collect();
    assert_eq!(
        codes,
        [
            &CancellationCode::None,
            &CancellationCode::ConditionalCheckFailed,
            &CancellationCode::None,
            &CancellationCode::ConditionalCheckFailed,
            &CancellationCode::None
        ]
    );
    assert_eq!(reasons[0].message, None);
    assert_eq!(
        reasons[1].message.as_deref(),
        Some("The conditional request failed.")
    );
    assert_eq!(
        reasons[3].message.as_deref(),
        Some("The conditional request failed")
    );
    assert_eq!(
        reasons[1].item,
        Some(key_s("c").with("v", 1)),
        "asked for: the stored item"
    );
    assert_eq!(reasons[3].item, None, "not asked for");
});

case!(cancelled_writes_nothing, |ctx| {
    let t = ctx.simple_table("t").await;
    ctx.put(&t, key_s("x").with("v", 1)).await;
    expect_err!(
        ctx.backend()
            .transact_write_items(TransactWrite {
                items: vec![
                    put(&t, key_s("a")),
                    TransactWriteItem::Update(
                        UpdateItem::new(&t, key_s("x")).update(&Update::new().set(attr("v"), 2))
                    ),
                    TransactWriteItem::ConditionCheck(ConditionCheck::new(
                        &t,
                        key_s("nobody"),
                        &attr("id").exists()
                    )),
                ],
                ..TransactWrite::default()
            })
            .await,
        Error::TransactionCanceled { .. }
    );
    assert_eq!(ctx.get(&t, key_s("a")).await, None);
    assert_eq!(ctx.get(&t, key_s("x")).await.unwrap()["v"], n("1"));
    // A runtime error in one action cancels the transaction with a
    // ValidationError reason for it, as DynamoDB documents (DynamoDB Local
    // answers a plain validation error); nothing is written either way.
    let result = ctx
        .backend()
        .transact_write_items(TransactWrite {
            items: vec![
                put(&t, key_s("a")),
                TransactWriteItem::Update(
                    UpdateItem::new(&t, key_s("x"))
                        .update(&Update::new().set(attr("v"), attr("missing").plus(1))),
                ),
            ],
            ..TransactWrite::default()
        })
        .await;
    match ctx.reference() {
        super::Reference::Emulator => {
            let e = expect_err!(result, Error::TransactionCanceled { .. });
            let Error::TransactionCanceled { reasons } = &e else {
                unreachable!()
            };
            assert_eq!(reasons[0].code, CancellationCode::None);
            assert_eq!(reasons[1].code, CancellationCode::ValidationError);
            let m = reasons[1].message.clone().unwrap_or_default();
            assert!(m.contains("does not exist in the item"), "{m}");
        }
        super::Reference::DynamoDbLocal => {
            let e = expect_err!(result, Error::InvalidRequest { .. });
            assert!(message(&e).contains("does not exist in the item"), "{e}");
        }
    }
    assert_eq!(ctx.get(&t, key_s("a")).await, None);
});

case!(write_limits, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let puts = |n: usize| TransactWrite {
        items: (0..n).map(|i| put(&t, key_s(&format!("k{i}")))).collect(),
        ..TransactWrite::default()
    };
    let e = expect_err!(
        b.transact_write_items(puts(101)).await,
        Error::LimitExceeded { .. }
    );
    assert!(
        message(&e).contains("Member must have length less than or equal to 100"),
        "{e}"
    );
    let e = expect_err!(
        b.transact_write_items(puts(0)).await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Value [] at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
    let e = expect_err!(
        b.transact_write_items(TransactWrite {
            items: vec![
                put(&t, key_s("same")),
                TransactWriteItem::Update(
                    UpdateItem::new(&t, key_s("same")).update(&Update::new().set(attr("v"), 1))
                ),
            ],
            ..TransactWrite::default()
        })
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Transaction request cannot include multiple operations on one item"
    );
    expect_err!(
        b.transact_write_items(TransactWrite {
            items: vec![
                put(&t, key_s("ok")),
                put(
                    &t,
                    key_s("bad").with("s", crate::AttributeValue::Ss(vec![]))
                )
            ],
            ..TransactWrite::default()
        })
        .await,
        Error::InvalidRequest { .. }
    );
    expect_err!(
        b.transact_write_items(TransactWrite {
            items: vec![put(&t, key_s("ok")), put(&ctx.table("nope"), key_s("x"))],
            ..TransactWrite::default()
        })
        .await,
        Error::TableNotFound { .. }
    );
    // Missing tables and repeated items are found in request order.
    let nope = ctx.table("nope");
    for (items, missing) in [
        (
            vec![
                put(&t, key_s("z")),
                put(&nope, key_s("z")),
                put(&t, key_s("z")),
            ],
            true,
        ),
        (
            vec![
                put(&t, key_s("z")),
                put(&t, key_s("z")),
                put(&nope, key_s("z")),
            ],
            false,
        ),
    ] {
        let e = b
            .transact_write_items(TransactWrite {
                items,
                ..TransactWrite::default()
            })
            .await
            .unwrap_err();
        if missing {
            assert!(matches!(e, Error::TableNotFound { .. }), "{e:?}");
        } else {
            assert_eq!(
                message(&e),
                "Transaction request cannot include multiple operations on one item"
            );
        }
    }
    assert_eq!(ctx.get(&t, key_s("ok")).await, None);
    assert_eq!(ctx.get(&t, key_s("k0")).await, None);
    b.transact_write_items(puts(100)).await.unwrap();
    assert!(ctx.get(&t, key_s("k99")).await.is_some());
});

case!(idempotent_tokens, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let token = format!("tok-{}", &ctx.table("x")[..8]);
    let tx = |v: i64| TransactWrite {
        items: vec![TransactWriteItem::Update(
            UpdateItem::new(&t, key_s("c")).update(&Update::new().add(attr("n"), v)),
        )],
        client_request_token: Some(token.clone()),
        ..TransactWrite::default()
    };
    b.transact_write_items(tx(1)).await.unwrap();
    let mut replay = tx(1);
    replay.return_consumed_capacity = crate::backend::ReturnConsumedCapacity::Total;
    let out = b.transact_write_items(replay).await.unwrap();
    assert_eq!(
        out.consumed_capacity[0].capacity_units, 2.0,
        "a replay costs one unit per table, doubled"
    );
    assert_eq!(
        ctx.get(&t, key_s("c")).await.unwrap()["n"],
        n("1"),
        "the same request again is not applied again"
    );
    expect_err!(
        b.transact_write_items(tx(2)).await,
        Error::IdempotencyMismatch { .. }
    );
    assert_eq!(ctx.get(&t, key_s("c")).await.unwrap()["n"], n("1"));
    // A token longer than 36 characters is refused.
    let mut long = tx(1);
    long.client_request_token = Some("a".repeat(37));
    expect_err!(
        b.transact_write_items(long).await,
        Error::InvalidRequest { .. }
    );
});

case!(key_update_cancels, |ctx| {
    let t = ctx.simple_table("t").await;
    ctx.put(&t, key_s("a")).await;
    let e = expect_err!(
        ctx.backend()
            .transact_write_items(TransactWrite {
                items: vec![TransactWriteItem::Update(
                    UpdateItem::new(&t, key_s("a")).update(&Update::new().set(attr("id"), "b"))
                )],
                ..TransactWrite::default()
            })
            .await,
        Error::TransactionCanceled { .. }
    );
    let Error::TransactionCanceled { reasons } = e else {
        unreachable!()
    };
    assert_eq!(reasons[0].code, CancellationCode::ValidationError);
    assert!(
        reasons[0]
            .message
            .as_deref()
            .unwrap_or("")
            .contains("part of the key")
    );
});

case!(get_from_one_snapshot, |ctx| {
    let a = ctx.simple_table("a").await;
    let b_table = ctx.simple_table("b").await;
    ctx.put(&a, key_s("x").with("v", 1).with("w", 2)).await;
    ctx.put(&b_table, key_s("y").with("v", 3)).await;
    let out = ctx
        .backend()
        .transact_get_items(TransactGet {
            items: vec![
                GetItem::new(&a, key_s("x")).projection(&Projection::attributes(["w"])),
                GetItem::new(&a, key_s("missing")),
                GetItem::new(&b_table, key_s("y")),
            ],
            ..TransactGet::default()
        })
        .await
        .unwrap();
    assert_eq!(
        out.items,
        vec![
            Some(Item::new().with("w", 2)),
            None,
            Some(key_s("y").with("v", 3))
        ]
    );
    let e = expect_err!(
        ctx.backend()
            .transact_get_items(TransactGet {
                items: vec![GetItem::new(&a, key_s("x")), GetItem::new(&a, key_s("x"))],
                ..TransactGet::default()
            })
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Transaction request cannot include multiple operations on one item"
    );
    let many = TransactGet {
        items: (0..101)
            .map(|i| GetItem::new(&a, key_s(&format!("k{i}"))))
            .collect(),
        ..TransactGet::default()
    };
    expect_err!(
        ctx.backend().transact_get_items(many).await,
        Error::LimitExceeded { .. }
    );
});

case!(failed_condition_skips_the_action, |ctx| {
    // An increment only if the item exists: on a missing item the condition
    // fails, and the update (which would fail too) is not evaluated.
    let t = ctx.simple_table("t").await;
    let e = expect_err!(
        ctx.backend()
            .transact_write_items(TransactWrite {
                items: vec![TransactWriteItem::Update(
                    UpdateItem::new(&t, key_s("missing"))
                        .update(&Update::new().set(attr("n"), attr("n").plus(1)))
                        .condition(&attr("id").exists()),
                )],
                ..TransactWrite::default()
            })
            .await,
        Error::TransactionCanceled { .. }
    );
    let Error::TransactionCanceled { reasons } = e else {
        unreachable!()
    };
    assert_eq!(reasons.len(), 1);
    assert_eq!(reasons[0].code, CancellationCode::ConditionalCheckFailed);
    assert_eq!(ctx.get(&t, key_s("missing")).await, None);
});

case!(transaction_capacity, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    ctx.put(&t, key_s("big").with("d", "x".repeat(9_000))).await;
    // A condition check is a strongly consistent read of its item, doubled.
    let out = b
        .transact_write_items(TransactWrite {
            items: vec![TransactWriteItem::ConditionCheck(ConditionCheck::new(
                &t,
                key_s("big"),
                &attr("id").exists(),
            ))],
            return_consumed_capacity: crate::backend::ReturnConsumedCapacity::Total,
            ..TransactWrite::default()
        })
        .await
        .unwrap();
    assert_eq!(out.consumed_capacity[0].capacity_units, 6.0);
    // Writes are doubled too: 1 KB and 5 KB cost 2 x (1 + 5).
    let out = b
        .transact_write_items(TransactWrite {
            items: vec![
                put(&t, key_s("a").with("d", "x".repeat(1_000))),
                put(&t, key_s("b").with("d", "x".repeat(5_100))),
            ],
            return_consumed_capacity: crate::backend::ReturnConsumedCapacity::Total,
            ..TransactWrite::default()
        })
        .await
        .unwrap();
    assert_eq!(out.consumed_capacity[0].capacity_units, 12.0);
});

case!(payloads_over_four_megabytes, |ctx| {
    // DynamoDB Local sums the payload in request order and stops at the
    // action that crosses 4 MB (4,194,304 bytes): a put counts its item, and
    // each of these items is 390,006 bytes ("id" and a 3-byte id, "f" and
    // 390,000 bytes), so ten pass and the eleventh crosses at 4,290,066.
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let big = |id: String| key_s(&id).with("f", "z".repeat(390_000));
    let puts = |n: usize, prefix: &str| TransactWrite {
        items: (0..n)
            .map(|i| put(&t, big(format!("{prefix}{i:02}"))))
            .collect(),
        ..TransactWrite::default()
    };
    for n in [11, 12] {
        let e = expect_err!(
            b.transact_write_items(puts(n, "w")).await,
            Error::LimitExceeded { .. }
        );
        assert_eq!(
            message(&e),
            "Transaction payload size cannot exceed 4MB. Payload Size: 4290066"
        );
    }
    assert_eq!(ctx.get(&t, key_s("w00")).await, None, "nothing written");
    b.transact_write_items(puts(10, "g")).await.unwrap();
    ctx.put(&t, big("g10".to_owned())).await;

    // A read transaction's answer: each item as projected, and four bytes
    // for its `Item` member; a missing item counts nothing.
    let gets = |n: usize, projection: Option<&str>| TransactGet {
        items: (0..n)
            .map(|i| {
                let get = GetItem::new(&t, key_s(&format!("g{i:02}")));
                match projection {
                    Some(p) => get.projection_expression(p),
                    None => get,
                }
            })
            .chain(std::iter::once(GetItem::new(&t, key_s("missing"))))
            .collect(),
        ..TransactGet::default()
    };
    let e = expect_err!(
        b.transact_get_items(gets(11, None)).await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(message(&e), "Payload in response is too large.4290110");
    let e = expect_err!(
        b.transact_get_items(gets(11, Some("f"))).await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(message(&e), "Payload in response is too large.4290055");
    let got = b.transact_get_items(gets(10, None)).await.unwrap();
    assert_eq!(got.items.len(), 11);
    assert!(got.items[9].is_some() && got.items[10].is_none());
    let got = b.transact_get_items(gets(11, Some("id"))).await.unwrap();
    assert_eq!(got.items[10], Some(key_s("g10")));
});

// A put whose item is over 400 KB refuses the whole transaction (as DynamoDB
// Local answers), even after a failing condition; nothing is written.
case!(put_of_an_item_too_large, |ctx| {
    let t = ctx.simple_table("t").await;
    let too_large = key_s("big").with("v", "x".repeat(410_000));
    let mut guarded = PutItem::new(&t, key_s("a"));
    guarded.condition_expression = Some("attribute_exists(zz)".into());
    for first in [put(&t, key_s("a")), TransactWriteItem::Put(guarded)] {
        let e = expect_err!(
            ctx.backend()
                .transact_write_items(TransactWrite {
                    items: vec![first, put(&t, too_large.clone())],
                    ..TransactWrite::default()
                })
                .await,
            Error::LimitExceeded { .. }
        );
        assert_eq!(
            message(&e),
            "Item size has exceeded the maximum allowed size"
        );
    }
    assert_eq!(ctx.get(&t, key_s("a")).await, None, "nothing written");
});
