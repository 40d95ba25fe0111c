//! A damaged store never makes the emulator panic: arbitrary changes to
//! the bytes of a store (values flipped, truncated, replaced by random
//! bytes; keys removed) either are refused by `Emulator::open` with
//! `Error::Corrupt`, or open a store whose every read answers (an item or
//! `Error::Corrupt`). Runs over a plain map storage, so it is fast; the
//! sled crate's `corrupt` test does the same through sled's files.

use std::collections::BTreeMap;
use std::sync::RwLock;

use dynamodb_mapper::backend::{DeleteItem, GetItem, PutItem, Query, Scan, UpdateItem};
use dynamodb_mapper::codec::decode_item;
use dynamodb_mapper::emulator::Emulator;
use dynamodb_mapper::expr::KeyCondition;
use dynamodb_mapper::{
    AttributeValue, Error, IndexProjection, Item, KeySchema, ScalarType, TableDefinition,
};
use proptest::prelude::*;

#[path = "support/map_storage.rs"]
mod map_storage;
use map_storage::MapStorage;

const ITEMS: i64 = 12;

/// The bytes of a store with a table with an index, and items in it.
fn healthy() -> BTreeMap<Vec<u8>, Vec<u8>> {
    let engine = Emulator::open(MapStorage::default()).unwrap();
    engine
        .create_table(
            TableDefinition::new(
                "things",
                KeySchema::hash("id", ScalarType::S).with_range("n", ScalarType::N),
            )
            .with_global_index(
                "by_colour",
                KeySchema::hash("colour", ScalarType::S),
                IndexProjection::All,
            ),
        )
        .unwrap();
    for i in 0..ITEMS {
        engine
            .put_item(PutItem::new(
                "things",
                Item::new()
                    .with("id", format!("thing-{}", i % 3))
                    .with("n", i)
                    .with("colour", ["red", "blue"][i as usize % 2])
                    .with("tags", AttributeValue::Ss(vec![i.to_string()]))
                    .with(
                        "deep",
                        Item::new().with("l", vec![AttributeValue::from(Item::new().with("x", i))]),
                    ),
            ))
            .unwrap();
    }
    engine.storage().0.read().unwrap().clone()
}

/// Every read of the table: each answers without a panic, an item or a
/// corruption error.
fn read_everything(engine: &Emulator<MapStorage>) {
    let fine = |r: Result<(), Error>| match r {
        // A flip inside a table record that still decodes (an index or
        // key attribute renamed) makes some requests invalid.
        Ok(())
        | Err(Error::Corrupt { .. })
        | Err(Error::TableNotFound { .. })
        | Err(Error::InvalidRequest { .. }) => {}
        Err(e) => panic!("a read of a damaged store failed with {e:?}"),
    };
    fine(engine.scan(Scan::new("things")).map(|_| ()));
    fine(
        engine
            .scan(Scan::new("things").index("by_colour"))
            .map(|_| ()),
    );
    for colour in ["red", "blue"] {
        fine(
            engine
                .query(
                    Query::new("things", &KeyCondition::hash("colour", colour)).index("by_colour"),
                )
                .map(|_| ()),
        );
    }
    for i in 0..ITEMS {
        let key = Item::new()
            .with("id", format!("thing-{}", i % 3))
            .with("n", i);
        fine(engine.get_item(GetItem::new("things", key)).map(|_| ()));
    }
    fine(engine.all_items("things").map(|_| ()));
    fine(engine.verify_indexes());
}

#[derive(Clone, Debug)]
enum Damage {
    Flip { at: usize, mask: u8 },
    Truncate { len: usize },
    Replace(Vec<u8>),
    Remove,
}

fn damage() -> impl Strategy<Value = (prop::sample::Index, Damage)> {
    let d = prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, mask)| Damage::Flip { at, mask }),
        any::<usize>().prop_map(|len| Damage::Truncate { len }),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Damage::Replace),
        Just(Damage::Remove),
    ];
    (any::<prop::sample::Index>(), d)
}

fn apply_damage(map: &mut BTreeMap<Vec<u8>, Vec<u8>>, damages: Vec<(prop::sample::Index, Damage)>) {
    for (which, d) in damages {
        let keys: Vec<Vec<u8>> = map.keys().cloned().collect();
        let key = which.get(&keys).clone();
        let value = map.get_mut(&key).unwrap();
        match d {
            Damage::Flip { at, mask } if !value.is_empty() => {
                let at = at % value.len();
                value[at] ^= mask;
            }
            Damage::Flip { .. } => {}
            Damage::Truncate { len } => {
                let len = len % (value.len() + 1);
                value.truncate(len);
            }
            Damage::Replace(bytes) => *value = bytes,
            Damage::Remove => {
                map.remove(&key);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn damaged_stores_never_panic(damages in prop::collection::vec(damage(), 1..4)) {
        let mut map = healthy();
        apply_damage(&mut map, damages);
        let storage = MapStorage(RwLock::new(map));
        match Emulator::open(storage) {
            Ok(engine) => read_everything(&engine),
            Err(Error::Corrupt { message }) => prop_assert!(!message.is_empty()),
            Err(e) => prop_assert!(false, "open failed with a non-corruption error: {e:?}"),
        }
    }

    /// Damage while the store is open (sled rereads pages from disk):
    /// every read and write of the damaged store answers, an item, a
    /// write, or `Error::Corrupt`, never a panic.
    #[test]
    fn damage_after_open_never_panics(damages in prop::collection::vec(damage(), 1..4)) {
        let engine = Emulator::open(MapStorage(RwLock::new(healthy()))).unwrap();
        {
            let mut map = engine.storage().0.write().unwrap();
            apply_damage(&mut map, damages);
        }
        read_everything(&engine);
        let fine = |r: Result<(), Error>| match r {
            Ok(())
            | Err(Error::Corrupt { .. })
            | Err(Error::Conflict { .. })
            | Err(Error::InvalidRequest { .. }) => {}
            Err(e) => panic!("a write to a damaged store failed with {e:?}"),
        };
        for i in 0..ITEMS {
            let key = Item::new().with("id", format!("thing-{}", i % 3)).with("n", i);
            let item = key.clone().with("colour", "green");
            fine(engine.put_item(PutItem::new("things", item)).map(|_| ()));
            let update = dynamodb_mapper::expr::Update::new().set(dynamodb_mapper::expr::attr("colour"), "red");
            fine(engine.update_item(UpdateItem::new("things", key.clone()).update(&update)).map(|_| ()));
            fine(engine.delete_item(DeleteItem::new("things", key)).map(|_| ()));
        }
    }

    /// The size reader (what a write reads of the item it replaces) on
    /// arbitrary bytes: a size or `Error::Corrupt`, never a panic.
    #[test]
    fn arbitrary_bytes_size_or_are_corrupt(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        match dynamodb_mapper::codec::encoded_item_size(&bytes) {
            Ok(_) | Err(Error::Corrupt { .. }) => {}
            Err(e) => prop_assert!(false, "{e:?}"),
        }
    }

    /// The item decoder on arbitrary bytes: an item or `Error::Corrupt`.
    #[test]
    fn arbitrary_bytes_decode_or_are_corrupt(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        match decode_item(&bytes) {
            Ok(_) => {}
            Err(Error::Corrupt { message }) => prop_assert!(message.contains("cannot be decoded")),
            Err(e) => prop_assert!(false, "{e:?}"),
        }
    }
}

/// Each check of the open, on a store damaged in one known way.
#[test]
fn each_damage_is_named() {
    let corrupt =
        |map: BTreeMap<Vec<u8>, Vec<u8>>| match Emulator::open(MapStorage(RwLock::new(map))) {
            Err(Error::Corrupt { message }) => message,
            Err(e) => panic!("expected a corruption error, got {e:?}"),
            Ok(_) => panic!("a damaged store opened"),
        };
    let items: Vec<Vec<u8>> = healthy().keys().filter(|k| k[0] == 2).cloned().collect();
    let entries: Vec<Vec<u8>> = healthy().keys().filter(|k| k[0] == 3).cloned().collect();

    let mut map = healthy();
    map.get_mut(&items[0]).unwrap().truncate(9);
    let text = corrupt(map);
    assert!(text.contains("table `things`"), "{text}");
    assert!(text.contains("thing-"), "the key is named: {text}");
    assert!(text.contains("damaged at byte"), "{text}");

    let mut map = healthy();
    map.remove(&items[3]);
    let text = corrupt(map);
    assert!(
        text.contains("index `by_colour` has 12 entries, but 11"),
        "{text}"
    );

    let mut map = healthy();
    map.remove(&entries[0]);
    let text = corrupt(map);
    assert!(
        text.contains("index `by_colour` has 11 entries, but 12"),
        "{text}"
    );

    let mut map = healthy();
    let (a, b) = (map[&items[0]].clone(), map[&items[1]].clone());
    map.insert(items[0].clone(), b);
    map.insert(items[1].clone(), a);
    let text = corrupt(map);
    assert!(text.contains("holds another key"), "{text}");

    let mut map = healthy();
    map.insert(b"\x00format".to_vec(), vec![0, 1]);
    let text = corrupt(map);
    assert!(text.contains("format version record is damaged"), "{text}");

    let mut map = healthy();
    map.insert(b"\x00next_table_id".to_vec(), vec![7]);
    let text = corrupt(map);
    assert!(text.contains("next table id record is damaged"), "{text}");

    // A table record whose field is wrong, and one whose id would overflow.
    let record_key = b"\x01things".to_vec();
    let record = decode_item(&healthy()[&record_key]).unwrap();
    let mut map = healthy();
    let bad = record.clone().with("key", "not a key schema");
    map.insert(
        record_key.clone(),
        dynamodb_mapper::codec::encode_item(&bad),
    );
    let text = corrupt(map);
    assert!(
        text.contains("the record of table `things` is damaged: its field `key`"),
        "{text}"
    );
    let mut map = healthy();
    let bad = record
        .clone()
        .with("indexes", AttributeValue::L(Vec::new()));
    map.insert(
        record_key.clone(),
        dynamodb_mapper::codec::encode_item(&bad),
    );
    let text = corrupt(map);
    assert!(text.contains("that none of its 0 indexes has"), "{text}");
    let mut map = healthy();
    let bad = record.with("id", u32::MAX);
    map.insert(record_key, dynamodb_mapper::codec::encode_item(&bad));
    let text = corrupt(map);
    assert!(text.contains("its id 4294967295 is beyond"), "{text}");
}

/// A next table id at the end of the id space: creating a table is a
/// corruption error, not an overflow.
#[test]
fn an_exhausted_table_id_is_an_error() {
    let mut map = healthy();
    map.insert(
        b"\x00next_table_id".to_vec(),
        u32::MAX.to_be_bytes().to_vec(),
    );
    let engine = Emulator::open(MapStorage(RwLock::new(map))).unwrap();
    let err = engine
        .create_table(TableDefinition::new(
            "more",
            KeySchema::hash("id", ScalarType::S),
        ))
        .unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("next table id"), "{err}");
}
