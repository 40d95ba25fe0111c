//! Queries and scans of global and local secondary indexes.

use super::reads::{put_all, query, sks};
use super::{case, case_list, expect_err, key_ps, message, n, s};
use crate::backend::{PutItem, Query, Scan, Select, TransactWrite, TransactWriteItem};
use crate::error::Error;
use crate::expr::{KeyCondition, RangeCondition};
use crate::model::{IndexProjection, KeyAttribute, KeySchema, ScalarType, TableDefinition};
use crate::value::{AttributeValue, Item};

case_list!("reads": global_index_queries, local_index_queries, index_keys_are_checked_in_locals_order);

case!(global_index_queries, |ctx| {
    let t = ctx.ranged_table("t").await;
    let b = ctx.backend();
    let mut items: Vec<Item> = (0..6)
        .map(|i| {
            key_ps("p", i)
                .with("g", if i % 2 == 0 { "even" } else { "odd" })
                .with("v", i)
        })
        .collect();
    items.push(key_ps("p", 100).with("v", 100));
    put_all(ctx, &t, items).await;
    let page = query(
        ctx,
        Query::new(&t, &KeyCondition::hash("g", "even")).index("gsi1"),
    )
    .await;
    let mut got = sks(&page);
    got.sort();
    assert_eq!(
        got,
        [0, 2, 4],
        "items without the index key are not in the index"
    );
    assert_eq!(page.items[0].len(), 4, "projection ALL returns whole items");
    let page = query(
        ctx,
        Query::new(&t, &KeyCondition::hash("g", "odd"))
            .index("gsi1")
            .limit(1),
    )
    .await;
    let lek = page.last_evaluated_key.expect("a last key");
    assert_eq!(
        lek.keys().map(String::as_str).collect::<Vec<_>>(),
        ["g", "pk", "sk"],
        "index key and table key"
    );
    let rest = query(
        ctx,
        Query::new(&t, &KeyCondition::hash("g", "odd"))
            .index("gsi1")
            .start_after(Some(lek)),
    )
    .await;
    assert_eq!(rest.items.len(), 2);
    let e = expect_err!(
        b.query(
            Query::new(&t, &KeyCondition::hash("g", "odd"))
                .index("gsi1")
                .consistent(true)
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Consistent reads are not supported on global secondary indexes"
    );
    expect_err!(
        b.query(Query::new(&t, &KeyCondition::hash("pk", "p")).index("gsi1"))
            .await,
        Error::InvalidRequest { .. }
    );
    let scanned = b.scan(Scan::new(&t).index("gsi1")).await.unwrap();
    assert_eq!(scanned.count, 6);

    // A keys-only global index returns keys; asking for all attributes is refused.
    let k = ctx
        .create(
            TableDefinition::new(ctx.table("k"), KeySchema::hash("id", ScalarType::S))
                .with_global_index(
                    "by_team",
                    KeySchema::hash("team", ScalarType::S).with_range("rank", ScalarType::N),
                    IndexProjection::KeysOnly,
                )
                .with_global_index(
                    "by_team_inc",
                    KeySchema::hash("team", ScalarType::S),
                    IndexProjection::Include(vec!["name2".into()]),
                ),
        )
        .await;
    put_all(
        ctx,
        &k,
        (0..3)
            .map(|i| {
                Item::new()
                    .with("id", format!("u{i}"))
                    .with("team", "red")
                    .with("rank", 3 - i)
                    .with("name2", format!("n{i}"))
                    .with("secret", 1)
            })
            .collect(),
    )
    .await;
    let page = query(
        ctx,
        Query::new(&k, &KeyCondition::hash("team", "red")).index("by_team"),
    )
    .await;
    assert_eq!(
        page.items[0],
        Item::new()
            .with("id", "u2")
            .with("team", "red")
            .with("rank", 1),
        "ordered by the index range key, keys only"
    );
    let page = query(
        ctx,
        Query::new(
            &k,
            &KeyCondition::hash("team", "red").range("rank", RangeCondition::Ge(2.into())),
        )
        .index("by_team"),
    )
    .await;
    assert_eq!(page.count, 2);
    let page = query(
        ctx,
        Query::new(&k, &KeyCondition::hash("team", "red")).index("by_team_inc"),
    )
    .await;
    assert!(
        page.items
            .iter()
            .all(|i| i.contains_key("name2") && !i.contains_key("secret"))
    );
    expect_err!(
        b.query(
            Query::new(&k, &KeyCondition::hash("team", "red"))
                .index("by_team")
                .select(Select::AllAttributes)
        )
        .await,
        Error::InvalidRequest { .. }
    );
});

case!(local_index_queries, |ctx| {
    let t = ctx.ranged_table("t").await;
    put_all(
        ctx,
        &t,
        (0..5)
            .map(|i| key_ps("p", i).with("l", format!("{}", 9 - i)).with("v", i))
            .collect(),
    )
    .await;
    ctx.put(&t, key_ps("p", 50).with("v", 50)).await;
    let kc = KeyCondition::hash("pk", "p");
    let page = query(ctx, Query::new(&t, &kc).index("lsi1").consistent(true)).await;
    assert_eq!(
        sks(&page),
        [4, 3, 2, 1, 0],
        "ordered by the local index's range key; sparse"
    );
    assert_eq!(page.items[0].len(), 3, "keys only: pk, sk, l");
    let page = query(
        ctx,
        Query::new(&t, &kc)
            .index("lsi1")
            .select(Select::AllAttributes)
            .limit(1),
    )
    .await;
    assert_eq!(
        page.items[0]["v"],
        n("4"),
        "a local index fetches other attributes from the table"
    );
    let lek = page.last_evaluated_key.expect("a last key");
    assert_eq!(
        lek.keys().map(String::as_str).collect::<Vec<_>>(),
        ["l", "pk", "sk"]
    );
    let page = query(
        ctx,
        Query::new(&t, &kc.range("l", RangeCondition::Le(s("6")))).index("lsi1"),
    )
    .await;
    assert_eq!(sks(&page), [4, 3]);
});

case!(index_keys_are_checked_in_locals_order, |ctx| {
    // DynamoDB Local checks an item's index keys local indexes first, then
    // global ones, each in the order of a Java hash map of their names
    // (here `bix` before `aix`, whatever the definition's order), and an
    // index key over its size limit refuses a whole transaction.
    let def = TableDefinition::new(
        ctx.table("t"),
        KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N),
    )
    .with_local_index(
        "lix",
        KeyAttribute::new("l", ScalarType::S),
        IndexProjection::All,
    )
    .with_local_index(
        "mix",
        KeyAttribute::new("m", ScalarType::S),
        IndexProjection::All,
    )
    .with_global_index(
        "aix",
        KeySchema::hash("a", ScalarType::S),
        IndexProjection::All,
    )
    .with_global_index(
        "bix",
        KeySchema::hash("b", ScalarType::N).with_range("a", ScalarType::S),
        IndexProjection::All,
    );
    let t = ctx.create(def).await;
    let b = ctx.backend();
    let set = AttributeValue::Ss(vec!["x".into()]);
    let mismatch = "One or more parameter values were invalid: Type mismatch for Index Key";
    let cases: Vec<(Item, &str)> = vec![
        (key_ps("k", 1).with("a", "").with("b", "x"), mismatch),
        (
            key_ps("k", 1).with("a", 1).with("b", set.clone()),
            "Invalid attribute value type",
        ),
        (key_ps("k", 1).with("l", 1).with("a", ""), mismatch),
        (
            key_ps("k", 1).with("m", 1).with("l", ""),
            "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: lix, IndexKey: l",
        ),
        (
            key_ps("k", 1).with("b", 1).with("a", ""),
            "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: bix, IndexKey: a",
        ),
    ];
    for (item, want) in cases {
        let e = expect_err!(
            b.put_item(PutItem::new(&t, item.clone())).await,
            Error::InvalidRequest { .. }
        );
        assert_eq!(message(&e), want, "put of {item:?}");
    }
    let size = "One or more parameter values were invalid: Size limit exceeded";
    for item in [
        key_ps("k", 2).with("a", "x".repeat(2049)),
        key_ps("k", 2).with("l", "x".repeat(1025)).with("m", 1),
    ] {
        let e = b
            .transact_write_items(TransactWrite {
                items: vec![TransactWriteItem::Put(PutItem::new(&t, item.clone()))],
                ..Default::default()
            })
            .await
            .expect_err("refused");
        assert!(
            matches!(
                e,
                Error::InvalidRequest { .. } | Error::LimitExceeded { .. }
            ),
            "a transaction with {item:?} is refused whole: {e:?}"
        );
        assert_eq!(message(&e), size);
    }
    let scan = b.scan(Scan::new(&t)).await.unwrap();
    assert!(scan.items.is_empty(), "nothing was written");
});
