//! Tables, listing, time to live.

use super::{case, case_list, expect_err, gsi, key_s};
use crate::backend::{GetItem, ListTables, PutItem, Query, Scan, TableStatus, TimeToLive};
use crate::error::Error;
use crate::expr::{KeyCondition, Update};
use crate::model::{
    BillingMode, IndexProjection, KeyAttribute, KeySchema, ScalarType, TableDefinition,
};
use crate::value::Item;

case_list!("tables": create_describe_delete, create_existing_fails, missing_table_everywhere,
    invalid_table_names_are_refused,
    invalid_definitions_create_nothing, provisioned_billing_is_described, list_tables_in_pages,
    time_to_live_settings, expired_items_stay_visible);

case!(create_describe_delete, |ctx| {
    let b = ctx.backend();
    let name = ctx.ranged_table("t").await;
    let d = b.describe_table(&name).await.unwrap();
    assert_eq!(d.status, TableStatus::Active);
    assert_eq!(d.definition.name, name);
    assert_eq!(
        d.definition.key,
        KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N)
    );
    assert_eq!(d.definition.indexes.len(), 2);
    let g = d.definition.index("gsi1").expect("gsi1 described");
    assert_eq!(g.key.hash.name, "g");
    assert_eq!(g.projection, IndexProjection::All);
    let l = d.definition.index("lsi1").expect("lsi1 described");
    assert_eq!(l.key.range.as_ref().map(|r| r.name.as_str()), Some("l"));
    assert_eq!(l.projection, IndexProjection::KeysOnly);
    assert_eq!(d.item_count, 0);
    ctx.put(
        &name,
        Item::new()
            .with("pk", "a")
            .with("sk", 1)
            .with("d", "x".repeat(100)),
    )
    .await;
    let d = b.describe_table(&name).await.unwrap();
    assert_eq!(
        d.item_count, 1,
        "DynamoDB Local and the emulators keep the count live"
    );
    assert!(d.size_bytes > 100);
    b.delete_table(&name).await.unwrap();
    expect_err!(b.describe_table(&name).await, Error::TableNotFound { .. });
    expect_err!(
        b.get_item(GetItem::new(
            &name,
            Item::new().with("pk", "a").with("sk", 1)
        ))
        .await,
        Error::TableNotFound { .. }
    );
    // A table created again under the name is empty.
    let again = ctx.ranged_table("t").await;
    assert_eq!(again, name);
    assert_eq!(
        ctx.get(&name, Item::new().with("pk", "a").with("sk", 1))
            .await,
        None
    );
});

case!(create_existing_fails, |ctx| {
    let name = ctx.simple_table("t").await;
    let err = expect_err!(
        ctx.backend()
            .create_table(TableDefinition::new(
                &name,
                KeySchema::hash("id", ScalarType::S)
            ))
            .await,
        Error::TableInUse { .. }
    );
    assert!(err.to_string().contains(&name));
});

case!(missing_table_everywhere, |ctx| {
    let b = ctx.backend();
    let t = ctx.table("nope");
    expect_err!(b.describe_table(&t).await, Error::TableNotFound { .. });
    expect_err!(b.delete_table(&t).await, Error::TableNotFound { .. });
    expect_err!(
        b.get_item(GetItem::new(&t, key_s("a"))).await,
        Error::TableNotFound { .. }
    );
    expect_err!(
        b.put_item(PutItem::new(&t, key_s("a"))).await,
        Error::TableNotFound { .. }
    );
    expect_err!(
        b.update_item(
            crate::backend::UpdateItem::new(&t, key_s("a"))
                .update(&Update::new().set(crate::expr::attr("x"), 1))
        )
        .await,
        Error::TableNotFound { .. }
    );
    expect_err!(
        b.delete_item(crate::backend::DeleteItem::new(&t, key_s("a")))
            .await,
        Error::TableNotFound { .. }
    );
    expect_err!(
        b.query(Query::new(&t, &KeyCondition::hash("id", "a")))
            .await,
        Error::TableNotFound { .. }
    );
    expect_err!(b.scan(Scan::new(&t)).await, Error::TableNotFound { .. });
    expect_err!(
        b.describe_time_to_live(&t).await,
        Error::TableNotFound { .. }
    );
});

// A name no table could have is a validation error, not a missing table.
case!(invalid_table_names_are_refused, |ctx| {
    let b = ctx.backend();
    for t in ["ab", "has space", &"x".repeat(256)] {
        let invalid = |r: Result<String, Error>| {
            let e = r.expect_err(&format!("`{t}` is not a table name"));
            assert!(
                matches!(&e, Error::InvalidRequest { message } if message.contains("Invalid table/index name")),
                "`{t}`: {e:?}"
            );
        };
        invalid(b.describe_table(t).await.map(|d| format!("{d:?}")));
        invalid(b.delete_table(t).await.map(|d| format!("{d:?}")));
        invalid(
            b.get_item(GetItem::new(t, key_s("a")))
                .await
                .map(|r| format!("{r:?}")),
        );
        invalid(
            b.put_item(PutItem::new(t, key_s("a")))
                .await
                .map(|r| format!("{r:?}")),
        );
        invalid(b.scan(Scan::new(t)).await.map(|r| format!("{r:?}")));
        invalid(b.describe_time_to_live(t).await.map(|r| format!("{r:?}")));
    }
});

case!(invalid_definitions_create_nothing, |ctx| {
    let b = ctx.backend();
    // Too short, and bad characters.
    expect_err!(
        b.create_table(TableDefinition::new(
            "ab",
            KeySchema::hash("id", ScalarType::S)
        ))
        .await,
        Error::InvalidRequest { .. }
    );
    let bad = format!("{}!", ctx.table("x"));
    expect_err!(
        b.create_table(TableDefinition::new(
            &bad,
            KeySchema::hash("id", ScalarType::S)
        ))
        .await,
        Error::InvalidRequest { .. }
    );
    // A local index needs a range key on the table.
    let name = ctx.table("lsi");
    let def = TableDefinition::new(&name, KeySchema::hash("id", ScalarType::S)).with_local_index(
        "l1",
        KeyAttribute::new("l", ScalarType::S),
        IndexProjection::All,
    );
    expect_err!(b.create_table(def).await, Error::InvalidRequest { .. });
    expect_err!(b.describe_table(&name).await, Error::TableNotFound { .. });
    // One attribute with two types.
    let name = ctx.table("types");
    let mut def = TableDefinition::new(&name, KeySchema::hash("id", ScalarType::S));
    def.indexes.push(gsi(
        "g1",
        KeySchema::hash("id", ScalarType::N),
        IndexProjection::All,
    ));
    expect_err!(b.create_table(def).await, Error::InvalidRequest { .. });
    expect_err!(b.describe_table(&name).await, Error::TableNotFound { .. });
    // Zero provisioned capacity.
    let name = ctx.table("zero");
    let def =
        TableDefinition::new(&name, KeySchema::hash("id", ScalarType::S)).with_throughput(0, 5);
    expect_err!(b.create_table(def).await, Error::InvalidRequest { .. });
    // More than DynamoDB's quota of 40,000 units, for the table or an index.
    let name = ctx.table("quota");
    let def = TableDefinition::new(&name, KeySchema::hash("id", ScalarType::S))
        .with_throughput(1, 40_001);
    let e = expect_err!(b.create_table(def).await, Error::InvalidRequest { .. });
    assert_eq!(
        super::message(&e),
        "Cannot increase provisioned throughput to more than 40,000 units per table"
    );
    let mut def = TableDefinition::new(&name, KeySchema::hash("id", ScalarType::S))
        .with_throughput(40_000, 40_000);
    let mut index = gsi(
        "byg",
        KeySchema::hash("g", ScalarType::S),
        IndexProjection::All,
    );
    index.throughput = Some(crate::model::Throughput {
        read_capacity_units: 40_001,
        write_capacity_units: 1,
    });
    def.indexes.push(index);
    let e = expect_err!(b.create_table(def).await, Error::InvalidRequest { .. });
    assert_eq!(
        super::message(&e),
        "Cannot increase provisioned throughput to more than 40,000 units per global secondary index"
    );
    expect_err!(b.describe_table(&name).await, Error::TableNotFound { .. });
    // One attribute projected twice.
    let name = ctx.table("twice");
    let mut def = TableDefinition::new(&name, KeySchema::hash("id", ScalarType::S));
    def.indexes.push(gsi(
        "byg",
        KeySchema::hash("g", ScalarType::S),
        IndexProjection::Include(vec!["a".into(), "a".into()]),
    ));
    let e = expect_err!(b.create_table(def).await, Error::InvalidRequest { .. });
    assert_eq!(
        super::message(&e),
        "Cannot have two attributes with the same name"
    );
    expect_err!(b.describe_table(&name).await, Error::TableNotFound { .. });
});

case!(provisioned_billing_is_described, |ctx| {
    let name = ctx
        .create(
            TableDefinition::new(ctx.table("p"), KeySchema::hash("id", ScalarType::S))
                .with_throughput(7, 3),
        )
        .await;
    let d = ctx.backend().describe_table(&name).await.unwrap();
    match d.definition.billing {
        BillingMode::Provisioned(t) => {
            assert_eq!((t.read_capacity_units, t.write_capacity_units), (7, 3));
        }
        other => panic!("expected provisioned billing, got {other:?}"),
    }
    // Never on demand: DynamoDB gives no `BillingModeSummary`.
    assert_eq!(d.on_demand_since, None);
    let name = ctx.simple_table("od").await;
    assert_eq!(
        ctx.backend()
            .describe_table(&name)
            .await
            .unwrap()
            .definition
            .billing,
        BillingMode::PayPerRequest
    );
});

case!(list_tables_in_pages, |ctx| {
    let b = ctx.backend();
    let mut mine = Vec::new();
    for n in ["a", "b", "c"] {
        mine.push(ctx.simple_table(n).await);
    }
    // Walk every page with a small limit; ours appear, in order, once.
    let mut seen = Vec::new();
    let mut start = None;
    loop {
        let page = b
            .list_tables(ListTables {
                exclusive_start_table_name: start.clone(),
                limit: Some(2),
            })
            .await
            .unwrap();
        assert!(page.table_names.len() <= 2);
        seen.extend(
            page.table_names
                .iter()
                .filter(|t| mine.contains(t))
                .cloned(),
        );
        match page.last_evaluated_table_name {
            Some(last) => {
                assert_eq!(Some(&last), page.table_names.last());
                start = Some(last);
            }
            None => break,
        }
    }
    assert_eq!(seen, mine);
    // A start no table could have.
    let e = expect_err!(
        b.list_tables(ListTables {
            exclusive_start_table_name: Some("a".into()),
            limit: None
        })
        .await,
        Error::InvalidRequest { .. }
    );
    assert!(
        super::message(&e).starts_with("Invalid table/index name."),
        "{e:?}"
    );
    expect_err!(
        b.list_tables(ListTables {
            exclusive_start_table_name: None,
            limit: Some(0)
        })
        .await,
        Error::InvalidRequest { .. }
    );
    expect_err!(
        b.list_tables(ListTables {
            exclusive_start_table_name: None,
            limit: Some(101)
        })
        .await,
        Error::InvalidRequest { .. }
    );
});

case!(time_to_live_settings, |ctx| {
    let b = ctx.backend();
    let name = ctx.simple_table("ttl").await;
    let d = b.describe_time_to_live(&name).await.unwrap();
    assert!(!d.enabled);
    let on = TimeToLive {
        attribute: "expires".into(),
        enabled: true,
    };
    assert_eq!(b.update_time_to_live(&name, on.clone()).await.unwrap(), on);
    let d = b.describe_time_to_live(&name).await.unwrap();
    assert!(d.enabled);
    assert_eq!(d.attribute.as_deref(), Some("expires"));
    expect_err!(
        b.update_time_to_live(&name, on.clone()).await,
        Error::InvalidRequest { .. }
    );
    let other = TimeToLive {
        attribute: "other".into(),
        enabled: true,
    };
    expect_err!(
        b.update_time_to_live(&name, other).await,
        Error::InvalidRequest { .. }
    );
    let off = TimeToLive {
        attribute: "expires".into(),
        enabled: false,
    };
    b.update_time_to_live(&name, off).await.unwrap();
    assert!(!b.describe_time_to_live(&name).await.unwrap().enabled);
    // A table can be created with TTL enabled.
    let name = ctx
        .create(
            TableDefinition::new(ctx.table("ttl2"), KeySchema::hash("id", ScalarType::S))
                .with_ttl("exp"),
        )
        .await;
    assert_eq!(
        b.describe_time_to_live(&name)
            .await
            .unwrap()
            .attribute
            .as_deref(),
        Some("exp")
    );
});

case!(expired_items_stay_visible, |ctx| {
    let name = ctx
        .create(
            TableDefinition::new(ctx.table("ttl"), KeySchema::hash("id", ScalarType::S))
                .with_ttl("exp"),
        )
        .await;
    // Expired a minute ago: still readable until the background deletion.
    let past = crate::Timestamp::now().unix_seconds() - 60;
    ctx.put(&name, key_s("old").with("exp", past)).await;
    assert!(ctx.get(&name, key_s("old")).await.is_some());
});
