//! Reads: `GetItem`, `Query` and `Scan`.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::codec::{prefix_end, put_key_part, put_key_prefix, segment_bounds, successor};
use super::read_checks::{
    check_index_projection, check_not_empty, check_read_maps, check_read_options, check_read_paths,
    check_start_key, resolve_select,
};
use super::table::{Source, TableMeta};
use super::{Emulator, Storage, Usage, read_units};
use crate::backend::{GetItem, GetItemOutput, Page, Query, Scan, Select};
use crate::error::Error;
use crate::expr::{
    Condition, ExpressionKind, Parser, Projector, RangeCondition, check_attribute_maps,
    compare_scalars, project,
};
use crate::model::{IndexKind, IndexProjection};
use crate::value::{AttributeValue, Item};

/// DynamoDB stops a page once it has read this much.
const PAGE_BYTES: usize = 1024 * 1024;
/// Entries fetched from storage at a time, at most (batches start at the
/// page's limit and double, so a small page reads no more than it needs).
const MAX_BATCH: usize = 1024;

/// How a page is read.
struct Plan<'a> {
    meta: &'a TableMeta,
    source: Source<'a>,
    start: Vec<u8>,
    end: Vec<u8>,
    reverse: bool,
    limit: Option<u32>,
    filter: Option<Condition>,
    projection: Option<Projector>,
    select: Select,
    consistent: bool,
}

fn range_matches(cond: &RangeCondition, v: &AttributeValue) -> bool {
    let cmp = |x: &AttributeValue| crate::expr::compare_scalars(v, x);
    match cond {
        RangeCondition::Eq(x) => cmp(x) == Some(Ordering::Equal),
        RangeCondition::Lt(x) => cmp(x) == Some(Ordering::Less),
        RangeCondition::Le(x) => matches!(cmp(x), Some(Ordering::Less | Ordering::Equal)),
        RangeCondition::Gt(x) => cmp(x) == Some(Ordering::Greater),
        RangeCondition::Ge(x) => matches!(cmp(x), Some(Ordering::Greater | Ordering::Equal)),
        RangeCondition::Between(a, b) => {
            matches!(cmp(a), Some(Ordering::Greater | Ordering::Equal))
                && matches!(cmp(b), Some(Ordering::Less | Ordering::Equal))
        }
        RangeCondition::BeginsWith(p) => match (v, p) {
            (AttributeValue::S(s), AttributeValue::S(p)) => s.starts_with(p.as_str()),
            (AttributeValue::B(s), AttributeValue::B(p)) => s.starts_with(p),
            _ => false,
        },
    }
}

/// Storage bounds of a range condition within a partition.
fn range_bounds(partition: &[u8], cond: Option<&RangeCondition>) -> (Vec<u8>, Vec<u8>) {
    let with = |v: &AttributeValue| {
        let mut k = partition.to_vec();
        put_key_part(&mut k, v);
        k
    };
    let all_end = prefix_end(partition);
    match cond {
        None => (partition.to_vec(), all_end),
        Some(RangeCondition::Eq(v)) => {
            let k = with(v);
            let end = prefix_end(&k);
            (k, end)
        }
        Some(RangeCondition::Lt(v)) => (partition.to_vec(), with(v)),
        Some(RangeCondition::Le(v)) => (partition.to_vec(), prefix_end(&with(v))),
        Some(RangeCondition::Gt(v)) => (prefix_end(&with(v)), all_end),
        Some(RangeCondition::Ge(v)) => (with(v), all_end),
        Some(RangeCondition::Between(a, b)) => (with(a), prefix_end(&with(b))),
        Some(RangeCondition::BeginsWith(v)) => {
            let mut k = partition.to_vec();
            put_key_prefix(&mut k, v);
            let end = prefix_end(&k);
            (k, end)
        }
    }
}

impl<S: Storage> Emulator<S> {
    /// `GetItem`.
    pub fn get_item(&self, input: GetItem) -> Result<GetItemOutput, Error> {
        let meta = self.meta(&self.read_state(), &input.table)?;
        let (hash, range) = meta.checked_key(&input.key)?;
        check_read_maps(
            &input.expression_attributes,
            input.projection_expression.is_some(),
            None,
        )?;
        let projection = match &input.projection_expression {
            Some(p) => {
                // Values are accepted and ignored, as DynamoDB does.
                let attrs = &input.expression_attributes;
                let no_values = BTreeMap::new();
                let mut parser = Parser::new(&attrs.names, &no_values);
                let proj = parser.projection(p)?;
                parser.finish()?;
                meta.check_key_paths(proj.0.iter())?;
                Some(proj.0)
            }
            None => None,
        };
        let key = meta.storage_key(hash, range);
        // The key's strings move into the item read (a found item has
        // them): no copy of them is made, nor are they freed here.
        let mut donors: [crate::codec::Donor; 2] = [None, None];
        for (slot, attribute) in donors.iter_mut().zip(input.key.into_map()) {
            *slot = Some(attribute);
        }
        let item = {
            let _snapshot = self.read_state();
            match self.storage.get(&key)? {
                Some(v) => Some(super::decode_stored_donated(
                    &meta,
                    &key,
                    v.as_ref(),
                    &mut donors,
                )?),
                None => None,
            }
        };
        let usage = Usage {
            table: read_units(
                item.as_ref().map_or(0, |(_, size)| *size),
                input.consistent_read,
            ),
            ..Usage::default()
        };
        Ok(GetItemOutput {
            item: match (item, projection) {
                (Some((i, _)), Some(p)) => Some(project(&i, &p)),
                (Some((i, _)), None) => Some(i),
                (None, _) => None,
            },
            consumed_capacity: usage.report(meta.name(), input.return_consumed_capacity),
        })
    }

    /// What a query or scan reads. A read of an index still being built is
    /// refused, as DynamoDB refuses it while it backfills, and finishes the
    /// build: the next read finds the index `ACTIVE`, as the next
    /// description does (an index is never left building for want of a
    /// `DescribeTable`).
    fn read_source<'m>(
        &self,
        meta: &'m TableMeta,
        index: Option<&str>,
    ) -> Result<Source<'m>, Error> {
        let source = meta.source(index);
        let building = || {
            let name = index.unwrap_or_default();
            let n = meta.def.indexes.iter().position(|i| i.name == name);
            n.is_some_and(|n| meta.building(n))
        };
        if source.is_err() && building() {
            self.settle_indexes(meta.name())?;
        }
        source
    }

    /// `Query`.
    pub fn query(&self, input: Query) -> Result<Page, Error> {
        let meta = self.meta(&self.read_state(), &input.table)?;
        let source = self.read_source(&meta, input.index.as_deref())?;
        check_read_options(source, input.consistent_read, input.limit)?;
        let attrs = &input.expression_attributes;
        check_attribute_maps(&attrs.names, &attrs.values)?;
        let schema = meta.schema(source);
        let mut parser = Parser::new(&attrs.names, &attrs.values);
        let key_condition = parser.key_condition_text(&input.key_condition_expression)?;
        let filter = input
            .filter_expression
            .as_deref()
            .map(|f| parser.condition(f, ExpressionKind::Filter))
            .transpose()?;
        let projection = input
            .projection_expression
            .as_deref()
            .map(|p| parser.projection(p))
            .transpose()?;
        parser.finish()?;
        // Paths into key attributes are refused before the key condition is
        // checked against the schema, as DynamoDB Local does: the key
        // condition's first (any key of the table or its indexes).
        meta.check_key_paths(key_condition.paths().into_iter())?;
        check_read_paths(&meta, filter.as_ref(), projection.as_ref())?;
        let key_condition = crate::expr::key_condition_on(key_condition, schema)?;
        if let Some(f) = &filter {
            // The hash key is named before the range key, as DynamoDB Local
            // names them, whatever their order in the filter.
            let paths = f.paths();
            for a in schema.attributes() {
                if paths.iter().any(|p| p.head() == a.name) {
                    return Err(Error::invalid(format!(
                        "Filter Expression can only contain non-primary key attributes: Primary key attribute: {}",
                        a.name
                    )));
                }
            }
        }
        // The start key is checked before the select, as DynamoDB Local does.
        if let Some(esk) = &input.exclusive_start_key {
            check_start_key(&meta, source, esk)?;
        }
        let select = resolve_select(source, input.select, projection.is_some())?;
        check_index_projection(&meta, source, filter.as_ref(), projection.as_ref())?;
        let mut condition_values = vec![(&key_condition.hash.0, &key_condition.hash.1)];
        if let Some((name, cond)) = &key_condition.range {
            match cond {
                RangeCondition::Between(a, b) => condition_values.extend([(name, a), (name, b)]),
                RangeCondition::Eq(v)
                | RangeCondition::Lt(v)
                | RangeCondition::Le(v)
                | RangeCondition::Gt(v)
                | RangeCondition::Ge(v)
                | RangeCondition::BeginsWith(v) => condition_values.push((name, v)),
            }
        }
        for (n, (name, v)) in condition_values.into_iter().enumerate() {
            check_not_empty(&meta, source, name, v, "")?;
            if n > 0 {
                super::table::check_range_condition_value(v)?;
            }
        }

        let partition = meta.partition_prefix(source, &key_condition.hash.1);
        let range = key_condition.range.as_ref().map(|(_, c)| c);
        let (mut start, mut end) = range_bounds(&partition, range);
        if let Some(esk) = &input.exclusive_start_key {
            let matches = esk.get(&key_condition.hash.0) == Some(&key_condition.hash.1)
                && match (&key_condition.range, &schema.range) {
                    (Some((_, cond)), Some(r)) => range_matches(cond, &esk[&r.name]),
                    _ => true,
                };
            if !matches {
                return Err(Error::invalid(
                    "The provided starting key does not match the range key predicate",
                ));
            }
            let position = meta.position_key(source, esk);
            if input.scan_index_forward {
                start = start.max(successor(&position));
            } else {
                end = end.min(position);
            }
        }
        let mut page = self.read_page(
            Plan {
                meta: &meta,
                source,
                start,
                end,
                reverse: !input.scan_index_forward,
                limit: input.limit,
                filter,
                projection: projection.map(|p| Projector::new(&p.0)),
                select,
                consistent: input.consistent_read,
            },
            input.return_consumed_capacity,
        )?;
        // A table query whose page stops on the inclusive end bound of its
        // range condition has nothing left to read (table keys are unique),
        // and DynamoDB Local says so by returning no last evaluated key.
        if let (Source::Table, Some(lek), Some((name, cond))) =
            (source, &page.last_evaluated_key, &key_condition.range)
        {
            let bound = match (cond, input.scan_index_forward) {
                (RangeCondition::Le(v) | RangeCondition::Between(_, v), true)
                | (RangeCondition::Ge(v) | RangeCondition::Between(v, _), false) => Some(v),
                _ => None,
            };
            let at_bound = bound.is_some_and(|b| {
                lek.get(name)
                    .is_some_and(|k| compare_scalars(k, b) == Some(Ordering::Equal))
            });
            if at_bound {
                page.last_evaluated_key = None;
            }
        }
        Ok(page)
    }

    /// `Scan`.
    pub fn scan(&self, input: Scan) -> Result<Page, Error> {
        let meta = self.meta(&self.read_state(), &input.table)?;
        let source = self.read_source(&meta, input.index.as_deref())?;
        check_read_options(source, input.consistent_read, input.limit)?;
        if let Some(seg) = input.segment {
            if seg.total == 0 {
                return Err(Error::invalid(
                    "1 validation error detected: Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1",
                ));
            }
            if seg.total > 1_000_000 {
                return Err(Error::invalid(format!(
                    "1 validation error detected: Value '{}' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000",
                    seg.total
                )));
            }
            if seg.segment >= seg.total {
                return Err(Error::invalid(format!(
                    "1 validation error detected: Value '{}' at 'segment' failed to satisfy constraint: Member must have value less than or equal to {}",
                    seg.segment,
                    i64::from(seg.total) - 1
                )));
            }
        }
        let attrs = &input.expression_attributes;
        check_read_maps(
            attrs,
            input.filter_expression.is_some() || input.projection_expression.is_some(),
            input
                .filter_expression
                .is_none()
                .then_some("FilterExpression"),
        )?;
        let mut parser = Parser::new(&attrs.names, &attrs.values);
        let filter = input
            .filter_expression
            .as_deref()
            .map(|f| parser.condition(f, ExpressionKind::Filter))
            .transpose()?;
        let projection = input
            .projection_expression
            .as_deref()
            .map(|p| parser.projection(p))
            .transpose()?;
        parser.finish()?;
        check_read_paths(&meta, filter.as_ref(), projection.as_ref())?;
        if let Some(esk) = &input.exclusive_start_key {
            check_start_key(&meta, source, esk)?;
        }
        let select = resolve_select(source, input.select, projection.is_some())?;
        // A scan's filter sees the whole item, as DynamoDB Local's does;
        // only what it returns is limited to what the index projects.
        check_index_projection(&meta, source, None, projection.as_ref())?;

        let prefix = meta.source_prefix(source);
        let (mut start, end) = match input.segment {
            None => (prefix.clone(), prefix_end(&prefix)),
            Some(seg) => {
                let (lo, hi) = segment_bounds(seg.segment, seg.total);
                let mut start = prefix.clone();
                start.extend_from_slice(&lo);
                let end = match hi {
                    Some(hi) => {
                        let mut e = prefix.clone();
                        e.extend_from_slice(&hi);
                        e
                    }
                    None => prefix_end(&prefix),
                };
                (start, end)
            }
        };
        if let Some(esk) = &input.exclusive_start_key {
            let position = meta.position_key(source, esk);
            // A segment's pages start inside it: a key of another
            // segment is refused, as DynamoDB does.
            if input.segment.is_some() && (position < start || position >= end) {
                return Err(Error::invalid(
                    "Exclusive start key must lie within the segment",
                ));
            }
            start = start.max(successor(&position));
        }
        self.read_page(
            Plan {
                meta: &meta,
                source,
                start,
                end,
                reverse: false,
                limit: input.limit,
                filter,
                projection: projection.map(|p| Projector::new(&p.0)),
                select,
                consistent: input.consistent_read,
            },
            input.return_consumed_capacity,
        )
    }

    /// Reads one page: `Limit` counts items read before the filter; the
    /// page ends once 1 MB has been read (the item that crosses it
    /// included), with a last-evaluated key when the limit stopped it or
    /// when more items remain.
    fn read_page(
        &self,
        plan: Plan<'_>,
        rcc: crate::backend::ReturnConsumedCapacity,
    ) -> Result<Page, Error> {
        let _snapshot = self.read_state();
        let (mut start, mut end) = (plan.start.clone(), plan.end.clone());
        let mut page = Page::default();
        let mut bytes = 0usize;
        // Bytes of table items fetched through a local index.
        let mut fetched = 0usize;
        let mut last: Option<Item> = None;
        let mut stopped_by_limit = false;
        let mut stopped_by_size = false;
        // A page stops at its limit: a batch of that many reads no entry
        // it does not use.
        let mut batch_size = plan.limit.map_or(32, |l| l as usize).clamp(1, MAX_BATCH);
        let items_prefix = plan.meta.items_prefix();
        // The key of the last entry read (moved, not copied, per entry):
        // the next batch, or the check for more, starts after it.
        let mut position: Option<S::Key> = None;
        let advance = |start: &mut Vec<u8>, end: &mut Vec<u8>, position: Option<S::Key>| {
            if let Some(k) = position {
                if plan.reverse {
                    *end = k.as_ref().to_vec();
                } else {
                    *start = successor(k.as_ref());
                }
            }
        };
        'outer: while start < end {
            let batch = self.storage.range(&start, &end, plan.reverse, batch_size)?;
            if batch.is_empty() {
                break;
            }
            let full = batch.len() == batch_size;
            if plan.select != Select::Count {
                // Room for the batch's items, at most: the page's vector
                // is not grown, and copied, item by item.
                page.items.reserve(batch.len());
            }
            batch_size = (batch_size * 2).min(MAX_BATCH);
            for (k, v) in batch {
                // The table item and its size, and for an index whose
                // view is not the whole item, that view.
                let (item, size, view) = match plan.source {
                    Source::Table => {
                        let (item, size) =
                            super::decode_stored_sized(plan.meta, k.as_ref(), v.as_ref())?;
                        (item, size, None)
                    }
                    Source::Index(_, index) => {
                        // The entry holds the table key of its item, which
                        // is written in the same batch as the entry.
                        let target = v.as_ref();
                        let item = if target.starts_with(&items_prefix) {
                            self.load_sized(plan.meta, target)?
                        } else {
                            None
                        };
                        let Some((item, size)) = item else {
                            return Err(plan.meta.corrupt(format!(
                                "an entry of index `{}` points at no item of the table ({})",
                                index.name,
                                super::table::shown_storage_key(target)
                            )));
                        };
                        let view = (index.projection != IndexProjection::All)
                            .then(|| plan.meta.project_into_index(index, &item));
                        (item, size, view)
                    }
                };
                position = Some(k);
                page.scanned_count += 1;
                bytes += view.as_ref().map_or(size, Item::size);
                let stop_by_limit = plan
                    .limit
                    .is_some_and(|l| page.scanned_count >= u64::from(l));
                let stop_by_size = bytes >= PAGE_BYTES;
                if stop_by_limit || stop_by_size {
                    last = Some(plan.meta.last_key(plan.source, &item));
                }
                let passes = plan.filter.as_ref().is_none_or(|f| f.evaluate(&item));
                if passes {
                    page.count += 1;
                    if plan.select != Select::Count {
                        // A global index cannot fetch from the table; a local one can.
                        let use_view = match (plan.select, plan.source) {
                            (Select::AllAttributes, _) => false,
                            (_, Source::Index(_, i)) if i.kind == IndexKind::Global => true,
                            (Select::AllProjectedAttributes, _) => true,
                            _ => false,
                        };
                        let base = match (use_view, view) {
                            (true, Some(view)) => view,
                            // What an index of all attributes holds is the item.
                            (true, None) => item,
                            (false, _) => {
                                if matches!(plan.source, Source::Index(..)) {
                                    fetched += size;
                                }
                                item
                            }
                        };
                        page.items.push(match &plan.projection {
                            Some(p) => p.apply(&base),
                            None => base,
                        });
                    }
                }
                if stop_by_limit {
                    stopped_by_limit = true;
                    break 'outer;
                }
                if stop_by_size {
                    stopped_by_size = true;
                    break 'outer;
                }
            }
            advance(&mut start, &mut end, position.take());
            if !full {
                break;
            }
        }
        advance(&mut start, &mut end, position.take());
        let more = stopped_by_size
            && start < end
            && !self
                .storage
                .range(&start, &end, plan.reverse, 1)?
                .is_empty();
        if stopped_by_limit || more {
            page.last_evaluated_key = last;
        }
        let units = |bytes: usize| {
            if bytes == 0 {
                0.0
            } else {
                let u = bytes.div_ceil(4096) as f64;
                if plan.consistent { u } else { u / 2.0 }
            }
        };
        let mut usage = Usage::default();
        match plan.source {
            Source::Table => usage.table = units(bytes),
            Source::Index(n, _) => {
                usage.index(plan.meta, n, units(bytes));
                usage.table = units(fetched);
            }
        }
        page.consumed_capacity = usage.report(plan.meta.name(), rcc);
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::super::decode_stored_sized;
    use super::super::table::TableMeta;
    use crate::codec::{ITEM_FORMAT, encode_item};
    use crate::model::{KeySchema, ScalarType, TableDefinition};
    use crate::value::{AttributeValue, Item};

    fn meta() -> TableMeta {
        TableMeta {
            id: 3,
            def: TableDefinition::new(
                "t",
                KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N),
            ),
            created: "2026-01-02T03:04:05.000000000Z".parse().unwrap(),
            on_demand_since: None,
            slots: TableMeta::initial_slots(0),
            dropping: Vec::new(),
        }
    }

    fn decoded(bytes: &[u8]) -> Result<Item, String> {
        decode_stored_sized(&meta(), b"key", bytes)
            .map(|(item, size)| {
                assert_eq!(size, item.size());
                item
            })
            .map_err(|e| e.to_string())
    }

    #[test]
    fn stored_items_have_their_key_attributes() {
        let item = Item::new().with("pk", "a").with("sk", 1).with("x", "y");
        assert_eq!(decoded(&encode_item(&item)).unwrap(), item);
        let cases = [
            (Item::new().with("sk", 1), "`pk` of type S"),
            (Item::new().with("pk", "a"), "`sk` of type N"),
            (Item::new().with("pk", 1).with("sk", 1), "`pk` of type S"),
            (
                Item::new().with("pk", "a").with("sk", "1"),
                "`sk` of type N",
            ),
            (Item::new().with("pk", 1).with("sk", "1"), "`pk` of type S"),
        ];
        for (item, says) in cases {
            let e = decoded(&encode_item(&item)).unwrap_err();
            assert!(
                e.contains("has no key attribute") && e.contains(says),
                "{e}"
            );
        }
    }

    #[test]
    fn a_repeated_key_name_is_checked_by_the_value_kept() {
        // `{pk: "a", pk: 7, sk: 1}` and `{pk: 7, pk: "a", sk: 1}`, as no
        // encoder writes them: the item keeps the last value of a name.
        let with = |first: &[u8], second: &[u8]| {
            let mut b = vec![ITEM_FORMAT, 3];
            for v in [first, second] {
                b.extend_from_slice(&[2, b'p', b'k']);
                b.extend_from_slice(v);
            }
            b.extend_from_slice(&[2, b's', b'k', 1, 1, b'1']);
            b
        };
        let (s, n): (&[u8], &[u8]) = (&[0, 1, b'a'], &[1, 1, b'7']);
        let e = decoded(&with(s, n)).unwrap_err();
        assert!(e.contains("`pk` of type S"), "{e}");
        let item = decoded(&with(n, s)).unwrap();
        assert_eq!(item["pk"], AttributeValue::from("a"));
    }
}
