//! Paging: queries and scans as streams, cursors, parallel scans.

use std::collections::BTreeSet;

use dynamodb_mapper::expr::{RangeCondition, attr};
use dynamodb_mapper::repository::{Cursor, QuerySpec, ScanSpec};
use dynamodb_mapper::{Error, Number, Repository, Timestamp};
use dynamodb_mapper_tests::models::{Event, User};
use dynamodb_mapper_tests::{Case, Env, cases};
use futures::{StreamExt, TryStreamExt};

pub fn cases() -> Vec<Case> {
    cases![
        query_ranges_and_order,
        query_indexes,
        query_pages_with_cursors,
        query_errors,
        scan_filter_limit_and_pages,
        parallel_scan_covers_every_item_once,
    ]
}

fn event(stream: &str, seq: u64) -> Event {
    Event {
        stream: stream.into(),
        seq,
        kind: if seq.is_multiple_of(2) { "even" } else { "odd" }.into(),
        at: Timestamp::from_unix_seconds(1_700_000_000 - seq as i64).unwrap(),
        payload: format!("payload {seq}"),
    }
}

async fn filled(env: &Env) -> dynamodb_mapper::Table<Event> {
    let events = env.table::<Event>().await;
    let mut all: Vec<Event> = (0..300).map(|i| event("s1", i)).collect();
    all.extend((0..50).map(|i| event("s2", i)));
    events.put_many(&all).await.unwrap();
    events
}

fn seqs(items: &[dynamodb_mapper::Tracked<Event>]) -> Vec<u64> {
    items.iter().map(|e| e.seq).collect()
}

fn n(v: u64) -> dynamodb_mapper::AttributeValue {
    dynamodb_mapper::AttributeValue::N(Number::from(v))
}

async fn query_ranges_and_order(env: Env) {
    let events = filled(&env).await;
    let all: Vec<_> = events
        .query(QuerySpec::new("s1"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(seqs(&all), (0..300).collect::<Vec<_>>());

    // Many small pages give the same items.
    let paged: Vec<_> = events
        .query(QuerySpec::new("s1").page_size(7).consistent())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(seqs(&paged), seqs(&all));

    let between: Vec<_> = events
        .query(QuerySpec::new("s1").range(RangeCondition::Between(n(10), n(19))))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(seqs(&between), (10..20).collect::<Vec<_>>());

    let last: Vec<_> = events
        .query(QuerySpec::new("s1").reverse().limit(5).page_size(2))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(seqs(&last), [299, 298, 297, 296, 295]);

    let above: Vec<_> = events
        .query(QuerySpec::new("s1").range(RangeCondition::Gt(n(290))))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(above.len(), 9);

    let odd: Vec<_> = events
        .query(
            QuerySpec::new("s1")
                .filter(attr("kind").eq("odd"))
                .page_size(50),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(odd.len(), 150);
    assert!(odd.iter().all(|e| e.seq % 2 == 1));

    // A limit counts items returned, whatever the filter drops.
    let five_odd: Vec<_> = events
        .query(QuerySpec::new("s1").filter(attr("kind").eq("odd")).limit(5))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(seqs(&five_odd), [1, 3, 5, 7, 9]);

    let none: Vec<_> = events
        .query(QuerySpec::new("nope"))
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
}

async fn query_indexes(env: Env) {
    let events = filled(&env).await;
    let even: Vec<_> = events
        .query(QuerySpec::new("even").index("by_kind").page_size(33))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(even.len(), 150 + 25);
    assert!(even.windows(2).all(|w| w[0].seq <= w[1].seq));

    // The local index orders a stream by time: newest first is lowest seq.
    let recent: Vec<_> = events
        .query(QuerySpec::new("s2").index("by_at").reverse().limit(3))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(seqs(&recent), [0, 1, 2]);
}

async fn query_pages_with_cursors(env: Env) {
    let events = filled(&env).await;
    let spec = QuerySpec::new("s1").page_size(40);
    let mut cursor: Option<Cursor> = None;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = events
            .query_page(spec.clone(), cursor.take())
            .await
            .unwrap();
        pages += 1;
        seen.extend(seqs(&page.items));
        match page.cursor {
            // The token travels as text, as an API would hand it to a client.
            Some(c) => cursor = Some(Cursor::parse(&c.to_string()).unwrap()),
            None => break,
        }
    }
    assert_eq!(seen, (0..300).collect::<Vec<_>>());
    // 300 items in pages of 40: 8 pages, the last without a cursor.
    assert_eq!(pages, 8);
}

async fn query_errors(env: Env) {
    let events = filled(&env).await;
    let bad = Cursor::parse("not-a-cursor");
    assert!(matches!(bad, Err(Error::InvalidRequest { .. })), "{bad:?}");
    let users = env.table::<User>().await;
    let result: Result<Vec<_>, _> = users
        .query(QuerySpec::new("a").range(RangeCondition::Eq(n(1))))
        .try_collect()
        .await;
    match result {
        Err(Error::InvalidRequest { message }) => {
            assert!(message.contains("no range key"), "{message}")
        }
        other => panic!("expected an invalid request, got {other:?}"),
    }
    let result = events
        .query_page(QuerySpec::new("s1").index("nope"), None)
        .await;
    assert!(matches!(result, Err(Error::InvalidRequest { .. })));
    // A hash key of the wrong type is DynamoDB's validation error.
    let result: Result<Vec<_>, _> = events.query(QuerySpec::new(5)).try_collect().await;
    assert!(
        matches!(result, Err(Error::InvalidRequest { .. })),
        "{result:?}"
    );
}

async fn scan_filter_limit_and_pages(env: Env) {
    let users = env.table::<User>().await;
    let all: Vec<User> = (0..250)
        .map(|i| {
            let mut u = User::new(format!("u{i:04}"));
            u.energy = i;
            u
        })
        .collect();
    users.put_many(&all).await.unwrap();
    let count = users
        .scan(ScanSpec::new().page_size(16))
        .try_fold(0, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap();
    assert_eq!(count, 250);
    let strong: Vec<_> = users
        .scan(ScanSpec::new().filter(attr("energy").ge(200)).consistent())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(strong.len(), 50);
    let ten: Vec<_> = users
        .scan(ScanSpec::new().limit(10))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ten.len(), 10);

    let mut ids = BTreeSet::new();
    let mut cursor = None;
    loop {
        let page = users
            .scan_page(ScanSpec::new().page_size(100), cursor)
            .await
            .unwrap();
        ids.extend(page.items.iter().map(|u| u.id.clone()));
        cursor = page.cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(ids.len(), 250);

    // Items that do not map to the model are errors in the stream, not the end of it.
    env.backend
        .put_item(dynamodb_mapper::backend::PutItem::new(
            users.table_name(),
            dynamodb_mapper::Item::new().with("id", "broken"),
        ))
        .await
        .unwrap();
    let results: Vec<_> = users.scan(ScanSpec::new()).collect().await;
    assert_eq!(results.len(), 251);
    assert_eq!(
        results
            .iter()
            .filter(|r| matches!(r, Err(Error::ReadMapping { key, .. }) if key.contains("broken")))
            .count(),
        1
    );
}

async fn parallel_scan_covers_every_item_once(env: Env) {
    let events = filled(&env).await;
    let streams = events.parallel_scan(ScanSpec::new().page_size(20), 4);
    assert_eq!(streams.len(), 4);
    let per_segment =
        futures::future::join_all(streams.into_iter().map(|s| s.try_collect::<Vec<_>>())).await;
    let mut seen = BTreeSet::new();
    let mut total = 0;
    for segment in per_segment {
        for e in segment.unwrap() {
            total += 1;
            seen.insert((e.stream.clone(), e.seq));
        }
    }
    assert_eq!((total, seen.len()), (350, 350));
    let bad = events.parallel_scan(ScanSpec::new(), 0);
    let results: Vec<_> =
        futures::future::join_all(bad.into_iter().map(|s| s.collect::<Vec<_>>())).await;
    assert!(matches!(results[0][0], Err(Error::InvalidRequest { .. })));
}
