//! The emulator's consumed capacity against DynamoDB's documented rules
//! (developer guide: "Read/write capacity mode", "DynamoDB read and write
//! operations", "Item sizes and formats", and the global secondary index
//! pages): 1 KB write units and 4 KB read units rounded up per item and at
//! least one, half a unit for an eventually consistent read, the larger of
//! the old and new item for a write, a query or scan rounded once over the
//! whole page, twice the units for transactions, and index writes charged
//! to the index (two when an index key changes).

use dynamodb_mapper::backend::{
    Backend, BatchGet, BatchWrite, ConsumedCapacity, DeleteItem, GetItem, KeysAndAttributes,
    PutItem, Query, ReturnConsumedCapacity, Scan, TransactGet, TransactWrite, TransactWriteItem,
    UpdateItem,
};
use dynamodb_mapper::expr::{KeyCondition, Update, attr};
use dynamodb_mapper::{
    IndexProjection, Item, KeyAttribute, KeySchema, ScalarType, TableDefinition,
};
use dynamodb_mapper_memory::MemoryBackend;

const IDX: ReturnConsumedCapacity = ReturnConsumedCapacity::Indexes;

/// An item of exactly `bytes` bytes (attribute names and values, as
/// DynamoDB sizes them).
fn sized(id: &str, bytes: usize) -> Item {
    let base = Item::new().with("id", id);
    let pad = bytes - base.size() - "pad".len();
    let item = base.with("pad", "x".repeat(pad));
    assert_eq!(item.size(), bytes);
    item
}

fn key(id: &str) -> Item {
    Item::new().with("id", id)
}

fn units(c: Option<ConsumedCapacity>) -> f64 {
    c.expect("consumed capacity reported").capacity_units
}

async fn store(name: &str) -> MemoryBackend {
    let store = MemoryBackend::new();
    store
        .create_table(TableDefinition::new(
            name,
            KeySchema::hash("id", ScalarType::S),
        ))
        .await
        .unwrap();
    store
}

async fn put(store: &MemoryBackend, table: &str, item: Item) -> f64 {
    units(
        store
            .put_item(PutItem::new(table, item).return_consumed_capacity(IDX))
            .await
            .unwrap()
            .consumed_capacity,
    )
}

#[tokio::test]
async fn writes_count_1_kb_units_rounded_up() {
    let s = store("writes").await;
    for (i, (bytes, expected)) in [
        (10, 1.0),
        (1024, 1.0),
        (1025, 2.0),
        (2048, 2.0),
        (2049, 3.0),
    ]
    .into_iter()
    .enumerate()
    {
        let got = put(&s, "writes", sized(&format!("k{i}"), bytes)).await;
        assert_eq!(got, expected, "a new item of {bytes} bytes");
    }
    // 400 KB, DynamoDB's largest item: 400 units.
    assert_eq!(put(&s, "writes", sized("big", 400 * 1024)).await, 400.0);
}

#[tokio::test]
async fn a_write_costs_the_larger_of_the_old_and_new_item() {
    let s = store("larger").await;
    put(&s, "larger", sized("a", 3000)).await;
    assert_eq!(
        put(&s, "larger", sized("a", 100)).await,
        3.0,
        "a small put over a 3 KB item"
    );
    put(&s, "larger", sized("b", 2000)).await;
    let grow = s
        .update_item(
            UpdateItem::new("larger", key("b"))
                .update(&Update::new().set(attr("more"), "y".repeat(200)))
                .return_consumed_capacity(IDX),
        )
        .await
        .unwrap();
    assert_eq!(
        units(grow.consumed_capacity),
        3.0,
        "2,000 bytes grown to 2,204"
    );
    let shrink = s
        .update_item(
            UpdateItem::new("larger", key("b"))
                .update(&Update::new().remove(attr("pad")).remove(attr("more")))
                .return_consumed_capacity(IDX),
        )
        .await
        .unwrap();
    assert_eq!(
        units(shrink.consumed_capacity),
        3.0,
        "2,204 bytes shrunk to 3"
    );
    let delete = s
        .delete_item(DeleteItem::new("larger", key("a")).return_consumed_capacity(IDX))
        .await
        .unwrap();
    assert_eq!(
        units(delete.consumed_capacity),
        1.0,
        "the 100-byte item deleted"
    );
    let missing = s
        .delete_item(DeleteItem::new("larger", key("nobody")).return_consumed_capacity(IDX))
        .await
        .unwrap();
    assert_eq!(
        units(missing.consumed_capacity),
        1.0,
        "deleting nothing costs one unit"
    );
}

#[tokio::test]
async fn reads_count_4_kb_units_halved_when_eventual() {
    let s = store("reads").await;
    let cases = [(4096, 1.0), (4097, 2.0), (8192, 2.0), (8193, 3.0)];
    for (i, (bytes, strong)) in cases.into_iter().enumerate() {
        let id = format!("k{i}");
        put(&s, "reads", sized(&id, bytes)).await;
        for consistent in [true, false] {
            let got = s
                .get_item(
                    GetItem::new("reads", key(&id))
                        .consistent(consistent)
                        .return_consumed_capacity(IDX),
                )
                .await
                .unwrap();
            let expected = if consistent { strong } else { strong / 2.0 };
            assert_eq!(
                units(got.consumed_capacity),
                expected,
                "{bytes} bytes, consistent: {consistent}"
            );
        }
    }
    // A missing item still costs the least a read costs.
    for (consistent, expected) in [(true, 1.0), (false, 0.5)] {
        let got = s
            .get_item(
                GetItem::new("reads", key("nobody"))
                    .consistent(consistent)
                    .return_consumed_capacity(IDX),
            )
            .await
            .unwrap();
        assert_eq!(units(got.consumed_capacity), expected);
    }
}

#[tokio::test]
async fn batches_round_each_item_and_pages_round_the_whole_page() {
    let s2 = store("batched").await;
    // BatchGetItem: 1.5 KB and 6.5 KB are 4 KB + 8 KB, three units (the
    // developer guide's example), not two.
    put(&s2, "batched", sized("a", 1536)).await;
    put(&s2, "batched", sized("b", 6656)).await;
    let mut batch = BatchGet::new();
    batch.tables.insert(
        "batched".into(),
        KeysAndAttributes {
            keys: vec![key("a"), key("b")],
            consistent_read: true,
            ..KeysAndAttributes::default()
        },
    );
    batch.return_consumed_capacity = IDX;
    let got = s2.batch_get_item(batch).await.unwrap();
    assert_eq!(got.consumed_capacity[0].capacity_units, 3.0);
    // BatchWriteItem: each item rounded on its own: 2 x 1.5 KB = 4 units.
    let mut writes = BatchWrite::new()
        .put("batched", sized("c", 1536))
        .put("batched", sized("d", 1536));
    writes.return_consumed_capacity = IDX;
    let got = s2.batch_write_item(writes).await.unwrap();
    assert_eq!(got.consumed_capacity[0].capacity_units, 4.0);
    // A query (and a scan) adds the sizes first: two 1.5 KB items are one
    // 4 KB unit; with the 6.5 KB item, 9.5 KB are three.
    let item = |pk: &str, n: u32, bytes: usize| {
        let base = Item::new().with("pk", pk).with("n", n);
        let pad = bytes - base.size() - 3;
        base.with("pad", "x".repeat(pad))
    };
    let s = MemoryBackend::new();
    let def = TableDefinition::new(
        "paged",
        KeySchema::hash("pk", ScalarType::S).with_range("n", ScalarType::N),
    );
    s.create_table(def).await.unwrap();
    s.put_item(PutItem::new("paged", item("x", 1, 1536)))
        .await
        .unwrap();
    s.put_item(PutItem::new("paged", item("x", 2, 1536)))
        .await
        .unwrap();
    let q = |consistent: bool| {
        Query::new("paged", &KeyCondition::hash("pk", "x"))
            .consistent(consistent)
            .return_consumed_capacity(IDX)
    };
    assert_eq!(
        units(s.query(q(true)).await.unwrap().consumed_capacity),
        1.0
    );
    assert_eq!(
        units(s.query(q(false)).await.unwrap().consumed_capacity),
        0.5
    );
    s.put_item(PutItem::new("paged", item("y", 1, 6656)))
        .await
        .unwrap();
    let scan = Scan::new("paged")
        .consistent(true)
        .return_consumed_capacity(IDX);
    assert_eq!(units(s.scan(scan).await.unwrap().consumed_capacity), 3.0);
}

#[tokio::test]
async fn transactions_cost_twice() {
    let s = store("txn").await;
    let t = |items: Vec<TransactWriteItem>| TransactWrite {
        items,
        return_consumed_capacity: IDX,
        ..TransactWrite::default()
    };
    let one = s
        .transact_write_items(t(vec![TransactWriteItem::Put(PutItem::new(
            "txn",
            sized("a", 1024),
        ))]))
        .await
        .unwrap();
    assert_eq!(
        one.consumed_capacity[0].capacity_units, 2.0,
        "1 KB: 2 units"
    );
    let two = s
        .transact_write_items(t(vec![
            TransactWriteItem::Put(PutItem::new("txn", sized("b", 1025))),
            TransactWriteItem::Put(PutItem::new("txn", sized("c", 100))),
        ]))
        .await
        .unwrap();
    assert_eq!(
        two.consumed_capacity[0].capacity_units, 6.0,
        "2 + 1 units, doubled"
    );
    put(&s, "txn", sized("d", 4097)).await;
    let read = s
        .transact_get_items(TransactGet {
            items: vec![GetItem::new("txn", key("a")), GetItem::new("txn", key("d"))],
            return_consumed_capacity: IDX,
        })
        .await
        .unwrap();
    assert_eq!(
        read.consumed_capacity[0].capacity_units, 6.0,
        "(1 + 2) x 2 units"
    );
}

#[tokio::test]
async fn index_writes_are_charged_to_the_index() {
    let s = MemoryBackend::new();
    // A local index needs a range key on the table.
    let def = TableDefinition::new(
        "indexed",
        KeySchema::hash("id", ScalarType::S).with_range("r", ScalarType::N),
    )
    .with_global_index(
        "by_g",
        KeySchema::hash("g", ScalarType::S),
        IndexProjection::All,
    )
    .with_local_index(
        "by_n",
        KeyAttribute::new("n", ScalarType::N),
        IndexProjection::All,
    );
    s.create_table(def).await.unwrap();
    let item = |g: Option<&str>, n: Option<u32>, pad: usize| {
        let mut it = Item::new().with("id", "a").with("r", 1);
        if let Some(g) = g {
            it.insert("g".into(), g.into());
        }
        if let Some(n) = n {
            it.insert("n".into(), n.into());
        }
        it.with("pad", "x".repeat(pad))
    };
    let put = |it: Item| async {
        s.put_item(PutItem::new("indexed", it).return_consumed_capacity(IDX))
            .await
            .unwrap()
            .consumed_capacity
            .unwrap()
    };
    // A new item with the index keys: one write to each index.
    let c = put(item(Some("x"), Some(1), 1500)).await;
    assert_eq!(c.table_units, Some(2.0));
    assert_eq!(c.global_indexes["by_g"], 2.0);
    assert_eq!(c.local_indexes["by_n"], 2.0);
    assert_eq!(c.capacity_units, 6.0);
    // The index key changes: the old entry is deleted and a new one put.
    let c = put(item(Some("y"), Some(1), 1500)).await;
    assert_eq!(c.global_indexes["by_g"], 4.0);
    // The local index keeps its entry, whose projected `g` changed: one write.
    assert_eq!(c.local_indexes["by_n"], 2.0);
    // Only a projected attribute changes: one write.
    let c = put(item(Some("y"), Some(1), 1400)).await;
    assert_eq!(c.global_indexes["by_g"], 2.0);
    assert_eq!(c.local_indexes["by_n"], 2.0);
    // The index attribute goes: one write, deleting the entry.
    let c = put(item(None, Some(1), 1400)).await;
    assert_eq!(c.global_indexes["by_g"], 2.0);
    // Not in the index before or after: no index write.
    let c = put(item(None, Some(1), 1300)).await;
    assert!(!c.global_indexes.contains_key("by_g"), "{c:?}");
    // A delete removes the entries it had.
    let c = s
        .delete_item(
            DeleteItem::new("indexed", Item::new().with("id", "a").with("r", 1))
                .return_consumed_capacity(IDX),
        )
        .await
        .unwrap()
        .consumed_capacity
        .unwrap();
    assert_eq!(c.local_indexes["by_n"], 2.0);
    assert!(!c.global_indexes.contains_key("by_g"));
    // A query of a global index is charged to the index, by the size of
    // its entries.
    put(item(Some("q"), None, 5000)).await;
    let q = Query::new("indexed", &KeyCondition::hash("g", "q"))
        .index("by_g")
        .return_consumed_capacity(IDX);
    let c = s.query(q).await.unwrap().consumed_capacity.unwrap();
    assert_eq!(c.table_units, Some(0.0));
    assert_eq!(
        c.global_indexes["by_g"], 1.0,
        "5 KB read eventually: 2 units, halved"
    );
    // TOTAL gives the sum only.
    let q = Query::new("indexed", &KeyCondition::hash("g", "q"))
        .index("by_g")
        .return_consumed_capacity(ReturnConsumedCapacity::Total);
    let c = s.query(q).await.unwrap().consumed_capacity.unwrap();
    assert_eq!((c.capacity_units, c.table_units), (1.0, None));
    assert!(c.global_indexes.is_empty());
}
