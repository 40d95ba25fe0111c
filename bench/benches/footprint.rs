//! Resident memory of a memory-backend table: loads N items of about 250
//! bytes (1,000,000 by default), prints the resident memory they take per
//! item and as a multiple of their DynamoDB size, then scans the whole
//! table page by page and prints how much the scan added at its peak.
//!
//! ```sh
//! cd bench && cargo bench --bench footprint              # 1,000,000 items
//! cd bench && cargo bench --bench footprint -- --items 200000
//! ```
//!
//! Without `--bench` (as `cargo test` runs a bench) it loads 2,000 items.
//! Linux only (it reads `/proc/self/status`).

use std::time::Instant;

use dynamodb_mapper::backend::{Backend, BatchWrite, Scan, WriteRequest};
use dynamodb_mapper::{Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_memory::MemoryBackend;

/// A field of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn rss_bytes() -> f64 {
    status_kib("VmRSS:") as f64 * 1024.0
}

fn peak_bytes() -> f64 {
    status_kib("VmHWM:") as f64 * 1024.0
}

/// Resets the peak resident size (VmHWM) to the current one.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A reading of about 250 bytes (DynamoDB's measure).
fn reading(i: usize) -> Item {
    Item::new()
        .with("sensor", format!("sensor-{i:08}"))
        .with("value", (i * 25) as i64)
        .with("unit", "celsius")
        .with("note", format!("{:x<200}", i % 1000))
}

const MIB: f64 = 1024.0 * 1024.0;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--bench");
    let n: usize = args
        .iter()
        .position(|a| a == "--items")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 1_000_000 } else { 2_000 });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = MemoryBackend::new();
        store
            .create_table(TableDefinition::new(
                "readings",
                KeySchema::hash("sensor", ScalarType::S),
            ))
            .await
            .unwrap();
        let before = rss_bytes();
        let start = Instant::now();
        let mut dynamodb_size = 0usize;
        let mut batch = Vec::with_capacity(25);
        for i in 0..n {
            let item = reading(i);
            dynamodb_size += item.size();
            batch.push(WriteRequest::Put(item));
            if batch.len() == 25 || i + 1 == n {
                let mut write = BatchWrite::new();
                write
                    .tables
                    .insert("readings".to_owned(), std::mem::take(&mut batch));
                let out = store.batch_write_item(write).await.unwrap();
                assert!(out.unprocessed_items.is_empty());
            }
        }
        let loaded = start.elapsed();
        let held = rss_bytes() - before;
        println!(
            "memory backend: {n} items of {:.0} bytes on average (DynamoDB's size), loaded in {:.1} s",
            dynamodb_size as f64 / n as f64,
            loaded.as_secs_f64()
        );
        println!(
            "resident for the table: {:.1} MiB, {:.0} bytes per item, {:.2}x the items' DynamoDB size",
            held / MIB,
            held / n as f64,
            held / dynamodb_size as f64
        );

        reset_peak();
        let base = rss_bytes();
        let start = Instant::now();
        let (mut read, mut pages) = (0usize, 0usize);
        let mut from = None;
        loop {
            let mut scan = Scan::new("readings");
            scan.exclusive_start_key = from;
            let page = store.scan(scan).await.unwrap();
            read += page.items.len();
            pages += 1;
            from = page.last_evaluated_key;
            if from.is_none() {
                break;
            }
        }
        assert_eq!(read, n);
        println!(
            "scan of {read} items in {pages} pages ({:.1} s): peak {:.1} MiB above the loaded table",
            start.elapsed().as_secs_f64(),
            (peak_bytes() - base).max(0.0) / MIB
        );
    });
}
