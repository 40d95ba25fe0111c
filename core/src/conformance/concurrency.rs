//! Concurrent writers.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::{case, case_list, key_s, n};
use crate::backend::{Backend, GetItem, UpdateItem};
use crate::error::Error;
use crate::expr::{Update, attr};
use crate::value::Item;

case_list!("concurrency": guarded_increments_lose_nothing);

/// Yields to the other writers once, so that reads and writes interleave
/// even on a backend whose calls complete at once.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

type Writer = Pin<Box<dyn Future<Output = usize> + Send>>;

/// Polls every writer in turn until all are done; returns their results.
struct JoinAll(Vec<Option<Writer>>, Vec<usize>);

impl Future for JoinAll {
    type Output = Vec<usize>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<usize>> {
        let this = &mut *self;
        for slot in this.0.iter_mut() {
            if let Some(f) = slot
                && let Poll::Ready(v) = f.as_mut().poll(cx)
            {
                this.1.push(v);
                *slot = None;
            }
        }
        if this.0.iter().all(Option::is_none) {
            Poll::Ready(std::mem::take(&mut this.1))
        } else {
            Poll::Pending
        }
    }
}

/// `increments` guarded increments: read, yield, then write on condition
/// that the value is still the one read; retry on conflict. Returns how
/// many conflicts it met.
async fn writer(b: Arc<dyn Backend>, table: String, increments: usize) -> usize {
    let mut conflicts = 0;
    for _ in 0..increments {
        loop {
            let current = b
                .get_item(GetItem::new(&table, key_s("counter")).consistent(true))
                .await
                .unwrap()
                .item
                .and_then(|i| {
                    i.get("n")
                        .and_then(|v| v.as_n())
                        .and_then(|n| n.to_i64().ok())
                })
                .unwrap_or(0);
            YieldNow(false).await;
            let r = b
                .update_item(
                    UpdateItem::new(&table, key_s("counter"))
                        .update(&Update::new().set(attr("n"), current + 1))
                        .condition(&attr("n").eq(current)),
                )
                .await;
            match r {
                Ok(_) => break,
                Err(Error::Conflict { .. }) => conflicts += 1,
                Err(e) if e.is_retryable() => conflicts += 1,
                Err(e) => panic!("increment: {e}"),
            }
        }
    }
    conflicts
}

case!(guarded_increments_lose_nothing, |ctx| {
    let t = ctx.simple_table("t").await;
    ctx.put(&t, Item::new().with("id", "counter").with("n", 0))
        .await;
    let writers: Vec<Option<Writer>> = (0..5)
        .map(|_| Some(Box::pin(writer(ctx.backend_arc(), t.clone(), 10)) as Writer))
        .collect();
    let conflicts: usize = JoinAll(writers, Vec::new()).await.into_iter().sum();
    assert_eq!(
        ctx.get(&t, key_s("counter")).await.unwrap()["n"],
        n("50"),
        "no increment lost"
    );
    assert!(
        conflicts > 0,
        "the writers raced, and conflicts were detected"
    );
});
