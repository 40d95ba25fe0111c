//! A plain map storage for the emulator's tests: every byte it holds can
//! be read and replaced, so a test can damage a store at will.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::RwLock;

use dynamodb_mapper::Error;
use dynamodb_mapper::emulator::{Entries, Storage, Writes};

/// The emulator's storage over a `BTreeMap` of byte keys and values.
#[derive(Debug, Default)]
pub struct MapStorage(pub RwLock<BTreeMap<Vec<u8>, Vec<u8>>>);

impl Storage for MapStorage {
    type Key = Vec<u8>;
    type Value = Vec<u8>;

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.0.read().unwrap().get(key).cloned())
    }

    fn range(
        &self,
        start: &[u8],
        end: &[u8],
        reverse: bool,
        max: usize,
    ) -> Result<Entries<Vec<u8>>, Error> {
        if start >= end {
            return Ok(Vec::new());
        }
        let map = self.0.read().unwrap();
        let range = map.range::<[u8], _>((Bound::Included(start), Bound::Excluded(end)));
        let pairs = |(k, v): (&Vec<u8>, &Vec<u8>)| (k.clone(), v.clone());
        Ok(if reverse {
            range.rev().take(max).map(pairs).collect()
        } else {
            range.take(max).map(pairs).collect()
        })
    }

    fn apply(&self, writes: Writes) -> Result<(), Error> {
        let mut map = self.0.write().unwrap();
        for (k, v) in writes {
            match v {
                Some(v) => map.insert(k.to_vec(), v.to_vec()),
                None => map.remove(&k[..]),
            };
        }
        Ok(())
    }
}
