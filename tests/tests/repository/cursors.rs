//! Pages that end where the items end, and cursors bound to their query.

use dynamodb_mapper::expr::{RangeCondition, attr};
use dynamodb_mapper::{Cursor, Error, PageOf, QuerySpec, Repository, ScanSpec, Table, Timestamp};
use dynamodb_mapper_tests::models::Event;
use dynamodb_mapper_tests::{Case, Env, cases};

pub fn cases() -> Vec<Case> {
    cases![
        exact_pages_end_without_a_cursor,
        filtered_pages_end_without_a_cursor,
        cursors_belong_to_their_query,
    ]
}

fn event(stream: &str, seq: u64) -> Event {
    Event {
        stream: stream.into(),
        seq,
        kind: if seq.is_multiple_of(2) { "even" } else { "odd" }.into(),
        at: Timestamp::from_unix_seconds(1_700_000_000 + seq as i64).unwrap(),
        payload: format!("payload {seq}"),
    }
}

/// A table of `n` events in stream "s".
async fn events(env: &Env, n: u64) -> Table<Event> {
    let events = env.table::<Event>().await;
    let all: Vec<Event> = (0..n).map(|i| event("s", i)).collect();
    events.put_many(&all).await.unwrap();
    events
}

/// Every page of a query, following the cursors (as text, as a client
/// would send them back).
async fn query_pages(events: &Table<Event>, spec: QuerySpec) -> Vec<Vec<u64>> {
    let mut pages = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let page: PageOf<Event> = events
            .query_page(spec.clone(), cursor.take())
            .await
            .unwrap();
        pages.push(page.items.iter().map(|e| e.seq).collect());
        match page.cursor {
            Some(c) => cursor = Some(Cursor::parse(c.as_str()).unwrap()),
            None => return pages,
        }
        assert!(pages.len() < 100, "runaway paging: {pages:?}");
    }
}

async fn scan_pages(events: &Table<Event>, spec: ScanSpec) -> Vec<usize> {
    let mut pages = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = events.scan_page(spec.clone(), cursor.take()).await.unwrap();
        pages.push(page.items.len());
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return pages,
        }
        assert!(pages.len() < 100, "runaway paging: {pages:?}");
    }
}

async fn exact_pages_end_without_a_cursor(env: Env) {
    let events = events(&env, 10).await;
    // A table of exactly two pages: the second has no cursor.
    let pages = query_pages(&events, QuerySpec::new("s").page_size(5)).await;
    assert_eq!(pages, [(0..5).collect::<Vec<_>>(), (5..10).collect()]);
    let pages = query_pages(&events, QuerySpec::new("s").page_size(5).reverse()).await;
    assert_eq!(pages, [vec![9, 8, 7, 6, 5], vec![4, 3, 2, 1, 0]]);
    // A page size that divides the count, on the table, an index and a scan.
    let pages = query_pages(&events, QuerySpec::new("s").page_size(2)).await;
    assert_eq!(pages.len(), 5, "{pages:?}");
    assert_eq!(pages.concat(), (0..10).collect::<Vec<_>>());
    let pages = query_pages(
        &events,
        QuerySpec::new("even").index("by_kind").page_size(5),
    )
    .await;
    assert_eq!(pages, [vec![0, 2, 4, 6, 8]]);
    let pages = query_pages(&events, QuerySpec::new("s").index("by_at").page_size(5)).await;
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert_eq!(
        scan_pages(&events, ScanSpec::new().page_size(5)).await,
        [5, 5]
    );
    assert_eq!(
        scan_pages(&events, ScanSpec::new().page_size(10)).await,
        [10]
    );
    assert_eq!(
        scan_pages(&events, ScanSpec::new().page_size(3)).await,
        [3, 3, 3, 1]
    );
    // A limit that ends the items exactly: one page, no cursor.
    let page = events
        .query_page(QuerySpec::new("s").limit(10), None)
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.cursor.is_none()), (10, true));
    // A limit short of the end: a cursor, and it continues after the limit.
    let page = events
        .query_page(QuerySpec::new("s").limit(4), None)
        .await
        .unwrap();
    let next = events
        .query_page(QuerySpec::new("s").limit(4), page.cursor)
        .await
        .unwrap();
    assert_eq!(
        next.items.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [4, 5, 6, 7]
    );
    // An empty query: one empty page, no cursor.
    let pages = query_pages(&events, QuerySpec::new("none").page_size(5)).await;
    assert_eq!(pages, [Vec::<u64>::new()]);
}

async fn filtered_pages_end_without_a_cursor(env: Env) {
    let events = events(&env, 10).await;
    // The filter keeps the first page only; the second reads the rest,
    // keeps nothing, and is the last.
    let spec = QuerySpec::new("s")
        .filter(attr("payload").lt("payload 5"))
        .page_size(5);
    let pages = query_pages(&events, spec).await;
    assert_eq!(pages, [(0..5).collect::<Vec<_>>(), vec![]]);
    // The last matching item is the last item: two pages, no third.
    let spec = QuerySpec::new("s")
        .filter(attr("kind").eq("odd"))
        .page_size(5);
    let pages = query_pages(&events, spec).await;
    assert_eq!(pages, [vec![1, 3], vec![5, 7, 9]]);
    // A filter that keeps nothing, read in one page: no cursor.
    let spec = QuerySpec::new("s")
        .filter(attr("kind").eq("none"))
        .page_size(10);
    assert_eq!(query_pages(&events, spec).await, [Vec::<u64>::new()]);
    let spec = ScanSpec::new().filter(attr("seq").ge(8)).page_size(5);
    assert_eq!(scan_pages(&events, spec).await, [0, 2]);
}

fn refused_as_another_query(result: Result<PageOf<Event>, Error>, what: &str) {
    match result {
        Err(Error::InvalidRequest { message }) => {
            assert!(
                message.contains("cursor belongs to another query"),
                "{what}: {message}"
            )
        }
        other => panic!("{what}: expected the cursor refused, got {other:?}"),
    }
}

async fn cursors_belong_to_their_query(env: Env) {
    let events = events(&env, 10).await;
    let spec = QuerySpec::new("s").page_size(3);
    let cursor = events
        .query_page(spec.clone(), None)
        .await
        .unwrap()
        .cursor
        .unwrap();
    let others = [
        ("another hash key", QuerySpec::new("t")),
        ("the other direction", QuerySpec::new("s").reverse()),
        (
            "a range condition",
            QuerySpec::new("s").range(RangeCondition::Gt(1u64.into())),
        ),
        ("an index", QuerySpec::new("s").index("by_at")),
        ("another index", QuerySpec::new("odd").index("by_kind")),
    ];
    for (what, other) in others {
        refused_as_another_query(events.query_page(other, Some(cursor.clone())).await, what);
    }
    refused_as_another_query(
        events
            .scan_page(ScanSpec::new(), Some(cursor.clone()))
            .await,
        "a scan",
    );
    let scan_cursor = events
        .scan_page(ScanSpec::new().page_size(3), None)
        .await
        .unwrap()
        .cursor
        .unwrap();
    refused_as_another_query(
        events
            .query_page(spec.clone(), Some(scan_cursor.clone()))
            .await,
        "a scan's cursor on a query",
    );
    refused_as_another_query(
        events
            .scan_page(ScanSpec::new().index("by_kind"), Some(scan_cursor))
            .await,
        "a table scan's cursor on an index scan",
    );
    // Refused before anything is sent: on a table that does not exist, the
    // answer is about the cursor, not the table.
    let elsewhere = env.repo::<Event>().with_name(env.table_name("missing"));
    refused_as_another_query(
        elsewhere
            .query_page(spec.clone(), Some(cursor.clone()))
            .await,
        "another table",
    );
    // The filter, page size and limit are not part of the query's identity.
    let page = events
        .query_page(
            QuerySpec::new("s")
                .filter(attr("kind").eq("odd"))
                .page_size(4),
            Some(cursor.clone()),
        )
        .await
        .unwrap();
    assert_eq!(page.items.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 5]);
    // Tokens not given out by the library are refused, with what is wrong.
    for token in [
        "",
        "not a cursor!",
        "AAAA",
        &cursor.as_str()[..cursor.as_str().len() - 2],
    ] {
        match Cursor::parse(token) {
            Err(Error::InvalidRequest { message }) => {
                assert!(
                    message.contains("not a token this library gave out"),
                    "{message}"
                )
            }
            other => panic!("{token:?}: expected a refusal, got {other:?}"),
        }
    }
}
