//! Data survives closing and reopening the store; stores that cannot be
//! opened give clear errors.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use dynamodb_mapper::backend::{
    Backend, DeleteItem, GetItem, ListTables, PutItem, Query, UpdateItem,
};
use dynamodb_mapper::expr::{KeyCondition, RangeCondition, Update, attr};
use dynamodb_mapper::{
    AttributeValue, Error, IndexProjection, Item, KeyAttribute, KeySchema, ScalarType,
    TableDefinition,
};
use dynamodb_mapper_sled::SledBackend;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn orders() -> TableDefinition {
    TableDefinition::new(
        "orders",
        KeySchema::hash("customer", ScalarType::S).with_range("at", ScalarType::N),
    )
    .with_global_index(
        "by_status",
        KeySchema::hash("status", ScalarType::S).with_range("at", ScalarType::N),
        IndexProjection::KeysOnly,
    )
    .with_local_index(
        "by_total",
        KeyAttribute::new("total", ScalarType::N),
        IndexProjection::All,
    )
    .with_throughput(5, 5)
    .with_ttl("expires")
}

#[test]
fn tables_items_and_indexes_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    rt.block_on(async {
        let store = SledBackend::open(dir.path()).unwrap();
        store.create_table(orders()).await.unwrap();
        store
            .create_table(TableDefinition::new(
                "gone",
                KeySchema::hash("id", ScalarType::S),
            ))
            .await
            .unwrap();
        for i in 0..30i64 {
            let item = Item::new()
                .with("customer", format!("c{}", i % 3))
                .with("at", i)
                .with("status", if i % 2 == 0 { "open" } else { "shipped" })
                .with("total", 100 - i);
            store.put_item(PutItem::new("orders", item)).await.unwrap();
        }
        store
            .update_item(
                UpdateItem::new("orders", Item::new().with("customer", "c0").with("at", 0))
                    .update(&Update::new().set(attr("status"), "shipped")),
            )
            .await
            .unwrap();
        store
            .delete_item(DeleteItem::new(
                "orders",
                Item::new().with("customer", "c1").with("at", 1),
            ))
            .await
            .unwrap();
        store.delete_table("gone").await.unwrap();
    });

    rt.block_on(async {
        let store = SledBackend::open(dir.path()).unwrap();
        let names = store
            .list_tables(ListTables::default())
            .await
            .unwrap()
            .table_names;
        assert_eq!(names, ["orders"], "the deleted table stays deleted");
        let d = store.describe_table("orders").await.unwrap();
        assert_eq!(
            d.definition,
            orders(),
            "keys, indexes, billing and TTL attribute all kept"
        );
        assert_eq!(d.item_count, 29);
        let got = store
            .get_item(GetItem::new(
                "orders",
                Item::new().with("customer", "c0").with("at", 0),
            ))
            .await
            .unwrap()
            .item
            .unwrap();
        assert_eq!(got["status"], AttributeValue::S("shipped".into()));
        let open = store
            .query(Query::new("orders", &KeyCondition::hash("status", "open")).index("by_status"))
            .await
            .unwrap();
        assert_eq!(open.count, 14, "the global index was kept in step");
        let big = store
            .query(
                Query::new(
                    "orders",
                    &KeyCondition::hash("customer", "c2")
                        .range("total", RangeCondition::Ge(90.into())),
                )
                .index("by_total"),
            )
            .await
            .unwrap();
        assert_eq!(big.count, 3, "totals 98, 95 and 92");
        store.engine().verify_indexes().unwrap();
        // New tables get new ids: the old data is untouched.
        store
            .create_table(TableDefinition::new(
                "gone",
                KeySchema::hash("id", ScalarType::S),
            ))
            .await
            .unwrap();
        assert_eq!(store.describe_table("gone").await.unwrap().item_count, 0);
        assert_eq!(store.describe_table("orders").await.unwrap().item_count, 29);
    });
}

#[test]
fn a_path_that_is_a_file_is_refused() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let err = SledBackend::open(file.path()).unwrap_err();
    assert!(
        err.to_string().contains("it is a file, not a directory"),
        "{err}"
    );
}

#[test]
fn an_unknown_format_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(SledBackend::open(dir.path()).unwrap());
    {
        let db = sled::open(dir.path()).unwrap();
        db.insert(b"\x00format", 99u32.to_be_bytes().to_vec())
            .unwrap();
        db.flush().unwrap();
    }
    let err = SledBackend::open(dir.path()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("format version 99"), "{text}");
    assert!(text.contains(&dir.path().display().to_string()), "{text}");
}

#[test]
fn a_foreign_sled_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path()).unwrap();
        db.insert(b"someone else's key", b"value".to_vec()).unwrap();
        db.flush().unwrap();
    }
    let err = SledBackend::open(dir.path()).unwrap_err();
    assert!(
        err.to_string().contains("not written by dynamodb-mapper"),
        "{err}"
    );
}

/// Run by `a_store_in_use_by_another_process_is_refused` in a child
/// process: holds the store open until killed.
#[test]
#[ignore = "a helper process for another test"]
fn hold_store_open() {
    let Ok(path) = std::env::var("SLED_HOLD_STORE") else {
        return;
    };
    let _store = SledBackend::open(&path).unwrap();
    println!("ready");
    std::thread::sleep(std::time::Duration::from_secs(60));
}

#[test]
fn a_store_in_use_by_another_process_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "hold_store_open",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SLED_HOLD_STORE", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let ready = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("ready"));
    assert!(ready, "the child opened the store");
    let err = SledBackend::open(dir.path()).unwrap_err();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        err.to_string().contains("in use by another process"),
        "{err}"
    );
    assert!(matches!(err, Error::Backend { .. }));
    // Once the other process is gone, the store opens.
    SledBackend::open(dir.path()).unwrap();
}
