//! Paged reads: query and scan streams that fetch a page at a time, pages
//! with cursors, and parallel scans.

use std::collections::VecDeque;

use futures::{StreamExt, stream};

use super::{Cursor, ItemStream, PageOf, QuerySpec, ScanSpec, Table};
use crate::backend::{Backend, Page, Query, Scan};
use crate::error::{Error, Result};
use crate::expr::KeyCondition;
use crate::model::Model;
use crate::value::Item;

/// A query or scan request, sent once per page.
#[derive(Clone)]
pub(super) enum PageRequest {
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
        match self {
            PageRequest::Query(q) => {
                let mut q = q.clone().start_after(start);
                q.limit = limit;
                backend.query(q).await
            }
            PageRequest::Scan(s) => {
                let mut s = s.clone().start_after(start);
                s.limit = limit;
                backend.scan(s).await
            }
        }
    }
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
        let mut query = Query::new(&*self.name, &self.key_condition(spec)?)
            .forward(spec.forward)
            .consistent(spec.consistent);
        if let Some(index) = &spec.index {
            query = query.index(index.clone());
        }
        if let Some(filter) = &spec.filter {
            query = query.filter(filter);
        }
        Ok(PageRequest::Query(query))
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
        PageRequest::Scan(scan)
    }

    /// The items of a paged read as a stream holding one page at a time.
    /// It owns a clone of the table, so it is `'static`.
    pub(super) fn stream(
        &self,
        request: Result<PageRequest>,
        limit: Option<usize>,
        page_size: Option<u32>,
    ) -> ItemStream<T> {
        struct State<T> {
            table: Table<T>,
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
                    return None;
                }
                if let Some(item) = st.buffer.pop_front() {
                    if Self::is_counter(&Self::key_schema().key_of(&item)) {
                        continue;
                    }
                    st.remaining = st.remaining.map(|r| r - 1);
                    let loaded = st.table.load(item);
                    return Some((loaded, st));
                }
                if st.done {
                    return None;
                }
                if let Some(e) = st.error.take() {
                    st.done = true;
                    return Some((Err(e), st));
                }
                let request = st.request.as_ref()?;
                let page_limit = page_limit(page_size, st.remaining);
                match request
                    .fetch(&*st.table.backend, st.start.take(), page_limit)
                    .await
                {
                    Ok(page) => {
                        st.buffer = page.items.into();
                        st.start = page.last_evaluated_key;
                        st.done = st.start.is_none();
                    }
                    Err(e) => {
                        st.done = true;
                        return Some((Err(e), st));
                    }
                }
            }
        })
        .boxed()
    }

    pub(super) async fn one_page(
        &self,
        request: PageRequest,
        limit: Option<usize>,
        page_size: Option<u32>,
        cursor: Option<Cursor>,
    ) -> Result<PageOf<T>> {
        let start = cursor.map(|c| c.key()).transpose()?;
        let page = request
            .fetch(&*self.backend, start, page_limit(page_size, limit))
            .await?;
        let items = page
            .items
            .into_iter()
            .filter(|item| !Self::is_counter(&Self::key_schema().key_of(item)))
            .map(|item| self.load(item))
            .collect::<Result<Vec<_>>>()?;
        Ok(PageOf {
            items,
            cursor: page.last_evaluated_key.as_ref().map(Cursor::from_key),
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
        (0..segments)
            .map(|s| {
                let request = self.scan_request(&spec, Some((s, segments)));
                self.stream(Ok(request), spec.limit, spec.page_size)
            })
            .collect()
    }
}
