//! Single items: put, get, delete, keys, values, limits (their consumed
//! capacity in `capacity.rs`).

use std::collections::BTreeMap;

use super::{case, case_list, expect_err, key_ps, key_s, message, n, s};
use crate::backend::{
    BatchGet, BatchWrite, DeleteItem, GetItem, PutItem, ReturnValues, TransactGet, TransactWrite,
    TransactWriteItem, UpdateItem,
};
use crate::error::Error;
use crate::expr::{Projection, Update, attr};
use crate::model::{KeySchema, ScalarType, TableDefinition};
use crate::value::{AttributeValue, Item};

case_list!("items": every_type_round_trips, numbers_compare_by_value_and_are_one_key, missing_item_is_none,
    put_overwrites_and_returns_old, get_projection, delete_returns_old_and_ignores_missing,
    invalid_keys_are_refused, invalid_values_are_refused, item_size_limit, key_size_limits, number_limits,
    index_key_values_are_checked, return_values_are_checked, binary_and_number_keys,
    set_members_come_back_sorted, key_values_of_other_kinds_and_missing_names);

fn everything() -> Item {
    Item::new()
        .with("id", "all")
        .with("s", "héllo")
        .with("empty_s", "")
        .with("n", n("-12.5"))
        .with("big", n("12345678901234567890123456789012345678"))
        .with("tiny", n("1E-130"))
        .with("b", AttributeValue::B(vec![0, 1, 2, 255]))
        .with("empty_b", AttributeValue::B(vec![]))
        .with(
            "ss",
            AttributeValue::Ss(vec!["x".into(), "y".into(), "".into()]),
        )
        .with(
            "ns",
            AttributeValue::Ns(vec!["1".parse().unwrap(), "-2.5".parse().unwrap()]),
        )
        .with("bs", AttributeValue::Bs(vec![vec![1], vec![2, 3]]))
        .with("t", true)
        .with("f", false)
        .with("null", AttributeValue::Null)
        .with(
            "l",
            AttributeValue::L(vec![
                s("a"),
                n("1"),
                AttributeValue::L(vec![]),
                AttributeValue::M(BTreeMap::new()),
            ]),
        )
        .with(
            "m",
            AttributeValue::M(
                [
                    ("k".to_string(), s("v")),
                    (
                        "deep".to_string(),
                        AttributeValue::M([("x".to_string(), AttributeValue::Null)].into()),
                    ),
                ]
                .into(),
            ),
        )
}

case!(every_type_round_trips, |ctx| {
    let t = ctx.simple_table("t").await;
    ctx.put(&t, everything()).await;
    assert_eq!(ctx.get(&t, key_s("all")).await, Some(everything()));
    // Eventually consistent reads see the item too (a single-node store).
    let out = ctx
        .backend()
        .get_item(GetItem::new(&t, key_s("all")))
        .await
        .unwrap();
    assert_eq!(out.item, Some(everything()));
});

case!(numbers_compare_by_value_and_are_one_key, |ctx| {
    let t = ctx.ranged_table("t").await;
    let b = ctx.backend();
    ctx.put(
        &t,
        Item::new()
            .with("pk", "k")
            .with("sk", n("1.0"))
            .with("v", n("1.500")),
    )
    .await;
    // "1" and "1.0" are the same key.
    let got = ctx
        .get(&t, Item::new().with("pk", "k").with("sk", n("1")))
        .await
        .expect("found by 1");
    assert_eq!(got["v"], n("1.5"));
    ctx.put(
        &t,
        Item::new()
            .with("pk", "k")
            .with("sk", n("1"))
            .with("v", n("2")),
    )
    .await;
    let page = b
        .query(crate::backend::Query::new(
            &t,
            &crate::expr::KeyCondition::hash("pk", "k"),
        ))
        .await
        .unwrap();
    assert_eq!(page.count, 1, "the second put replaced the first");
});

case!(missing_item_is_none, |ctx| {
    let t = ctx.simple_table("t").await;
    assert_eq!(ctx.get(&t, key_s("nobody")).await, None);
});

case!(put_overwrites_and_returns_old, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let first = key_s("a").with("v", 1).with("only_first", true);
    let out = b
        .put_item(PutItem::new(&t, first.clone()).return_values(ReturnValues::AllOld))
        .await
        .unwrap();
    assert_eq!(out.attributes, None, "no old item");
    let second = key_s("a").with("v", 2);
    let out = b
        .put_item(PutItem::new(&t, second.clone()).return_values(ReturnValues::AllOld))
        .await
        .unwrap();
    assert_eq!(out.attributes, Some(first));
    assert_eq!(
        ctx.get(&t, key_s("a")).await,
        Some(second),
        "a put replaces the whole item"
    );
});

case!(get_projection, |ctx| {
    let t = ctx.simple_table("t").await;
    ctx.put(&t, everything()).await;
    let p = Projection::new([
        attr("m").key("deep").key("x"),
        attr("l").index(1),
        attr("s"),
        attr("nope"),
    ]);
    let got = ctx
        .backend()
        .get_item(GetItem::new(&t, key_s("all")).projection(&p))
        .await
        .unwrap()
        .item
        .unwrap();
    let expected = Item::new()
        .with(
            "m",
            AttributeValue::M(
                [(
                    "deep".to_string(),
                    AttributeValue::M([("x".to_string(), AttributeValue::Null)].into()),
                )]
                .into(),
            ),
        )
        .with("l", AttributeValue::L(vec![n("1")]))
        .with("s", "héllo");
    assert_eq!(
        got, expected,
        "keys are not added; list elements are compacted"
    );
    // Overlapping paths are refused.
    let p = Projection::new([attr("m"), attr("m").key("k")]);
    expect_err!(
        ctx.backend()
            .get_item(GetItem::new(&t, key_s("all")).projection(&p))
            .await,
        Error::InvalidRequest { .. }
    );
});

case!(delete_returns_old_and_ignores_missing, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    ctx.put(&t, key_s("a").with("v", 1)).await;
    let out = b
        .delete_item(DeleteItem::new(&t, key_s("a")).return_values(ReturnValues::AllOld))
        .await
        .unwrap();
    assert_eq!(out.attributes, Some(key_s("a").with("v", 1)));
    assert_eq!(ctx.get(&t, key_s("a")).await, None);
    let out = b
        .delete_item(DeleteItem::new(&t, key_s("a")).return_values(ReturnValues::AllOld))
        .await
        .unwrap();
    assert_eq!(
        out.attributes, None,
        "deleting a missing item succeeds and returns nothing"
    );
});

case!(invalid_keys_are_refused, |ctx| {
    let t = ctx.ranged_table("t").await;
    let b = ctx.backend();
    ctx.put(&t, key_ps("k", 1).with("v", 1)).await;
    let before = ctx.get(&t, key_ps("k", 1)).await;
    // Missing range key on put.
    let e = expect_err!(
        b.put_item(PutItem::new(&t, Item::new().with("pk", "k").with("v", 2)))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "One of the required keys was not given a value"
    );
    // Wrong key type.
    let e = expect_err!(
        b.put_item(PutItem::new(&t, Item::new().with("pk", 5).with("sk", 1)))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "One or more parameter values were invalid: Type mismatch for key"
    );
    // Empty string key.
    let e = expect_err!(
        b.put_item(PutItem::new(&t, Item::new().with("pk", "").with("sk", 1)))
            .await,
        Error::InvalidRequest { .. }
    );
    assert!(
        message(&e).contains("cannot contain an empty string value"),
        "{e}"
    );
    // Get with a missing or an extra key attribute.
    let e = expect_err!(
        b.get_item(GetItem::new(&t, Item::new().with("pk", "k")))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "The number of conditions on the keys is invalid"
    );
    expect_err!(
        b.get_item(GetItem::new(&t, key_ps("k", 1).with("v", 1)))
            .await,
        Error::InvalidRequest { .. }
    );
    expect_err!(
        b.delete_item(DeleteItem::new(
            &t,
            Item::new().with("pk", "k").with("sk", "1")
        ))
        .await,
        Error::InvalidRequest { .. }
    );
    expect_err!(
        b.update_item(
            UpdateItem::new(&t, Item::new().with("pk", "k"))
                .update(&Update::new().set(attr("v"), 3))
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(ctx.get(&t, key_ps("k", 1)).await, before, "nothing changed");
});

case!(invalid_values_are_refused, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let cases: Vec<(Item, &str)> = vec![
        (
            key_s("a").with("x", AttributeValue::Ss(vec![])),
            "An string set  may not be empty",
        ),
        (
            key_s("a").with("x", AttributeValue::Ns(vec![])),
            "An number set  may not be empty",
        ),
        (
            key_s("a").with("x", AttributeValue::Bs(vec![])),
            "Binary sets should not be empty",
        ),
        (
            key_s("a").with("x", AttributeValue::Ss(vec!["a".into(), "a".into()])),
            "contains duplicates",
        ),
        (
            key_s("a").with(
                "x",
                AttributeValue::Ns(vec!["1".parse().unwrap(), "1.0".parse().unwrap()]),
            ),
            "contains duplicates",
        ),
        (
            key_s("a").with(
                "m",
                AttributeValue::M([("inner".to_string(), AttributeValue::Ss(vec![]))].into()),
            ),
            "may not be empty",
        ),
        (key_s("a").with("", 1), "Empty attribute name"),
    ];
    for (item, expected) in cases {
        let e = expect_err!(
            b.put_item(PutItem::new(&t, item.clone())).await,
            Error::InvalidRequest { .. }
        );
        assert!(message(&e).contains(expected), "{item:?}: {e}");
    }
    // 31 levels of maps are accepted, 32 are refused (a limit).
    let nest = |levels: usize| {
        let mut v = s("leaf");
        for _ in 0..levels {
            v = AttributeValue::M([("m".to_string(), v)].into());
        }
        v
    };
    ctx.put(&t, key_s("deep").with("v", nest(31))).await;
    expect_err!(
        b.put_item(PutItem::new(&t, key_s("deeper").with("v", nest(32))))
            .await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(ctx.get(&t, key_s("a")).await, None, "nothing was written");
    assert_eq!(ctx.get(&t, key_s("deeper")).await, None);
});

case!(item_size_limit, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    // id (2) + "a" (1) + d (1) + value = 409600 exactly.
    let max = 409_600 - 4;
    ctx.put(&t, key_s("a").with("d", "x".repeat(max))).await;
    let e = expect_err!(
        b.put_item(PutItem::new(&t, key_s("b").with("d", "x".repeat(max + 1))))
            .await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(
        message(&e),
        "Item size has exceeded the maximum allowed size"
    );
    assert_eq!(ctx.get(&t, key_s("b")).await, None);
    // An update that would push it over is refused too, and changes nothing.
    let e = expect_err!(
        b.update_item(UpdateItem::new(&t, key_s("a")).update(&Update::new().set(attr("e"), "yy")))
            .await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(
        message(&e),
        "Item size to update has exceeded the maximum allowed size"
    );
    assert!(!ctx.get(&t, key_s("a")).await.unwrap().contains_key("e"));
});

case!(key_size_limits, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    ctx.put(&t, key_s(&"h".repeat(2048))).await;
    expect_err!(
        b.put_item(PutItem::new(&t, key_s(&"h".repeat(2049)))).await,
        Error::LimitExceeded { .. }
    );
    let r = ctx
        .create(TableDefinition::new(
            ctx.table("r"),
            KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::S),
        ))
        .await;
    ctx.put(&r, Item::new().with("pk", "a").with("sk", "r".repeat(1024)))
        .await;
    expect_err!(
        b.put_item(PutItem::new(
            &r,
            Item::new().with("pk", "a").with("sk", "r".repeat(1025))
        ))
        .await,
        Error::LimitExceeded { .. }
    );
});

case!(number_limits, |ctx| {
    let t = ctx.simple_table("t").await;
    let nines = "9".repeat(38);
    ctx.put(
        &t,
        key_s("a")
            .with("n", n(&nines))
            .with("max", n("9.9999999999999999999999999999999999999E+125"))
            .with("min", n("-1E-130")),
    )
    .await;
    let got = ctx.get(&t, key_s("a")).await.unwrap();
    assert_eq!(got["n"], n(&nines));
    assert_eq!(
        got["max"],
        n("9.9999999999999999999999999999999999999E+125")
    );
    // Numbers come back in canonical text.
    ctx.put(
        &t,
        key_s("b")
            .with("n", n("1.500"))
            .with("e", n("1e2"))
            .with("z", n("-0")),
    )
    .await;
    let got = ctx.get(&t, key_s("b")).await.unwrap();
    for (attr, text) in [("n", "1.5"), ("e", "100"), ("z", "0")] {
        assert_eq!(got[attr].as_n().map(|n| n.as_str()), Some(text), "{attr}");
    }
});

case!(index_key_values_are_checked, |ctx| {
    let t = ctx.ranged_table("t").await;
    let b = ctx.backend();
    let e = expect_err!(
        b.put_item(PutItem::new(&t, key_ps("k", 1).with("g", 5)))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "One or more parameter values were invalid: Type mismatch for Index Key"
    );
    let e = expect_err!(
        b.put_item(PutItem::new(&t, key_ps("k", 1).with("g", "")))
            .await,
        Error::InvalidRequest { .. }
    );
    assert!(message(&e).contains("IndexName: gsi1, IndexKey: g"), "{e}");
    expect_err!(
        b.put_item(PutItem::new(&t, key_ps("k", 1).with("l", "")))
            .await,
        Error::InvalidRequest { .. }
    );
    ctx.put(&t, key_ps("k", 1).with("g", "G")).await;
    expect_err!(
        b.update_item(UpdateItem::new(&t, key_ps("k", 1)).update(&Update::new().set(attr("g"), 7)))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(ctx.get(&t, key_ps("k", 1)).await.unwrap()["g"], s("G"));
});

case!(return_values_are_checked, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    for rv in [
        ReturnValues::UpdatedOld,
        ReturnValues::AllNew,
        ReturnValues::UpdatedNew,
    ] {
        let e = expect_err!(
            b.put_item(PutItem::new(&t, key_s("a")).return_values(rv))
                .await,
            Error::InvalidRequest { .. }
        );
        assert_eq!(message(&e), "Return values set to invalid value");
        expect_err!(
            b.delete_item(DeleteItem::new(&t, key_s("a")).return_values(rv))
                .await,
            Error::InvalidRequest { .. }
        );
    }
    assert_eq!(ctx.get(&t, key_s("a")).await, None);
});

case!(binary_and_number_keys, |ctx| {
    let t = ctx
        .create(TableDefinition::new(
            ctx.table("bn"),
            KeySchema::hash("b", ScalarType::B).with_range("n", ScalarType::N),
        ))
        .await;
    let key = Item::new()
        .with("b", AttributeValue::B(vec![0, 0, 1]))
        .with("n", n("-0.5"));
    ctx.put(&t, key.clone().with("v", "x")).await;
    assert_eq!(ctx.get(&t, key.clone()).await.unwrap()["v"], s("x"));
    let e = expect_err!(
        ctx.backend()
            .put_item(PutItem::new(
                &t,
                Item::new()
                    .with("b", AttributeValue::B(vec![]))
                    .with("n", 1)
            ))
            .await,
        Error::InvalidRequest { .. }
    );
    assert!(message(&e).contains("empty binary value"), "{e}");
    // An empty binary in a binary index key.
    let gt = ctx
        .create(
            TableDefinition::new(ctx.table("gb"), KeySchema::hash("id", ScalarType::S))
                .with_global_index(
                    "gb1",
                    KeySchema::hash("gb", ScalarType::B),
                    crate::IndexProjection::All,
                ),
        )
        .await;
    let e = expect_err!(
        ctx.backend()
            .put_item(PutItem::new(
                &gt,
                key_s("x").with("gb", AttributeValue::B(vec![]))
            ))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty binary value. IndexName: gb1, IndexKey: gb"
    );
});

case!(set_members_come_back_sorted, |ctx| {
    // DynamoDB promises no order; DynamoDB Local and the emulators sort
    // (strings as Java does, by UTF-16 code units, unlike sort keys).
    let t = ctx.simple_table("t").await;
    let num = |v: &str| v.parse::<crate::Number>().unwrap();
    ctx.put(
        &t,
        key_s("a")
            .with(
                "ss",
                AttributeValue::Ss(
                    ["ｚ", "b", "\u{e000}", "a", "😀", "é", "c"]
                        .map(String::from)
                        .to_vec(),
                ),
            )
            .with(
                "ns",
                AttributeValue::Ns(vec![num("3"), num("10"), num("2"), num("-1")]),
            )
            .with(
                "bs",
                AttributeValue::Bs(vec![b"b".to_vec(), b"a".to_vec(), vec![0xff], vec![1]]),
            ),
    )
    .await;
    let got = ctx.get(&t, key_s("a")).await.unwrap();
    match (&got["ss"], &got["ns"], &got["bs"]) {
        (AttributeValue::Ss(ss), AttributeValue::Ns(ns), AttributeValue::Bs(bs)) => {
            assert_eq!(
                ss,
                &["a", "b", "c", "é", "😀", "\u{e000}", "ｚ"],
                "UTF-16 code unit order (a surrogate pair before U+E000)"
            );
            assert_eq!(
                ns.iter().map(|n| n.as_str()).collect::<Vec<_>>(),
                ["-1", "2", "3", "10"]
            );
            assert_eq!(
                bs,
                &[vec![0xff], vec![1], b"a".to_vec(), b"b".to_vec()],
                "signed byte order"
            );
        }
        other => panic!("{other:?}"),
    }
});

case!(key_values_of_other_kinds_and_missing_names, |ctx| {
    // As DynamoDB Local answers: a key attribute (of the table or an
    // index) holding a set, list, map, boolean or null refuses the request
    // ("Invalid attribute value type"), a whole transaction too; a key of
    // the right size that names another attribute is one without a key
    // attribute; the key's attributes are checked in the schema's order.

    // The call is refused as invalid, with this message.
    macro_rules! refused {
        ($call:expr, $want:expr, $($what:tt)+) => {{
            let e = expect_err!($call, Error::InvalidRequest { .. });
            assert_eq!(message(&e), $want, $($what)+);
        }};
    }
    let t = ctx.ranged_table("t").await;
    let b = ctx.backend();
    ctx.put(&t, key_ps("k", 1).with("v", 1)).await;
    let before = ctx.get(&t, key_ps("k", 1)).await;
    let others = [
        AttributeValue::Ss(vec!["a".into()]),
        AttributeValue::Ns(vec!["1".parse().unwrap()]),
        AttributeValue::Bs(vec![vec![1]]),
        AttributeValue::M(Default::default()),
        AttributeValue::L(vec![]),
        AttributeValue::Bool(true),
        AttributeValue::Null,
    ];
    let kind = "Invalid attribute value type";
    for v in others {
        let hash = Item::new().with("pk", v.clone()).with("sk", 1);
        let range = Item::new().with("pk", "k").with("sk", v.clone());
        refused!(
            b.get_item(GetItem::new(&t, hash.clone())).await,
            kind,
            "get with a {v:?} hash key"
        );
        refused!(
            b.get_item(GetItem::new(&t, range.clone())).await,
            kind,
            "get with a {v:?} range key"
        );
        refused!(
            b.delete_item(DeleteItem::new(&t, range.clone())).await,
            kind,
            "delete with a {v:?} range key"
        );
        refused!(
            b.update_item(
                UpdateItem::new(&t, hash.clone()).update(&Update::new().set(attr("v"), 2))
            )
            .await,
            kind,
            "update with a {v:?} hash key"
        );
        refused!(
            b.put_item(PutItem::new(&t, range.clone())).await,
            kind,
            "put with a {v:?} range key"
        );
        refused!(
            b.put_item(PutItem::new(&t, key_ps("k", 1).with("g", v.clone())))
                .await,
            kind,
            "put with a {v:?} global index key"
        );
        refused!(
            b.update_item(
                UpdateItem::new(&t, key_ps("k", 1))
                    .update(&Update::new().set(attr("l"), v.clone()))
            )
            .await,
            kind,
            "update setting a {v:?} local index key"
        );
        refused!(
            b.batch_get_item(BatchGet::new().keys(&t, [hash.clone()]))
                .await,
            kind,
            "batch get of a {v:?} hash key"
        );
        refused!(
            b.batch_write_item(BatchWrite::new().put(&t, range.clone()))
                .await,
            kind,
            "batch put of a {v:?} range key"
        );
        // A transaction is refused whole, not cancelled, even after an
        // action that would only be cancelled (a number for a string).
        refused!(
            b.transact_write_items(TransactWrite {
                items: vec![
                    TransactWriteItem::Put(PutItem::new(
                        &t,
                        Item::new().with("pk", 5).with("sk", 2)
                    )),
                    TransactWriteItem::Put(PutItem::new(&t, key_ps("k", 3).with("g", v.clone()))),
                    TransactWriteItem::Delete(DeleteItem::new(&t, hash.clone())),
                ],
                ..Default::default()
            })
            .await,
            kind,
            "transaction with a {v:?} key"
        );
        refused!(
            b.transact_get_items(TransactGet {
                items: vec![GetItem::new(&t, range.clone())],
                ..Default::default()
            })
            .await,
            kind,
            "transactional get of a {v:?} range key"
        );
    }
    // The hash key is checked first: a wrong type or an empty string there
    // is what is said, whatever the range key holds.
    let set = AttributeValue::Ss(vec!["a".into()]);
    refused!(
        b.get_item(GetItem::new(
            &t,
            Item::new().with("pk", 5).with("sk", set.clone())
        ))
        .await,
        "One or more parameter values were invalid: Type mismatch for key",
        "a number hash key before a set range key"
    );
    let e = expect_err!(
        b.get_item(GetItem::new(
            &t,
            Item::new().with("pk", "").with("sk", set.clone())
        ))
        .await,
        Error::InvalidRequest { .. }
    );
    assert!(
        message(&e).contains("cannot contain an empty string value. Key: pk"),
        "{e}"
    );
    // In a transaction, a hash key of the wrong type cancels the action,
    // and nothing after it in the key refuses the request.
    let e = expect_err!(
        b.transact_write_items(TransactWrite {
            items: vec![TransactWriteItem::Delete(DeleteItem::new(
                &t,
                Item::new().with("pk", 5).with("sk", set.clone())
            ))],
            ..Default::default()
        })
        .await,
        Error::TransactionCanceled { .. }
    );
    assert!(e.to_string().contains("Type mismatch for key"), "{e}");
    // A key of two attributes that names one not in the schema.
    let missing = "One of the required keys was not given a value";
    let misnamed = [
        Item::new().with("pk", "k").with("x", 1),
        Item::new().with("x", "k").with("y", 1),
        Item::new().with("x", set.clone()).with("sk", 1),
    ];
    for key in misnamed {
        refused!(
            b.get_item(GetItem::new(&t, key.clone())).await,
            missing,
            "get of {key:?}"
        );
        refused!(
            b.delete_item(DeleteItem::new(&t, key.clone())).await,
            missing,
            "delete of {key:?}"
        );
        refused!(
            b.batch_get_item(BatchGet::new().keys(&t, [key.clone()]))
                .await,
            missing,
            "batch get of {key:?}"
        );
        refused!(
            b.transact_write_items(TransactWrite {
                items: vec![TransactWriteItem::Delete(DeleteItem::new(&t, key.clone()))],
                ..Default::default()
            })
            .await,
            missing,
            "transactional delete of {key:?}"
        );
    }
    // A key with another count of attributes is still that.
    let e = expect_err!(
        b.get_item(GetItem::new(&t, Item::new().with("pk", set.clone())))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "The number of conditions on the keys is invalid"
    );
    assert_eq!(ctx.get(&t, key_ps("k", 1)).await, before, "nothing changed");
});
