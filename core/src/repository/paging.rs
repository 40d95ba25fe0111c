//! Paged reads: query and scan streams that fetch a page at a time, pages
//! with cursors, and parallel scans.

use std::collections::VecDeque;

use futures::{StreamExt, stream};

use std::sync::Arc;

use super::cursor::ReadFingerprint;
use super::progress::LongOp;
use super::{Cursor, ItemStream, PageOf, QuerySpec, ScanSpec, Table};
use crate::backend::{Backend, Page, Query, Scan};
use crate::error::{Error, Result};
use crate::expr::{ExpressionAttributes, KeyCondition};
use crate::model::Model;
use crate::value::Item;

/// A query or scan request, sent once per page, with the fingerprint its
/// cursors carry and the attributes of a position in it.
#[derive(Clone)]
pub(super) struct PageRequest {
    read: Read,
    fingerprint: ReadFingerprint,
    /// The attributes of a `LastEvaluatedKey`: the table's key, and the
    /// index's when reading an index.
    position: Vec<String>,
}

#[derive(Clone)]
enum Read {
    Query(Query),
    Scan(Scan),
}

impl PageRequest {
    async fn fetch(
        &self,
        backend: &dyn Backend,
        start: Option<Item>,
        limit: Option<u32>,
    ) -> Result<Page> {
        match &self.read {
            Read::Query(q) => {
                let mut q = q.clone().start_after(start);
                q.limit = limit;
                backend.query(q).await
            }
            Read::Scan(s) => {
                let mut s = s.clone().start_after(start);
                s.limit = limit;
                backend.scan(s).await
            }
        }
    }

    fn filtered(&self) -> bool {
        match &self.read {
            Read::Query(q) => q.filter_expression.is_some(),
            Read::Scan(s) => s.filter_expression.is_some(),
        }
    }

    /// The `LastEvaluatedKey` the store gives after this item.
    fn position_of(&self, item: &Item) -> Item {
        let names: Vec<&str> = self.position.iter().map(String::as_str).collect();
        item.project(&names)
    }

    /// The position after `page`, kept only if the store has more items
    /// from there. A store ends a page that reached its `Limit` with a
    /// `LastEvaluatedKey` even when nothing follows; then one request
    /// with `Limit` 1 from that key says whether anything does.
    async fn next_position(&self, backend: &dyn Backend, page: Page) -> Result<Option<Item>> {
        let Some(last) = page.last_evaluated_key else {
            return Ok(None);
        };
        let ahead = self.fetch(backend, Some(last.clone()), Some(1)).await?;
        let more = ahead.last_evaluated_key.is_some() || !ahead.items.is_empty();
        Ok(more.then_some(last))
    }
}

/// What a stream reads, for its start and end lines: a query (debug
/// level: one per request handler is common), a scan (info), or one
/// segment of a parallel scan (counted into the whole, at info).
pub(super) enum Streamed {
    Query,
    Scan,
    Segment(Arc<LongOp>),
}

/// The names of a position's attributes: the table's key and the index's.
fn position_names<T: Model>(index: Option<&str>) -> Vec<String> {
    let def = &T::schema().table;
    let mut names: Vec<String> = def.key.names().map(str::to_owned).collect();
    if let Some(index) = index.and_then(|i| def.index(i)) {
        for name in index.key.names() {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// The `Limit` of the next request: the page size, and no more than what
/// is still wanted.
fn page_limit(page_size: Option<u32>, remaining: Option<usize>) -> Option<u32> {
    let remaining = remaining.map(|r| u32::try_from(r).unwrap_or(u32::MAX));
    match (page_size, remaining) {
        (Some(p), Some(r)) => Some(p.min(r)),
        (p, r) => p.or(r),
    }
}

impl<T: Model> Table<T> {
    fn key_condition(&self, spec: &QuerySpec) -> Result<KeyCondition> {
        let def = &T::schema().table;
        let key = match &spec.index {
            None => &def.key,
            Some(name) => {
                &def.index(name)
                    .ok_or_else(|| Error::InvalidRequest {
                        message: format!(
                            "the model of table `{}` declares no index `{name}`",
                            self.name
                        ),
                    })?
                    .key
            }
        };
        let mut condition = KeyCondition::hash(key.hash.name.clone(), spec.hash.clone());
        if let Some(range) = &spec.range {
            let range_key = key.range.as_ref().ok_or_else(|| Error::InvalidRequest {
                message: format!(
                    "a range condition was given but {} of table `{}` has no range key",
                    spec.index
                        .as_ref()
                        .map_or_else(|| "the key".to_owned(), |i| format!("index `{i}`")),
                    self.name
                ),
            })?;
            condition = condition.range(range_key.name.clone(), range.clone());
        }
        Ok(condition)
    }

    pub(super) fn query_request(&self, spec: &QuerySpec) -> Result<PageRequest> {
        let condition = self.key_condition(spec)?;
        let mut query = Query::new(&*self.name, &condition)
            .forward(spec.forward)
            .consistent(spec.consistent);
        if let Some(index) = &spec.index {
            query = query.index(index.clone());
        }
        if let Some(filter) = &spec.filter {
            query = query.filter(filter);
        }
        // The fingerprint: the key condition as text, and its names and
        // values, rendered on their own (without the filter's).
        let mut attributes = ExpressionAttributes::default();
        let mut parts = ReadFingerprint::parts("query", &self.name, spec.index.as_deref())
            .with("key", condition.render(&mut attributes))
            .with("forward", spec.forward);
        for (placeholder, name) in attributes.names {
            parts = parts.with(placeholder, name);
        }
        for (placeholder, value) in attributes.values {
            parts = parts.with(placeholder, value);
        }
        Ok(PageRequest {
            read: Read::Query(query),
            fingerprint: ReadFingerprint::of(parts),
            position: position_names::<T>(spec.index.as_deref()),
        })
    }

    pub(super) fn scan_request(&self, spec: &ScanSpec, segment: Option<(u32, u32)>) -> PageRequest {
        let mut scan = Scan::new(&*self.name).consistent(spec.consistent);
        if let Some(index) = &spec.index {
            scan = scan.index(index.clone());
        }
        if let Some(filter) = &spec.filter {
            scan = scan.filter(filter);
        }
        if let Some((segment, total)) = segment {
            scan = scan.segment(segment, total);
        }
        PageRequest {
            read: Read::Scan(scan),
            fingerprint: ReadFingerprint::of(ReadFingerprint::parts(
                "scan",
                &self.name,
                spec.index.as_deref(),
            )),
            position: position_names::<T>(spec.index.as_deref()),
        }
    }

    /// The items of a paged read as a stream holding one page at a time.
    /// It owns a clone of the table, so it is `'static`.
    pub(super) fn stream(
        &self,
        request: Result<PageRequest>,
        limit: Option<usize>,
        page_size: Option<u32>,
        streamed: Streamed,
    ) -> ItemStream<T> {
        struct State<T> {
            table: Table<T>,
            /// The long operation, from the first request to the end.
            op: Option<Arc<LongOp>>,
            streamed: Option<Streamed>,
            request: Option<PageRequest>,
            error: Option<Error>,
            start: Option<Item>,
            buffer: VecDeque<Item>,
            remaining: Option<usize>,
            done: bool,
        }
        let (request, error) = match request {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e)),
        };
        let state = State {
            table: self.clone(),
            op: None,
            streamed: Some(streamed),
            request,
            error,
            start: None,
            buffer: VecDeque::new(),
            remaining: limit,
            done: false,
        };
        stream::unfold(state, move |mut st| async move {
            loop {
                if st.remaining == Some(0) {
                    if let Some(op) = st.op.take() {
                        op.end(true);
                    }
                    return None;
                }
                if let Some(item) = st.buffer.pop_front() {
                    if Self::is_counter(&item) {
                        continue;
                    }
                    st.remaining = st.remaining.map(|r| r - 1);
                    let loaded = st.table.load(item);
                    return Some((loaded, st));
                }
                if st.done {
                    if let Some(op) = st.op.take() {
                        op.end(true);
                    }
                    return None;
                }
                if let Some(e) = st.error.take() {
                    st.done = true;
                    return Some((Err(e), st));
                }
                let request = st.request.as_ref()?;
                if let Some(streamed) = st.streamed.take() {
                    st.op = Some(match streamed {
                        Streamed::Query => st.table.long_op("query", None, 1, false),
                        Streamed::Scan => st.table.long_op("scan", None, 1, true),
                        Streamed::Segment(whole) => whole,
                    });
                }
                let page_limit = page_limit(page_size, st.remaining);
                match request
                    .fetch(&*st.table.backend, st.start.take(), page_limit)
                    .await
                {
                    Ok(page) => {
                        if let Some(op) = &st.op {
                            op.advance(page.items.len());
                        }
                        st.buffer = page.items.into();
                        st.start = page.last_evaluated_key;
                        st.done = st.start.is_none();
                    }
                    Err(e) => {
                        st.done = true;
                        if let Some(op) = st.op.take() {
                            op.end(false);
                        }
                        return Some((Err(e), st));
                    }
                }
            }
        })
        .boxed()
    }

    /// One page, from a cursor. The cursor of the next page is given only
    /// when the store has items after this one: without a filter, the
    /// request reads one item more than the page holds (its presence says
    /// that more follow, at the cost of one item's bytes); otherwise, when
    /// the store ends the page with a `LastEvaluatedKey`, one request with
    /// `Limit` 1 checks. Both go through the backend's layers like any
    /// request, so their capacity is counted and reported.
    pub(super) async fn one_page(
        &self,
        request: PageRequest,
        limit: Option<usize>,
        page_size: Option<u32>,
        cursor: Option<Cursor>,
    ) -> Result<PageOf<T>> {
        let start = cursor
            .map(|c| c.key_for(request.fingerprint, &self.name))
            .transpose()?;
        let backend = &*self.backend;
        let wanted = page_limit(page_size, limit);
        let (items, next) = match wanted {
            Some(size) if size < u32::MAX && !request.filtered() => {
                let mut page = request.fetch(backend, start, Some(size + 1)).await?;
                let size = size as usize;
                if page.items.len() > size {
                    page.items.truncate(size);
                    let next = page.items.last().map(|i| request.position_of(i));
                    (page.items, next)
                } else {
                    let items = std::mem::take(&mut page.items);
                    (items, request.next_position(backend, page).await?)
                }
            }
            _ => {
                let mut page = request.fetch(backend, start, wanted).await?;
                let items = std::mem::take(&mut page.items);
                (items, request.next_position(backend, page).await?)
            }
        };
        let items = items
            .into_iter()
            .filter(|item| !Self::is_counter(item))
            .map(|item| self.load(item))
            .collect::<Result<Vec<_>>>()?;
        Ok(PageOf {
            items,
            cursor: next.map(|key| Cursor::new(request.fingerprint, &key)),
        })
    }

    pub(super) fn parallel_scan_inner(&self, spec: ScanSpec, segments: u32) -> Vec<ItemStream<T>> {
        if segments == 0 || segments > 1_000_000 {
            let e = Error::InvalidRequest {
                message: format!(
                    "a parallel scan needs from 1 to 1000000 segments, not {segments}"
                ),
            };
            return vec![stream::once(async move { Err(e) }).boxed()];
        }
        let whole = self.long_op("parallel_scan", None, segments, true);
        (0..segments)
            .map(|s| {
                let request = self.scan_request(&spec, Some((s, segments)));
                let streamed = Streamed::Segment(Arc::clone(&whole));
                self.stream(Ok(request), spec.limit, spec.page_size, streamed)
            })
            .collect()
    }
}
