//! The table records of the emulator's store: a table's definition, id
//! and creation time as an item, and back. Reading a record checks every
//! field, so a damaged record is [`Error::Corrupt`] naming the field.

use std::collections::BTreeMap;

use super::table::{DroppedIndex, IndexSlot, TableMeta};
use crate::error::Error;
use crate::model::{
    BillingMode, IndexDefinition, IndexKind, IndexProjection, KeyAttribute, KeySchema, ScalarType,
    TableDefinition, Throughput,
};
use crate::time::Timestamp;
use crate::value::{AttributeValue, Item};

impl TableMeta {
    /// The metadata record, as an item.
    pub(crate) fn to_record(&self) -> Item {
        fn key_schema(k: &KeySchema) -> AttributeValue {
            let mut m = BTreeMap::new();
            m.insert("hash".to_owned(), AttributeValue::S(k.hash.name.clone()));
            m.insert(
                "hash_type".to_owned(),
                AttributeValue::S(k.hash.scalar_type.as_str().to_owned()),
            );
            if let Some(r) = &k.range {
                m.insert("range".to_owned(), AttributeValue::S(r.name.clone()));
                m.insert(
                    "range_type".to_owned(),
                    AttributeValue::S(r.scalar_type.as_str().to_owned()),
                );
            }
            AttributeValue::M(m)
        }
        fn throughput(t: &Throughput) -> AttributeValue {
            AttributeValue::L(vec![
                t.read_capacity_units.into(),
                t.write_capacity_units.into(),
            ])
        }
        let indexes = self
            .def
            .indexes
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let mut m = BTreeMap::new();
                if let Some(slot) = self.slots.get(n) {
                    m.insert("id".to_owned(), slot.id.into());
                    if slot.creating {
                        m.insert(
                            "status".to_owned(),
                            AttributeValue::S("CREATING".to_owned()),
                        );
                    }
                }
                m.insert("name".to_owned(), AttributeValue::S(i.name.clone()));
                m.insert(
                    "kind".to_owned(),
                    AttributeValue::S(
                        if i.kind == IndexKind::Global {
                            "G"
                        } else {
                            "L"
                        }
                        .to_owned(),
                    ),
                );
                m.insert("key".to_owned(), key_schema(&i.key));
                let projection = match &i.projection {
                    IndexProjection::All => AttributeValue::S("ALL".to_owned()),
                    IndexProjection::KeysOnly => AttributeValue::S("KEYS_ONLY".to_owned()),
                    IndexProjection::Include(names) => {
                        AttributeValue::L(names.iter().map(|n| n.as_str().into()).collect())
                    }
                };
                m.insert("projection".to_owned(), projection);
                if let Some(t) = &i.throughput {
                    m.insert("throughput".to_owned(), throughput(t));
                }
                AttributeValue::M(m)
            })
            .collect();
        let mut item = Item::new()
            .with("id", self.id)
            .with("name", self.def.name.as_str())
            .with("key", key_schema(&self.def.key))
            .with("indexes", AttributeValue::L(indexes))
            .with("created", self.created.to_string());
        if let Some(t) = self.on_demand_since {
            item.insert("on_demand_since".to_owned(), t.to_string().into());
        }
        if let BillingMode::Provisioned(t) = &self.def.billing {
            item.insert("throughput".to_owned(), throughput(t));
        }
        if let Some(ttl) = &self.def.ttl_attribute {
            item.insert("ttl".to_owned(), AttributeValue::S(ttl.clone()));
        }
        if !self.dropping.is_empty() {
            let dropping = self
                .dropping
                .iter()
                .map(|d| {
                    AttributeValue::M(BTreeMap::from([
                        ("name".to_owned(), AttributeValue::S(d.name.clone())),
                        ("id".to_owned(), d.id.into()),
                    ]))
                })
                .collect();
            item.insert("dropping".to_owned(), AttributeValue::L(dropping));
        }
        item
    }

    /// Reads a metadata record back, or says which of its fields is
    /// damaged ([`Error::Corrupt`]).
    pub(crate) fn from_record(item: &Item) -> Result<TableMeta, Error> {
        let shown = item.get("name").and_then(AttributeValue::as_s).map_or_else(
            || "a table record".to_owned(),
            |n| format!("the record of table `{n}`"),
        );
        let bad = |field: &str| Error::Corrupt {
            message: format!("{shown} is damaged: its field `{field}` is missing or invalid"),
        };
        fn s(v: Option<&AttributeValue>) -> Option<String> {
            v.and_then(AttributeValue::as_s).map(str::to_owned)
        }
        fn scalar(v: Option<&AttributeValue>) -> Option<ScalarType> {
            match v.and_then(AttributeValue::as_s)? {
                "S" => Some(ScalarType::S),
                "N" => Some(ScalarType::N),
                "B" => Some(ScalarType::B),
                _ => None,
            }
        }
        fn key_schema(v: Option<&AttributeValue>) -> Option<KeySchema> {
            let m = v?.as_m()?;
            let hash = KeyAttribute::new(s(m.get("hash"))?, scalar(m.get("hash_type"))?);
            let range = match m.get("range") {
                Some(r) => Some(KeyAttribute::new(r.as_s()?, scalar(m.get("range_type"))?)),
                None => None,
            };
            Some(KeySchema { hash, range })
        }
        fn throughput(v: Option<&AttributeValue>) -> Option<Throughput> {
            let l = v?.as_l()?;
            Some(Throughput {
                read_capacity_units: l.first()?.as_n()?.to_u64().ok()?,
                write_capacity_units: l.get(1)?.as_n()?.to_u64().ok()?,
            })
        }
        let id = item
            .get("id")
            .and_then(|v| v.as_n())
            .and_then(|n| n.to_u64().ok())
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| bad("id"))?;
        let listed = item
            .get("indexes")
            .and_then(|v| v.as_l())
            .ok_or_else(|| bad("indexes"))?;
        // Index numbers are one byte of every index entry's storage key.
        if listed.len() > usize::from(u8::MAX) + 1 {
            return Err(bad("indexes"));
        }
        fn small_id(v: Option<&AttributeValue>) -> Option<u8> {
            u8::try_from(v?.as_n()?.to_u64().ok()?).ok()
        }
        let mut indexes = Vec::new();
        let mut slots = Vec::new();
        for (n, i) in listed.iter().enumerate() {
            let field = |f: &str| bad(&format!("indexes[{n}].{f}"));
            let m = i.as_m().ok_or_else(|| bad(&format!("indexes[{n}]")))?;
            // Stores written before indexes could be added and removed
            // have no ids: an index's id is its place.
            slots.push(IndexSlot {
                id: match m.get("id") {
                    Some(v) => small_id(Some(v)).ok_or_else(|| field("id"))?,
                    None => u8::try_from(n).map_err(|_| field("id"))?,
                },
                creating: match m.get("status") {
                    None => false,
                    Some(AttributeValue::S(v)) if v == "CREATING" => true,
                    Some(_) => return Err(field("status")),
                },
            });
            let projection = match m.get("projection").ok_or_else(|| field("projection"))? {
                AttributeValue::S(p) if p == "ALL" => IndexProjection::All,
                AttributeValue::S(p) if p == "KEYS_ONLY" => IndexProjection::KeysOnly,
                AttributeValue::L(names) => IndexProjection::Include(
                    names
                        .iter()
                        .map(|n| n.as_s().map(str::to_owned))
                        .collect::<Option<Vec<String>>>()
                        .ok_or_else(|| field("projection"))?,
                ),
                _ => return Err(field("projection")),
            };
            indexes.push(IndexDefinition {
                name: s(m.get("name")).ok_or_else(|| field("name"))?,
                kind: match s(m.get("kind")).as_deref() {
                    Some("G") => IndexKind::Global,
                    Some("L") => IndexKind::Local,
                    _ => return Err(field("kind")),
                },
                key: key_schema(m.get("key")).ok_or_else(|| field("key"))?,
                projection,
                throughput: throughput(m.get("throughput")),
            });
        }
        let mut dropping = Vec::new();
        if let Some(list) = item.get("dropping") {
            for (n, d) in list
                .as_l()
                .ok_or_else(|| bad("dropping"))?
                .iter()
                .enumerate()
            {
                let field = |f: &str| bad(&format!("dropping[{n}].{f}"));
                let m = d.as_m().ok_or_else(|| bad(&format!("dropping[{n}]")))?;
                dropping.push(DroppedIndex {
                    name: s(m.get("name")).ok_or_else(|| field("name"))?,
                    id: small_id(m.get("id")).ok_or_else(|| field("id"))?,
                });
            }
        }
        let ttl_attribute = match item.get("ttl") {
            None => None,
            Some(v) => Some(v.as_s().ok_or_else(|| bad("ttl"))?.to_owned()),
        };
        let created: Timestamp = s(item.get("created"))
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| bad("created"))?;
        let billing = match item.get("throughput") {
            None => BillingMode::PayPerRequest,
            Some(_) => BillingMode::Provisioned(
                throughput(item.get("throughput")).ok_or_else(|| bad("throughput"))?,
            ),
        };
        // Records written before the field existed: an on-demand table
        // has been so since its creation.
        let on_demand_since = match item.get("on_demand_since") {
            None => (billing == BillingMode::PayPerRequest).then_some(created),
            Some(v) => Some(
                v.as_s()
                    .and_then(|t| t.parse().ok())
                    .ok_or_else(|| bad("on_demand_since"))?,
            ),
        };
        Ok(TableMeta {
            slots,
            dropping,
            id,
            created,
            on_demand_since,
            def: TableDefinition {
                name: s(item.get("name")).ok_or_else(|| bad("name"))?,
                key: key_schema(item.get("key")).ok_or_else(|| bad("key"))?,
                indexes,
                billing,
                ttl_attribute,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(billing: BillingMode, on_demand_since: Option<Timestamp>) -> TableMeta {
        let mut def = TableDefinition::new("t", KeySchema::hash("id", ScalarType::S));
        def.billing = billing;
        TableMeta {
            id: 3,
            def,
            created: "2026-01-02T03:04:05.000000000Z".parse().unwrap(),
            on_demand_since,
            slots: TableMeta::initial_slots(0),
            dropping: Vec::new(),
        }
    }

    fn provisioned() -> BillingMode {
        BillingMode::Provisioned(Throughput {
            read_capacity_units: 1,
            write_capacity_units: 2,
        })
    }

    #[test]
    fn on_demand_since_round_trips_and_defaults_for_old_records() {
        let switched: Timestamp = "2026-05-06T07:08:09.000000000Z".parse().unwrap();
        let m = meta(provisioned(), Some(switched));
        let back = TableMeta::from_record(&m.to_record()).unwrap();
        assert_eq!(back.on_demand_since, Some(switched));
        // Records written before the field: on demand since creation, or never.
        let old = meta(BillingMode::PayPerRequest, None);
        let back = TableMeta::from_record(&old.to_record()).unwrap();
        assert_eq!(back.on_demand_since, Some(old.created));
        let old = meta(provisioned(), None);
        assert_eq!(
            TableMeta::from_record(&old.to_record())
                .unwrap()
                .on_demand_since,
            None
        );
        let mut bad = m.to_record();
        bad.insert("on_demand_since".to_owned(), AttributeValue::S("x".into()));
        let e = TableMeta::from_record(&bad).unwrap_err();
        assert!(e.to_string().contains("on_demand_since"), "{e}");
    }
}
