//! The cost of this backend over the raw SDK: put and get through
//! `aws-sdk-dynamodb` directly, beside the same operations through
//! `DynamoDbBackend`, against the server at DYNAMODB_MAPPER_ENDPOINT
//! (DynamoDB Local), in one run; prints operations per second and the ratio.
//!
//! Run with DynamoDB Local on a port:
//! `DYNAMODB_MAPPER_ENDPOINT=http://127.0.0.1:PORT cargo bench -p dynamodb-mapper-dynamodb --bench dynamodb`

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue as Sdk;
use dynamodb_mapper::backend::{Backend, GetItem, PutItem};
use dynamodb_mapper::{AttributeValue, Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_dynamodb::DynamoDbBackend;

fn item(i: usize) -> Item {
    Item::new()
        .with("id", format!("order-{i:06}"))
        .with("customer", "customer-4242")
        .with("total", (i * 37 % 1000) as i64)
        .with("status", "shipped")
        .with(
            "note",
            "leave the parcel with the neighbour if nobody answers",
        )
        .with(
            "lines",
            AttributeValue::L(vec![AttributeValue::from("sku-1"), AttributeValue::from(2)]),
        )
        .with(
            "tags",
            AttributeValue::Ss(vec!["gift".into(), "priority".into()]),
        )
}

fn sdk_item(i: usize) -> HashMap<String, Sdk> {
    HashMap::from([
        ("id".to_string(), Sdk::S(format!("order-{i:06}"))),
        ("customer".to_string(), Sdk::S("customer-4242".into())),
        (
            "total".to_string(),
            Sdk::N(((i * 37 % 1000) as i64).to_string()),
        ),
        ("status".to_string(), Sdk::S("shipped".into())),
        (
            "note".to_string(),
            Sdk::S("leave the parcel with the neighbour if nobody answers".into()),
        ),
        (
            "lines".to_string(),
            Sdk::L(vec![Sdk::S("sku-1".into()), Sdk::N("2".into())]),
        ),
        (
            "tags".to_string(),
            Sdk::Ss(vec!["gift".into(), "priority".into()]),
        ),
    ])
}

fn main() {
    let Some(endpoint) = std::env::var("DYNAMODB_MAPPER_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
    else {
        println!(
            "dynamodb bench SKIPPED: set DYNAMODB_MAPPER_ENDPOINT to a DynamoDB Local endpoint (tests/run starts one)"
        );
        return;
    };
    let quick = !std::env::args().any(|a| a == "--bench");
    let (per_round, rounds) = if quick { (20, 2) } else { (400, 6) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let backend = DynamoDbBackend::builder().endpoint(&endpoint).build().await.unwrap();
        let client = backend.client().clone();
        let table = format!("bench_{}", std::process::id());
        backend.create_table(TableDefinition::new(&table, KeySchema::hash("id", ScalarType::S))).await.unwrap();
        // Warm connections and the JVM.
        for i in 0..200 {
            backend.put_item(PutItem::new(&table, item(i))).await.unwrap();
        }
        // Both sides write fresh keys of their own, and take turns going first.
        let mut best = [Duration::MAX; 4];
        for round in 0..rounds {
            let raw_base = 1_000_000 + round * per_round;
            let our_base = 2_000_000 + round * per_round;
            for side in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
                if side == 0 {
                    let start = Instant::now();
                    for i in raw_base..raw_base + per_round {
                        client.put_item().table_name(&table).set_item(Some(sdk_item(i))).send().await.unwrap();
                    }
                    best[0] = best[0].min(start.elapsed());
                    let start = Instant::now();
                    for i in raw_base..raw_base + per_round {
                        let out = client
                            .get_item()
                            .table_name(&table)
                            .key("id", Sdk::S(format!("order-{i:06}")))
                            .send()
                            .await
                            .unwrap();
                        black_box(out.item);
                    }
                    best[2] = best[2].min(start.elapsed());
                } else {
                    let start = Instant::now();
                    for i in our_base..our_base + per_round {
                        backend.put_item(PutItem::new(&table, item(i))).await.unwrap();
                    }
                    best[1] = best[1].min(start.elapsed());
                    let start = Instant::now();
                    for i in our_base..our_base + per_round {
                        let out = backend
                            .get_item(GetItem::new(&table, Item::new().with("id", format!("order-{i:06}"))))
                            .await
                            .unwrap();
                        black_box(out.item);
                    }
                    best[3] = best[3].min(start.elapsed());
                }
            }
        }
        backend.delete_table(&table).await.unwrap();
        let rate = |d: Duration| per_round as f64 / d.as_secs_f64();
        println!("raw aws-sdk-dynamodb vs DynamoDbBackend against {endpoint}, best of {rounds} rounds of {per_round} sequential requests (operations per second)");
        println!("{:<8}{:>14}{:>18}{:>16}", "", "raw SDK", "DynamoDbBackend", "backend/raw");
        for (name, raw, ours) in [("put", best[0], best[1]), ("get", best[2], best[3])] {
            let (r, o) = (rate(raw), rate(ours));
            println!("{name:<8}{r:>14.0}{o:>18.0}{:>15.1}%", o / r * 100.0);
        }
    });
}
