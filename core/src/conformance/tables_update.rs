//! `UpdateTable`: global indexes added (backfilled) and removed, the errors
//! of bad index changes, billing and throughput changes.

use std::time::Duration;

use super::{Reference, case, case_list, expect_err, gsi, message};
use crate::backend::{
    IndexStatus, PutItem, Query, Scan, TableState, UpdateTable, local_index_update_error,
    wait_for_table,
};
use crate::error::Error;
use crate::expr::KeyCondition;
use crate::model::{
    BillingMode, IndexDefinition, IndexKind, IndexProjection, KeyAttribute, KeySchema, ScalarType,
    TableDefinition, Throughput,
};
use crate::value::Item;

case_list!("tables_update": index_added_is_backfilled, index_added_is_read_without_a_description,
    index_removed, bad_index_changes,
    too_many_global_indexes, billing_and_throughput_changes);

const WAIT: Duration = Duration::from_secs(120);

fn by_g() -> IndexDefinition {
    gsi(
        "byg",
        KeySchema::hash("g", ScalarType::S),
        IndexProjection::All,
    )
}

fn tp(read: u64, write: u64) -> Throughput {
    Throughput {
        read_capacity_units: read,
        write_capacity_units: write,
    }
}

/// The `id`s of the items of index `byg` with `g` = `value`, sorted.
async fn ids_in_index(ctx: &super::Ctx, table: &str, index: &str, value: &str) -> Vec<String> {
    let page = ctx
        .backend()
        .query(Query::new(table, &KeyCondition::hash("g", value)).index(index))
        .await
        .unwrap_or_else(|e| panic!("query of {index}: {e}"));
    let mut ids: Vec<String> = page
        .items
        .iter()
        .filter_map(|i| i.get("id").and_then(|v| v.as_s()).map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

case!(index_added_is_backfilled, |ctx| {
    let b = ctx.backend();
    let name = ctx.simple_table("t").await;
    for (id, g) in [
        ("a", Some("x")),
        ("b", Some("x")),
        ("c", Some("y")),
        ("d", None),
        // An empty text is no index key: the backfill skips it.
        ("z", Some("")),
    ] {
        let mut item = Item::new().with("id", id);
        if let Some(g) = g {
            item.insert("g".to_owned(), g.into());
        }
        ctx.put(&name, item).await;
    }
    let d = send(ctx, UpdateTable::new(&name).create_index(by_g()))
        .await
        .unwrap();
    assert_eq!(d.index_status("byg"), Some(IndexStatus::Creating));
    assert!(d.definition.index("byg").is_some());
    let d = b.describe_table(&name).await.unwrap();
    if ctx.reference() == Reference::Emulator {
        assert_eq!(d.index_status("byg"), Some(IndexStatus::Creating));
    } else {
        // DynamoDB Local backfills a small table in moments: by the next
        // description the index may already be active.
        assert!(
            matches!(
                d.index_status("byg"),
                Some(IndexStatus::Creating | IndexStatus::Active)
            ),
            "{:?}",
            d.index_status("byg")
        );
    }
    let d = wait_for_table(b, &name, TableState::Active, WAIT)
        .await
        .unwrap()
        .expect("active");
    assert_eq!(d.index_status("byg"), Some(IndexStatus::Active));
    assert_eq!(ids_in_index(ctx, &name, "byg", "x").await, ["a", "b"]);
    assert_eq!(ids_in_index(ctx, &name, "byg", "y").await, ["c"]);
    let scanned = b.scan(Scan::new(&name).index("byg")).await.unwrap();
    let mut ids: Vec<&str> = scanned
        .items
        .iter()
        .filter_map(|i| i.get("id").and_then(|v| v.as_s()))
        .collect();
    ids.sort();
    assert_eq!(ids, ["a", "b", "c"], "only the items with a usable key");
    // Writes after the backfill are indexed as always.
    ctx.put(&name, Item::new().with("id", "e").with("g", "x"))
        .await;
    assert_eq!(ids_in_index(ctx, &name, "byg", "x").await, ["a", "b", "e"]);
    // A key of the wrong type for the new index is refused.
    expect_err!(
        b.put_item(PutItem::new(
            &name,
            Item::new().with("id", "f").with("g", 1)
        ))
        .await,
        Error::InvalidRequest { .. }
    );
});

// An index being built is refused to reads (DynamoDB's answer; Local fails
// with an internal error), and becomes readable without anyone describing
// the table: the emulator's refused read finishes the backfill.
case!(index_added_is_read_without_a_description, |ctx| {
    let b = ctx.backend();
    let name = ctx.simple_table("t").await;
    ctx.put(&name, Item::new().with("id", "a").with("g", "x"))
        .await;
    send(ctx, UpdateTable::new(&name).create_index(by_g()))
        .await
        .unwrap();
    let query = || Query::new(&name, &KeyCondition::hash("g", "x")).index("byg");
    let mut refusals = 0;
    let page = loop {
        match b.query(query()).await {
            // Local may answer from the index before its background
            // backfill has reached the item: read again.
            Ok(page) if page.items.is_empty() && ctx.reference() == Reference::DynamoDbLocal => {
                refusals += 1;
                assert!(refusals < 600, "the index never held the item");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(page) => break page,
            Err(e) => {
                let backfilling = matches!(&e, Error::InvalidRequest { .. })
                    && message(&e) == "Cannot read from backfilling global secondary index";
                let local_internal = ctx.reference() == Reference::DynamoDbLocal
                    && matches!(e, Error::Backend { .. });
                assert!(backfilling || local_internal, "{e:?}");
                refusals += 1;
                assert!(refusals < 600, "the index never became readable");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    if ctx.reference() == Reference::Emulator {
        assert_eq!(refusals, 1, "one refused read finishes the backfill");
    }
    assert_eq!(page.items.len(), 1);
});

case!(index_removed, |ctx| {
    let b = ctx.backend();
    let name = ctx.ranged_table("t").await;
    ctx.put(
        &name,
        Item::new().with("pk", "a").with("sk", 1).with("g", "x"),
    )
    .await;
    let d = send(ctx, UpdateTable::new(&name).delete_index("gsi1"))
        .await
        .unwrap();
    assert_eq!(d.index_status("gsi1"), Some(IndexStatus::Deleting));
    assert!(d.definition.index("gsi1").is_none());
    // Deleting it again while it is being deleted.
    let err = expect_err!(
        send(ctx, UpdateTable::new(&name).delete_index("gsi1")).await,
        Error::TableInUse { .. }
    );
    assert!(message(&err).contains("Index is being deleted."), "{err}");
    let d = wait_for_table(b, &name, TableState::Active, WAIT)
        .await
        .unwrap()
        .expect("active");
    assert_eq!(d.index_status("gsi1"), None);
    assert!(d.definition.index("gsi1").is_none());
    assert!(d.definition.index("lsi1").is_some());
    let err = expect_err!(
        b.query(Query::new(&name, &KeyCondition::hash("g", "x")).index("gsi1"))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&err),
        "The table does not have the specified index: gsi1"
    );
    // Writes go on without it; the table's items are untouched.
    ctx.put(
        &name,
        Item::new().with("pk", "b").with("sk", 1).with("g", "x"),
    )
    .await;
    assert!(
        ctx.get(&name, Item::new().with("pk", "a").with("sk", 1))
            .await
            .is_some()
    );
});

case!(bad_index_changes, |ctx| {
    let b = ctx.backend();
    let name = ctx.ranged_table("t").await;
    let before = b.describe_table(&name).await.unwrap().definition;
    let invalid = |e: &Error, text: &str| {
        assert!(
            matches!(e, Error::InvalidRequest { .. }),
            "expected an invalid request, got {e:?}"
        );
        assert_eq!(message(e), text);
    };
    // An index name the table has.
    let dup = gsi(
        "gsi1",
        KeySchema::hash("h", ScalarType::S),
        IndexProjection::All,
    );
    let e = send(ctx, UpdateTable::new(&name).create_index(dup))
        .await
        .unwrap_err();
    invalid(&e, "Attempting to create an index which already exists");
    // A key attribute without a definition.
    let h = gsi(
        "byh",
        KeySchema::hash("h", ScalarType::S),
        IndexProjection::All,
    );
    let mut update = UpdateTable::new(&name).create_index(h.clone());
    update.attribute_definitions = vec![KeyAttribute::new("g", ScalarType::S)];
    let e = send(ctx, update).await.unwrap_err();
    invalid(&e, "Attribute h is not defined in AttributeDefinitions");
    // No definitions at all.
    let mut update = UpdateTable::new(&name).create_index(h.clone());
    update.attribute_definitions.clear();
    let e = send(ctx, update).await.unwrap_err();
    invalid(&e, "No Attribute Schema Defined");
    // An attribute defined with another type than the table's.
    let g_number = gsi(
        "byg_n",
        KeySchema::hash("g", ScalarType::N),
        IndexProjection::All,
    );
    let e = send(ctx, UpdateTable::new(&name).create_index(g_number))
        .await
        .unwrap_err();
    invalid(
        &e,
        "invalid attribute, SchemaElement redefined should be of same type as previously defined",
    );
    // Two index creations, or a creation and a deletion, in one call.
    let i = gsi(
        "byi",
        KeySchema::hash("i", ScalarType::S),
        IndexProjection::All,
    );
    for update in [
        UpdateTable::new(&name)
            .create_index(h.clone())
            .create_index(i.clone()),
        UpdateTable::new(&name)
            .create_index(h.clone())
            .delete_index("gsi1"),
    ] {
        let e = expect_err!(send(ctx, update).await, Error::LimitExceeded { .. });
        assert_eq!(
            message(&e),
            "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
        );
    }
    // Two changes to one index, whatever they are.
    for update in [
        UpdateTable::new(&name)
            .delete_index("gsi1")
            .delete_index("gsi1"),
        UpdateTable::new(&name)
            .delete_index("gsi1")
            .index_throughput("gsi1", tp(1, 1)),
        UpdateTable::new(&name)
            .create_index(h.clone())
            .create_index(h.clone()),
    ] {
        let e = send(ctx, update).await.unwrap_err();
        invalid(
            &e,
            "Only one global secondary index update per index is allowed simultaneously.",
        );
    }
    // An index the table does not have: its own error, not the table's.
    match send(ctx, UpdateTable::new(&name).delete_index("nope")).await {
        Err(Error::IndexNotFound { table, index }) => {
            assert_eq!((table.as_str(), index.as_str()), (name.as_str(), "nope"));
        }
        other => panic!("expected IndexNotFound, got {other:?}"),
    }
    // A local index cannot be deleted.
    let e = send(ctx, UpdateTable::new(&name).delete_index("lsi1"))
        .await
        .unwrap_err();
    invalid(
        &e,
        "Cannot delete an index that is not a GlobalSecondaryIndex",
    );
    // Nothing to change.
    let e = send(ctx, UpdateTable::new(&name)).await.unwrap_err();
    invalid(&e, "Nothing to update");
    // A local index: only with the table.
    let local = IndexDefinition {
        name: "lsi2".into(),
        kind: IndexKind::Local,
        key: KeySchema::hash("pk", ScalarType::S).with_range("l2", ScalarType::S),
        projection: IndexProjection::All,
        throughput: None,
    };
    let e = send(ctx, UpdateTable::new(&name).create_index(local))
        .await
        .unwrap_err();
    invalid(&e, &message(&local_index_update_error("lsi2")));
    // None of them changed anything.
    let after = wait_for_table(b, &name, TableState::Active, WAIT)
        .await
        .unwrap()
        .expect("active");
    assert_eq!(after.definition, before);
});

case!(too_many_global_indexes, |ctx| {
    let b = ctx.backend();
    let mut def = TableDefinition::new(ctx.table("t"), KeySchema::hash("id", ScalarType::S));
    for n in 0..20 {
        def.indexes.push(gsi(
            &format!("ix{n}"),
            KeySchema::hash(format!("a{n}"), ScalarType::S),
            IndexProjection::KeysOnly,
        ));
    }
    let name = ctx.create(def).await;
    wait_for_table(b, &name, TableState::Active, WAIT)
        .await
        .unwrap();
    let one_more = gsi(
        "ix20",
        KeySchema::hash("a20", ScalarType::S),
        IndexProjection::KeysOnly,
    );
    let e = expect_err!(
        send(ctx, UpdateTable::new(&name).create_index(one_more)).await,
        Error::LimitExceeded { .. }
    );
    assert_eq!(
        message(&e),
        "Number of global secondary indexes exceeds per-table limit"
    );
});

case!(billing_and_throughput_changes, |ctx| {
    let b = ctx.backend();
    let def = TableDefinition::new(ctx.table("t"), KeySchema::hash("id", ScalarType::S));
    let mut def = def;
    def.indexes.push(by_g());
    let name = ctx.create(def).await;
    let settle = || async {
        wait_for_table(b, &name, TableState::Active, WAIT)
            .await
            .unwrap()
            .expect("active")
    };
    let index_tp =
        |d: &crate::backend::TableDescription| d.definition.index("byg").and_then(|i| i.throughput);
    let since = settle().await.on_demand_since;
    assert!(since.is_some(), "created on demand: {since:?}");
    // On demand to provisioned, with the index's capacity.
    let to_provisioned = UpdateTable::new(&name)
        .billing(BillingMode::Provisioned(tp(5, 6)))
        .index_throughput("byg", tp(3, 4));
    send(ctx, to_provisioned).await.unwrap();
    let d = settle().await;
    assert_eq!(d.definition.billing, BillingMode::Provisioned(tp(5, 6)));
    assert_eq!(index_tp(&d), Some(tp(3, 4)));
    // DynamoDB keeps when the table was last on demand.
    assert_eq!(d.on_demand_since, since);
    // The same capacity again is refused.
    let e = expect_err!(
        send(
            ctx,
            UpdateTable::new(&name).billing(BillingMode::Provisioned(tp(5, 6)))
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "The requested throughput value equals the current value"
    );
    // New table capacity, then new index capacity.
    send(
        ctx,
        UpdateTable::new(&name).billing(BillingMode::Provisioned(tp(7, 8))),
    )
    .await
    .unwrap();
    let d = settle().await;
    assert_eq!(d.definition.billing, BillingMode::Provisioned(tp(7, 8)));
    send(
        ctx,
        UpdateTable::new(&name).index_throughput("byg", tp(9, 9)),
    )
    .await
    .unwrap();
    let d = settle().await;
    assert_eq!(index_tp(&d), Some(tp(9, 9)));
    let e = expect_err!(
        send(
            ctx,
            UpdateTable::new(&name).index_throughput("byg", tp(9, 9))
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "The requested throughput value equals the current value"
    );
    // Bad index updates.
    let e = expect_err!(
        send(
            ctx,
            UpdateTable::new(&name).index_throughput("nope", tp(1, 1))
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(message(&e), "Invalid global secondary index name");
    let e = expect_err!(
        send(
            ctx,
            UpdateTable::new(&name)
                .index_throughput("byg", tp(1, 1))
                .index_throughput("byg", tp(2, 2))
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Only one global secondary index update per index is allowed simultaneously."
    );
    let e = expect_err!(
        send(
            ctx,
            UpdateTable::new(&name).billing(BillingMode::Provisioned(tp(0, 1)))
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Table read and write throughput must be at least 1, and cannot be null"
    );
    // Over DynamoDB's quota of 40,000 units, for the table or an index.
    for (update, of) in [
        (
            UpdateTable::new(&name).billing(BillingMode::Provisioned(tp(40_001, 6))),
            "table",
        ),
        (
            UpdateTable::new(&name).billing(BillingMode::Provisioned(tp(5, 40_001))),
            "table",
        ),
        (
            UpdateTable::new(&name).index_throughput("byg", tp(3, 40_001)),
            "global secondary index",
        ),
    ] {
        let e = expect_err!(send(ctx, update).await, Error::InvalidRequest { .. });
        assert_eq!(
            message(&e),
            format!("Cannot increase provisioned throughput to more than 40,000 units per {of}")
        );
    }
    // Back to on demand.
    send(
        ctx,
        UpdateTable::new(&name).billing(BillingMode::PayPerRequest),
    )
    .await
    .unwrap();
    let d = settle().await;
    assert_eq!(d.definition.billing, BillingMode::PayPerRequest);
    assert_eq!(index_tp(&d), None);
    assert!(
        d.on_demand_since >= since,
        "on demand again since {:?}, first since {since:?}",
        d.on_demand_since
    );
});

/// `UpdateTable`, sent again when DynamoDB Local fails it with an internal
/// error: now and then it does, for a request it answers correctly when
/// resent (seen on billing switches and on refused index updates).
async fn send(
    ctx: &super::Ctx,
    update: UpdateTable,
) -> crate::error::Result<crate::backend::TableDescription> {
    let mut attempts = 0;
    loop {
        match ctx.backend().update_table(update.clone()).await {
            Err(Error::Backend { message, .. })
                if ctx.reference() == Reference::DynamoDbLocal
                    && message.contains("InternalFailure")
                    && attempts < 4 =>
            {
                attempts += 1;
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            other => return other,
        }
    }
}
