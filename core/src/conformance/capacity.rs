//! The capacity single-item writes and reads consume, as DynamoDB
//! reports it: items, indexes, the index entry's projected size.

use super::{case, case_list, key_ps, key_s};
use crate::backend::{GetItem, PutItem, ReturnConsumedCapacity};
use crate::value::Item;

case_list!("items": consumed_capacity, index_capacity, index_writes_cost_the_entry);

case!(consumed_capacity, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    let units =
        |c: Option<crate::backend::ConsumedCapacity>| c.expect("capacity reported").capacity_units;
    // id (2) + "a" (1) + d (1) + 1020 = 1024 bytes: one write unit; one more byte: two.
    let put = |id: &str, len: usize| {
        PutItem::new(&t, key_s(id).with("d", "x".repeat(len)))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
    };
    assert_eq!(
        units(b.put_item(put("a", 1020)).await.unwrap().consumed_capacity),
        1.0
    );
    assert_eq!(
        units(b.put_item(put("b", 1021)).await.unwrap().consumed_capacity),
        2.0
    );
    // Writing over a larger item costs the larger size.
    assert_eq!(
        units(b.put_item(put("b", 10)).await.unwrap().consumed_capacity),
        2.0
    );
    let get = |consistent| {
        GetItem::new(&t, key_s("a"))
            .consistent(consistent)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
    };
    assert_eq!(
        units(b.get_item(get(false)).await.unwrap().consumed_capacity),
        0.5
    );
    assert_eq!(
        units(b.get_item(get(true)).await.unwrap().consumed_capacity),
        1.0
    );
    let out = b.get_item(GetItem::new(&t, key_s("a"))).await.unwrap();
    assert_eq!(out.consumed_capacity, None, "not reported unless asked");
    let q = crate::backend::Query::new(&t, &crate::expr::KeyCondition::hash("id", "nobody"))
        .return_consumed_capacity(ReturnConsumedCapacity::Total);
    assert_eq!(
        units(b.query(q).await.unwrap().consumed_capacity),
        0.0,
        "an empty query costs nothing"
    );
});

case!(index_capacity, |ctx| {
    let t = ctx.ranged_table("t").await;
    let b = ctx.backend();
    let put = |item: Item| {
        PutItem::new(&t, item).return_consumed_capacity(ReturnConsumedCapacity::Indexes)
    };
    let c = b
        .put_item(put(key_ps("k", 1).with("g", "G").with("l", "L")))
        .await
        .unwrap()
        .consumed_capacity
        .unwrap();
    assert_eq!(
        (c.capacity_units, c.table_units),
        (3.0, Some(1.0)),
        "a new item in both indexes"
    );
    assert_eq!(c.global_indexes.get("gsi1"), Some(&1.0));
    assert_eq!(c.local_indexes.get("lsi1"), Some(&1.0));
    // Same index keys, another attribute: the ALL index is written, the keys-only one is not.
    let c = b
        .put_item(put(key_ps("k", 1)
            .with("g", "G")
            .with("l", "L")
            .with("x", 1)))
        .await
        .unwrap()
        .consumed_capacity
        .unwrap();
    assert_eq!(c.capacity_units, 2.0);
    assert_eq!(c.global_indexes.get("gsi1"), Some(&1.0));
    assert_eq!(c.local_indexes.get("lsi1"), None);
    // A changed index key: the old entry is deleted and a new one put.
    let c = b
        .put_item(put(key_ps("k", 1)
            .with("g", "H")
            .with("l", "L")
            .with("x", 1)))
        .await
        .unwrap()
        .consumed_capacity
        .unwrap();
    assert_eq!(c.global_indexes.get("gsi1"), Some(&2.0));
});

// An index write costs the size of the index's entry, not the item's: a
// 2 KB item is 2 units in its table and in an index projecting all, 1 unit
// in a keys-only index (DynamoDB Local answers the same).
case!(index_writes_cost_the_entry, |ctx| {
    let t = ctx.ranged_table("t").await;
    let big = "x".repeat(2000);
    let c = ctx
        .backend()
        .put_item(
            PutItem::new(
                &t,
                key_ps("k", 1)
                    .with("g", "G")
                    .with("l", "L")
                    .with("pad", big),
            )
            .return_consumed_capacity(ReturnConsumedCapacity::Indexes),
        )
        .await
        .unwrap()
        .consumed_capacity
        .unwrap();
    assert_eq!(c.table_units, Some(2.0), "{c:?}");
    assert_eq!(c.global_indexes.get("gsi1"), Some(&2.0), "{c:?}");
    assert_eq!(c.local_indexes.get("lsi1"), Some(&1.0), "{c:?}");
    assert_eq!(c.capacity_units, 5.0, "{c:?}");
});
