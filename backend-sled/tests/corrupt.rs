//! Damaged stores: records changed through sled directly (after the
//! backend is dropped) are refused when the store is opened, with
//! `Error::Corrupt` naming the table, the record or key, and the check;
//! arbitrary bytes in any record never make the library panic; truncated
//! files give an error or a store whose reads all answer.

use std::time::{Duration, Instant};

use dynamodb_mapper::backend::{Backend, GetItem, PutItem, Query, Scan};
use dynamodb_mapper::codec::{decode_item, encode_item};
use dynamodb_mapper::expr::KeyCondition;
use dynamodb_mapper::{Error, IndexProjection, Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_sled::SledBackend;
use proptest::prelude::*;

const ITEMS: i64 = 20;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A store with a table `things` (an index `by_colour`) and its items.
fn healthy(dir: &std::path::Path) {
    rt().block_on(async {
        let store = SledBackend::open(dir).unwrap();
        store
            .create_table(
                TableDefinition::new("things", KeySchema::hash("id", ScalarType::S))
                    .with_global_index(
                        "by_colour",
                        KeySchema::hash("colour", ScalarType::S),
                        IndexProjection::All,
                    ),
            )
            .await
            .unwrap();
        for i in 0..ITEMS {
            store
                .put_item(PutItem::new(
                    "things",
                    Item::new()
                        .with("id", format!("thing-{i}"))
                        .with("colour", ["red", "blue"][i as usize % 2])
                        .with("n", i),
                ))
                .await
                .unwrap();
        }
    });
}

/// sled on the store's files directly, once the backend's handle let go
/// of the lock (sled's threads keep it a moment after the drop).
fn raw(dir: &std::path::Path) -> sled::Db {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match sled::open(dir) {
            Ok(db) => return db,
            Err(e) if Instant::now() >= deadline => panic!("raw open: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Changes the store's bytes through sled, then reopens the backend.
/// The directory is returned with the outcome: it must outlive the store.
fn damaged(edit: impl FnOnce(&sled::Db)) -> (tempfile::TempDir, Result<SledBackend, Error>) {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    {
        let db = raw(dir.path());
        edit(&db);
        db.flush().unwrap();
    }
    let opened = SledBackend::open(dir.path());
    (dir, opened)
}

fn corruption((_dir, opened): (tempfile::TempDir, Result<SledBackend, Error>)) -> String {
    match opened {
        Err(Error::Corrupt { message }) => message,
        Err(e) => panic!("expected a corruption error, got {e:?}"),
        Ok(_) => panic!("a damaged store opened"),
    }
}

fn keys_with_prefix(db: &sled::Db, prefix: u8) -> Vec<Vec<u8>> {
    db.scan_prefix([prefix])
        .keys()
        .map(|k| k.unwrap().to_vec())
        .collect()
}

#[test]
fn a_damaged_item_names_its_table_and_key() {
    let text = corruption(damaged(|db| {
        let key = keys_with_prefix(db, 2)[4].clone();
        let mut v = db.get(&key).unwrap().unwrap().to_vec();
        let last = v.len() - 1;
        v[last] = 0xee;
        v.truncate(last - 2);
        db.insert(key, v).unwrap();
    }));
    assert!(text.contains("table `things`"), "{text}");
    assert!(text.contains("thing-"), "the key is named: {text}");
    assert!(text.contains("damaged at byte"), "{text}");
}

#[test]
fn a_lost_item_or_index_entry_is_found_on_open() {
    let text = corruption(damaged(|db| {
        let key = keys_with_prefix(db, 2)[0].clone();
        db.remove(key).unwrap();
    }));
    assert!(
        text.contains("index `by_colour` has 20 entries, but 19 of the table's 19 items"),
        "{text}"
    );
    let text = corruption(damaged(|db| {
        let key = keys_with_prefix(db, 3)[7].clone();
        db.remove(key).unwrap();
    }));
    assert!(text.contains("index `by_colour` has 19 entries"), "{text}");
}

#[test]
fn a_damaged_table_record_names_the_field() {
    let text = corruption(damaged(|db| {
        let record = decode_item(&db.get(b"\x01things").unwrap().unwrap()).unwrap();
        let bad = record.with("indexes", "none");
        db.insert(b"\x01things", encode_item(&bad)).unwrap();
    }));
    assert!(
        text.contains("the record of table `things` is damaged: its field `indexes`"),
        "{text}"
    );
    let text = corruption(damaged(|db| {
        db.insert(b"\x01things", vec![1, 3, 0xff]).unwrap();
    }));
    assert!(
        text.contains("the table record under key \"things\" cannot be decoded"),
        "{text}"
    );
}

#[test]
fn table_ids_at_the_end_of_the_range_are_errors_not_overflows() {
    let text = corruption(damaged(|db| {
        let record = decode_item(&db.get(b"\x01things").unwrap().unwrap()).unwrap();
        db.insert(b"\x01things", encode_item(&record.with("id", u32::MAX)))
            .unwrap();
    }));
    assert!(text.contains("its id 4294967295 is beyond"), "{text}");
    // A next id at the end: the store opens, creating a table is refused.
    let (_dir, store) = damaged(|db| {
        db.insert(b"\x00next_table_id", u32::MAX.to_be_bytes().to_vec())
            .unwrap();
    });
    let store = store.unwrap();
    let err = rt()
        .block_on(store.create_table(TableDefinition::new(
            "more",
            KeySchema::hash("id", ScalarType::S),
        )))
        .unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("next table id"), "{err}");
}

#[test]
fn a_damaged_format_record_is_refused() {
    let text = corruption(damaged(|db| {
        db.insert(b"\x00format", vec![0, 0, 1]).unwrap();
    }));
    assert!(text.contains("format version record is damaged"), "{text}");
    let text = corruption(damaged(|db| {
        db.remove(b"\x00format").unwrap();
    }));
    assert!(text.contains("no format version"), "{text}");
}

/// Every read of the store answers: an item or a corruption error.
fn read_everything(store: &SledBackend) {
    rt().block_on(async {
        let fine = |r: Result<(), Error>| match r {
            Ok(()) | Err(Error::Corrupt { .. }) | Err(Error::TableNotFound { .. }) => {}
            Err(e) => panic!("a read of a damaged store failed with {e:?}"),
        };
        fine(store.scan(Scan::new("things")).await.map(|_| ()));
        let q = Query::new("things", &KeyCondition::hash("colour", "red")).index("by_colour");
        fine(store.query(q).await.map(|_| ()));
        for i in 0..ITEMS {
            let key = Item::new().with("id", format!("thing-{i}"));
            fine(
                store
                    .get_item(GetItem::new("things", key))
                    .await
                    .map(|_| ()),
            );
        }
    });
}

/// Which record of the store arbitrary bytes replace.
#[derive(Clone, Copy, Debug)]
enum Record {
    Item,
    IndexEntry,
    Table,
    Format,
    NextId,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Arbitrary bytes as any record: open refuses the store with
    /// `Error::Corrupt` (or, for a well-formed next id, opens it), never
    /// a panic.
    #[test]
    fn arbitrary_bytes_in_any_record_are_refused(
        which in prop_oneof![
            Just(Record::Item),
            Just(Record::IndexEntry),
            Just(Record::Table),
            Just(Record::Format),
            Just(Record::NextId),
        ],
        n in 0..ITEMS as usize,
        bytes in prop::collection::vec(any::<u8>(), 0..48),
    ) {
        let (_dir, opened) = damaged(|db| {
            let key = match which {
                Record::Item => keys_with_prefix(db, 2)[n].clone(),
                Record::IndexEntry => keys_with_prefix(db, 3)[n].clone(),
                Record::Table => b"\x01things".to_vec(),
                Record::Format => b"\x00format".to_vec(),
                Record::NextId => b"\x00next_table_id".to_vec(),
            };
            db.insert(key, bytes.clone()).unwrap();
        });
        let well_formed = match which {
            Record::NextId => bytes.len() == 4,
            Record::Format => bytes == 1u32.to_be_bytes(),
            _ => false,
        };
        match opened {
            Ok(store) => {
                prop_assert!(well_formed, "{which:?} replaced by {bytes:?} opened");
                read_everything(&store);
            }
            Err(Error::Corrupt { message }) => {
                prop_assert!(!well_formed, "{message}");
                prop_assert!(!message.is_empty());
            }
            Err(e) => prop_assert!(false, "not a corruption error: {e:?}"),
        }
    }
}

/// Truncated files: an error or a store whose every read answers.
#[test]
fn truncated_files_give_errors_not_panics() {
    for seed in 0..8u64 {
        let dir = tempfile::tempdir().unwrap();
        healthy(dir.path());
        drop(raw(dir.path()));
        let mut rng = fastrand::Rng::with_seed(seed);
        for entry in walk(dir.path()) {
            let len = std::fs::metadata(&entry).unwrap().len();
            if len > 0 && rng.bool() {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&entry)
                    .unwrap();
                file.set_len(rng.u64(..len)).unwrap();
            }
        }
        let outcome = std::panic::catch_unwind(|| {
            if let Ok(store) = SledBackend::open(dir.path()) {
                read_everything(&store);
            }
        });
        assert!(
            outcome.is_ok(),
            "seed {seed}: a truncated store made the library panic"
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
