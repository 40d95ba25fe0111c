//! Progress bars over long operations: [`Table::on_progress`] reports
//! after each batch request or page of `put_many`, `get_many`,
//! `delete_many`, scans and parallel scans, and this program draws each
//! operation as an `indicatif` bar. Run it with the library's log lines
//! too, to see the start and end of each operation with its counts:
//!
//! ```sh
//! cargo run --example progress_bar                     # 20,000 items
//! RUST_LOG=dynamodb_mapper=info cargo run --example progress_bar -- 5000
//! ```

use std::sync::Mutex;

use dynamodb_mapper::{Error, Model, Progress, Repository, RepositoryExt, ScanSpec, Table};
use dynamodb_mapper_memory::MemoryBackend;
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

/// A sensor reading.
#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "readings")]
struct Reading {
    #[model(hash_key)]
    sensor: String,
    value: f64,
}

/// One bar per operation: a new one when another operation starts, its
/// length the operation's total (or `expected` when it has none, as a
/// scan does), finished on the operation's last report.
struct Bars {
    expected: u64,
    current: Mutex<Option<(&'static str, ProgressBar)>>,
}

impl Bars {
    fn report(&self, p: &Progress) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let same = matches!(&*current, Some((op, bar)) if *op == p.operation && !bar.is_finished());
        if !same {
            let bar = ProgressBar::new(p.total.unwrap_or(self.expected));
            let style = ProgressStyle::with_template(
                "{msg:>13} [{bar:40.cyan/blue}] {pos:>7}/{len:7} items {elapsed_precise}",
            )
            .expect("a valid template")
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message(p.operation);
            *current = Some((p.operation, bar));
        }
        if let Some((_, bar)) = &*current {
            bar.set_position(p.done);
            if p.finished {
                bar.finish();
            }
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    dynamodb_mapper_examples::init_logging();
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let bars = std::sync::Arc::new(Bars {
        expected: n as u64,
        current: Mutex::new(None),
    });
    let for_table = bars.clone();
    let readings = Table::<Reading>::new(MemoryBackend::new())
        .on_progress(move |p: &Progress| for_table.report(p));
    readings.create_table().await?;

    let all: Vec<Reading> = (0..n)
        .map(|i| Reading {
            sensor: format!("sensor-{i:06}"),
            value: i as f64 / 10.0,
        })
        .collect();
    readings.put_many(&all).await?;

    let scanned = readings
        .scan(ScanSpec::new().page_size(500))
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await?;

    let segments = readings.parallel_scan(ScanSpec::new().page_size(500), 4);
    let tasks: Vec<_> = segments
        .into_iter()
        .map(|s| tokio::spawn(s.try_fold(0usize, |n, _| async move { Ok(n + 1) })))
        .collect();
    let mut in_parallel = 0;
    for task in tasks {
        in_parallel += task.await.expect("a segment's task")?;
    }

    let keys: Vec<String> = all.iter().map(|r| r.sensor.clone()).collect();
    readings.delete_many(keys).await?;

    println!("{n} written, {scanned} scanned, {in_parallel} scanned in 4 segments, all deleted");
    assert_eq!((scanned, in_parallel), (n, n));
    Ok(())
}
