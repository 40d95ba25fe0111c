//! Maps a 16-field struct to an item and back, with this crate and with
//! serde_dynamo 4 (to its own item type) in the same run, and prints items
//! per second for both and the ratio.
//!
//! Run with `cargo bench -p dynamodb-mapper --bench mapping`.
//!
//! `--probe OP` (OP one of `none`, `to`, `from`, `sd-to`, `sd-from`) maps
//! the items once with that one operation and prints nothing: a run for
//! `valgrind --tool=callgrind` (the inclusive cost of `ours_to`,
//! `theirs_to`, `ours_from` or `theirs_from` over the item count is the
//! operation's cost per item) or `--tool=dhat` (allocations less those of
//! `--probe none`, or of `to` for `from`, which first builds its items).

use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use dynamodb_mapper::{Item, StringSet, Timestamp, from_item, to_item};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
enum Status {
    Pending,
    Shipped,
    Delivered,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Address {
    street: String,
    city: String,
    zip: String,
}

/// The struct as a dynamodb-mapper user writes it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Order {
    id: String,
    customer: String,
    quantity: u32,
    amount_cents: i64,
    weight: f64,
    status: Status,
    notes: Vec<String>,
    tags: StringSet,
    address: Address,
    coupon: Option<String>,
    gift_message: Option<String>,
    created: Timestamp,
    updated: Timestamp,
    line_ids: Vec<u64>,
    priority: u8,
    active: bool,
}

/// The same struct as a serde_dynamo user writes it (its string-set adapter).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct OrderSd {
    id: String,
    customer: String,
    quantity: u32,
    amount_cents: i64,
    weight: f64,
    status: Status,
    notes: Vec<String>,
    #[serde(with = "serde_dynamo::string_set")]
    tags: BTreeSet<String>,
    address: Address,
    coupon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gift_message: Option<String>,
    created: Timestamp,
    updated: Timestamp,
    line_ids: Vec<u64>,
    priority: u8,
    active: bool,
}

fn order(i: u64) -> Order {
    let t = Timestamp::from_unix(1_700_000_000 + i as i64, 123_456_000).unwrap();
    Order {
        id: format!("order-{i:08}"),
        customer: "customer-4242".into(),
        quantity: 3,
        amount_cents: 12_999,
        weight: 1.75,
        status: Status::Shipped,
        notes: vec!["leave at the door".into(), "fragile".into()],
        tags: ["priority".to_string(), "gift".to_string(), "eu".to_string()].into(),
        address: Address {
            street: "12 rue de la Paix".into(),
            city: "Paris".into(),
            zip: "75002".into(),
        },
        coupon: Some("WINTER24".into()),
        gift_message: None,
        created: t,
        updated: t,
        line_ids: vec![1001, 1002, 1003, 1004],
        priority: 2,
        active: true,
    }
}

fn order_sd(o: &Order) -> OrderSd {
    OrderSd {
        id: o.id.clone(),
        customer: o.customer.clone(),
        quantity: o.quantity,
        amount_cents: o.amount_cents,
        weight: o.weight,
        status: o.status.clone(),
        notes: o.notes.clone(),
        tags: o.tags.iter().cloned().collect(),
        address: o.address.clone(),
        coupon: o.coupon.clone(),
        gift_message: o.gift_message.clone(),
        created: o.created,
        updated: o.updated,
        line_ids: o.line_ids.clone(),
        priority: o.priority,
        active: o.active,
    }
}

const ITEMS: usize = 50_000;
const ROUNDS: usize = 9;

fn per_second(d: Duration) -> f64 {
    ITEMS as f64 / d.as_secs_f64()
}

/// The operation named by `--probe`, if any.
fn probe() -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--probe")?;
    Some(args.get(at + 1).cloned().unwrap_or_default())
}

// The four operations measured, each a function of its own so that a
// profile counts each one's instructions apart (its callers stay inlined).

#[inline(never)]
fn ours_to(o: &Order) -> Item {
    to_item(black_box(o)).unwrap()
}

#[inline(never)]
fn theirs_to(o: &OrderSd) -> serde_dynamo::Item {
    serde_dynamo::to_item(black_box(o)).unwrap()
}

#[inline(never)]
fn ours_from(item: Item) -> Order {
    from_item::<Order>(item).unwrap()
}

#[inline(never)]
fn theirs_from(item: serde_dynamo::Item) -> OrderSd {
    serde_dynamo::from_item::<_, OrderSd>(item).unwrap()
}

/// Maps every item once with the operation `op` (see the module docs).
fn run_probe(op: &str, ours: &[Order], theirs: &[OrderSd]) {
    match op {
        "none" => {}
        "to" | "from" => {
            let items: Vec<Item> = ours.iter().map(ours_to).collect();
            if op == "from" {
                for item in items {
                    black_box(ours_from(item));
                }
            }
        }
        "sd-to" | "sd-from" => {
            let items: Vec<serde_dynamo::Item> = theirs.iter().map(theirs_to).collect();
            if op == "sd-from" {
                for item in items {
                    black_box(theirs_from(item));
                }
            }
        }
        other => panic!("unknown probe {other:?}: none, to, from, sd-to or sd-from"),
    }
}

fn main() {
    // `cargo test` runs bench targets with --bench absent; keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds = if quick { 1 } else { ROUNDS };
    let ours: Vec<Order> = (0..ITEMS as u64).map(order).collect();
    let theirs: Vec<OrderSd> = ours.iter().map(order_sd).collect();
    if let Some(op) = probe() {
        run_probe(&op, &ours, &theirs);
        return;
    }

    // Both produce equivalent items.
    let a = to_item(&ours[0]).unwrap();
    let b: serde_dynamo::Item = serde_dynamo::to_item(&theirs[0]).unwrap();
    assert_eq!(a.len(), b.len(), "same attributes");
    assert_eq!(from_item::<Order>(a.clone()).unwrap(), ours[0]);
    assert_eq!(
        serde_dynamo::from_item::<_, OrderSd>(b.clone()).unwrap(),
        theirs[0]
    );

    let mut best = [Duration::MAX; 4];
    for _ in 0..rounds {
        let start = Instant::now();
        let items: Vec<Item> = ours.iter().map(ours_to).collect();
        best[0] = best[0].min(start.elapsed());

        let start = Instant::now();
        let sd_items: Vec<serde_dynamo::Item> = theirs.iter().map(theirs_to).collect();
        best[1] = best[1].min(start.elapsed());

        let start = Instant::now();
        for item in items {
            black_box(ours_from(item));
        }
        best[2] = best[2].min(start.elapsed());

        let start = Instant::now();
        for item in sd_items {
            black_box(theirs_from(item));
        }
        best[3] = best[3].min(start.elapsed());
    }

    let rates: Vec<f64> = best.iter().map(|d| per_second(*d)).collect();
    println!(
        "mapping a 16-field struct, best of {rounds} rounds of {ITEMS} items (items per second)"
    );
    println!("{:<22}{:>16}{:>16}", "", "to item", "from item");
    println!(
        "{:<22}{:>16.0}{:>16.0}",
        "dynamodb-mapper", rates[0], rates[2]
    );
    println!(
        "{:<22}{:>16.0}{:>16.0}",
        "serde_dynamo 4", rates[1], rates[3]
    );
    println!(
        "{:<22}{:>15.2}x{:>15.2}x",
        "ratio (ours/theirs)",
        rates[0] / rates[1],
        rates[2] / rates[3]
    );
}
