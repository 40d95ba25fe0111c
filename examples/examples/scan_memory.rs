//! Memory of a scan: the repository's scan stream holds one page at a
//! time, so the memory of a process reading a table stays flat however
//! many items it reads. This program stores N items (200,000 by default)
//! on the sled backend (a small page cache, in a temporary directory) and
//! then on the memory backend, scans them through `Repository::scan`, and
//! prints the resident memory against the items read; then, for contrast,
//! what collecting the same scan into a `Vec` costs.
//!
//! ```sh
//! cargo run --release --example scan_memory            # 200,000 items
//! cargo run --release --example scan_memory -- 50000   # another count
//! ```
//!
//! Linux only (it reads `/proc/self/status`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use dynamodb_mapper::backend::Backend;
use dynamodb_mapper::repository::ScanSpec;
use dynamodb_mapper::{Error, Model, Repository, Table};
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_sled::{Durability, SledBackend, SledOptions};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

/// An item of about 250 bytes.
#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "readings")]
struct Reading {
    #[model(hash_key)]
    sensor: String,
    value: f64,
    unit: String,
    note: String,
}

/// A field of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn rss_mib() -> f64 {
    status_kib("VmRSS:") as f64 / 1024.0
}

fn peak_mib() -> f64 {
    status_kib("VmHWM:") as f64 / 1024.0
}

/// Resets the peak resident size (VmHWM) to the current one.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

async fn load(table: &Table<Reading>, n: usize) -> Result<Duration, Error> {
    let start = Instant::now();
    let mut batch = Vec::with_capacity(1000);
    for i in 0..n {
        batch.push(Reading {
            sensor: format!("sensor-{i:08}"),
            value: i as f64 * 0.25,
            unit: "celsius".into(),
            note: "x".repeat(160),
        });
        if batch.len() == 1000 || i + 1 == n {
            table.put_many(&batch).await?;
            batch.clear();
        }
    }
    Ok(start.elapsed())
}

async fn measure(name: &str, backend: Arc<dyn Backend>, n: usize) -> Result<(), Error> {
    let table = Table::<Reading>::shared(backend);
    table.create_table().await?;
    let took = load(&table, n).await?;
    println!("\n{name}: stored {n} items in {:.1} s", took.as_secs_f64());

    reset_peak();
    let base = rss_mib();
    println!(
        "{:>10}  {:>10}  {:>14}",
        "items read", "RSS MiB", "peak MiB"
    );
    println!("{:>10}  {:>10.1}  {:>14.1}", 0, base, peak_mib());
    let step = (n / 10).max(1);
    let start = Instant::now();
    let mut stream = table.scan(ScanSpec::new());
    let mut read = 0usize;
    let mut checksum = 0.0;
    while let Some(item) = stream.next().await {
        checksum += item?.value;
        read += 1;
        if read.is_multiple_of(step) {
            println!("{read:>10}  {:>10.1}  {:>14.1}", rss_mib(), peak_mib());
        }
    }
    drop(stream);
    let secs = start.elapsed().as_secs_f64();
    let peak = peak_mib();
    println!(
        "{name}: scanned {read} items in {secs:.2} s ({:.0} items/s); peak RSS {peak:.1} MiB, {:+.1} MiB over the start of the scan (checksum {checksum})",
        read as f64 / secs,
        peak - base
    );
    assert_eq!(read, n, "every item read once");

    // For contrast: the same scan collected into a Vec.
    reset_peak();
    let base = rss_mib();
    let all: Vec<_> = table.scan(ScanSpec::new()).try_collect().await?;
    println!(
        "{name}: collecting the {} items into a Vec instead: peak RSS {:.1} MiB, {:+.1} MiB",
        all.len(),
        peak_mib(),
        peak_mib() - base
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    dynamodb_mapper_examples::init_logging();
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let dir = std::env::temp_dir().join(format!("dynamodb-mapper-scan-{}", std::process::id()));
    let options = SledOptions {
        durability: Durability::Interval(Duration::from_millis(500)),
        cache_capacity: Some(16 * 1024 * 1024),
        ..SledOptions::default()
    };
    let sled = SledBackend::open_with(&dir, options)?;
    let result = measure("sled (16 MiB page cache)", Arc::new(sled), n).await;
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    measure("memory", Arc::new(MemoryBackend::new()), n).await
}
