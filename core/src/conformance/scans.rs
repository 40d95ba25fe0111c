//! Scans: pages, segments, limits and errors.

use std::collections::BTreeSet;

use super::reads::put_all;
use super::{case, case_list, expect_err, key_ps, message, s};
use crate::backend::Scan;
use crate::error::Error;
use crate::expr::{Projection, attr};
use crate::model::{IndexProjection, KeyAttribute, KeySchema, ScalarType, TableDefinition};
use crate::value::Item;

case_list!("reads": scan_pages_cover_everything, scan_segments_partition_the_table,
    scan_pages_of_one_megabyte, scan_errors);

case!(scan_pages_cover_everything, |ctx| {
    let t = ctx.ranged_table("t").await;
    put_all(
        ctx,
        &t,
        (0..40)
            .map(|i| key_ps(&format!("p{}", i % 7), i).with("x", i))
            .collect(),
    )
    .await;
    let mut seen = BTreeSet::new();
    let mut start = None;
    loop {
        let page = ctx
            .backend()
            .scan(Scan::new(&t).limit(6).start_after(start))
            .await
            .unwrap();
        assert!(page.items.len() <= 6);
        for i in &page.items {
            assert!(
                seen.insert(i["sk"].as_n().unwrap().to_i64().unwrap()),
                "seen twice: {i:?}"
            );
        }
        match page.last_evaluated_key {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    assert_eq!(seen, (0..40).collect::<BTreeSet<i64>>());
    let page = ctx
        .backend()
        .scan(Scan::new(&t).filter(&attr("x").lt(10)))
        .await
        .unwrap();
    assert_eq!((page.count, page.scanned_count), (10, 40));
    // Within one partition, a scan keeps range key order.
    let p0: Vec<i64> = ctx
        .backend()
        .scan(Scan::new(&t))
        .await
        .unwrap()
        .items
        .iter()
        .filter(|i| i["pk"] == s("p0"))
        .map(|i| i["sk"].as_n().unwrap().to_i64().unwrap())
        .collect();
    assert_eq!(p0, [0, 7, 14, 21, 28, 35]);
});

case!(scan_segments_partition_the_table, |ctx| {
    let t = ctx.ranged_table("t").await;
    put_all(
        ctx,
        &t,
        (0..60).map(|i| key_ps(&format!("pk{i}"), i)).collect(),
    )
    .await;
    for total in [1, 2, 4, 7] {
        let mut seen = BTreeSet::new();
        for segment in 0..total {
            let mut start = None;
            loop {
                let page = ctx
                    .backend()
                    .scan(
                        Scan::new(&t)
                            .segment(segment, total)
                            .limit(5)
                            .start_after(start),
                    )
                    .await
                    .unwrap();
                for i in &page.items {
                    assert!(
                        seen.insert(i["sk"].as_n().unwrap().to_i64().unwrap()),
                        "an item in two segments"
                    );
                }
                match page.last_evaluated_key {
                    Some(k) => start = Some(k),
                    None => break,
                }
            }
        }
        assert_eq!(seen.len(), 60, "{total} segments");
    }
    // A page of one segment does not go on in another.
    let b = ctx.backend();
    let first = b
        .scan(Scan::new(&t).segment(0, 2).limit(1))
        .await
        .unwrap()
        .last_evaluated_key;
    assert!(first.is_some(), "segment 0 of 2 holds some of 60 items");
    let e = expect_err!(
        b.scan(Scan::new(&t).segment(1, 2).start_after(first.clone()))
            .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "Exclusive start key must lie within the segment"
    );
    b.scan(Scan::new(&t).segment(0, 2).start_after(first))
        .await
        .unwrap();
});

case!(scan_pages_of_one_megabyte, |ctx| {
    // 16 items of exactly 131,072 bytes: 8 per page (8 x 128 KB = 1 MB exactly).
    let t = ctx.simple_table("t").await;
    for i in 0..16 {
        let id = format!("i{i:02}");
        ctx.put(
            &t,
            Item::new()
                .with("id", id.as_str())
                .with("d", "x".repeat(131_072 - 2 - 3 - 1)),
        )
        .await;
    }
    let mut sizes = Vec::new();
    let mut start = None;
    loop {
        let page = ctx
            .backend()
            .scan(
                Scan::new(&t)
                    .filter(&attr("nope").exists())
                    .start_after(start),
            )
            .await
            .unwrap();
        sizes.push(page.scanned_count);
        assert_eq!(page.count, 0);
        match page.last_evaluated_key {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    assert_eq!(sizes, [8, 8], "a scan counts every item read toward 1 MB");
});

case!(scan_errors, |ctx| {
    let t = ctx.simple_table("t").await;
    let b = ctx.backend();
    expect_err!(
        b.scan(Scan::new(&t).segment(2, 2)).await,
        Error::InvalidRequest { .. }
    );
    let e = expect_err!(
        b.scan(Scan::new(&t).segment(0, 0)).await,
        Error::InvalidRequest { .. }
    );
    // DynamoDB refuses zero segments (at least 1); DynamoDB Local says the
    // segment must be at most -1.
    assert_eq!(
        message(&e),
        match ctx.reference() {
            super::Reference::Emulator => {
                "1 validation error detected: Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1"
            }
            super::Reference::DynamoDbLocal => {
                "1 validation error detected: Value '0' at 'segment' failed to satisfy constraint: Member must have value less than or equal to -1"
            }
        }
    );
    let e = expect_err!(
        b.scan(
            Scan::new(&t)
                .projection(&Projection::attributes(["id"]))
                .value(":v", 1)
        )
        .await,
        Error::InvalidRequest { .. }
    );
    assert_eq!(
        message(&e),
        "ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null"
    );
    expect_err!(
        b.scan(Scan::new(&t).segment(0, 1_000_001)).await,
        Error::InvalidRequest { .. }
    );
    expect_err!(
        b.scan(Scan::new(&t).limit(0)).await,
        Error::InvalidRequest { .. }
    );
    expect_err!(
        b.scan(Scan::new(&t).start_after(Some(Item::new().with("zz", "a"))))
            .await,
        Error::InvalidRequest { .. }
    );
    b.scan(Scan::new(&t).segment(999_999, 1_000_000))
        .await
        .unwrap();
    let l = ctx
        .create(
            TableDefinition::new(
                ctx.table("l"),
                KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N),
            )
            .with_local_index(
                "lsi",
                KeyAttribute::new("l", ScalarType::S),
                IndexProjection::All,
            ),
        )
        .await;
    b.scan(Scan::new(&l).index("lsi").consistent(true))
        .await
        .unwrap();
});
