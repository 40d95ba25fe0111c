//! Quickstart: map a model to a DynamoDB item and back, and validate it.
//!
//! Run with `cargo run --example quickstart`.

use dynamodb_mapper::{Model, StringSet, Timestamp, Validate, from_item, to_item};
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Debug, PartialEq)]
#[model(table = "users")]
struct User {
    #[model(hash_key)]
    #[validate(length(min = 3, max = 32))]
    id: String,
    #[validate(range(min = 0, max = 1000))]
    energy: i64,
    #[model(version)]
    version: u64,
    tags: StringSet,
    joined: Timestamp,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let alice = User {
        id: "alice".into(),
        energy: 10,
        version: 0,
        tags: ["admin".to_string(), "beta".to_string()].into(),
        joined: Timestamp::now(),
    };
    let schema = User::schema();
    println!(
        "table `{}` keyed by `{}`",
        schema.table.name, schema.table.key.hash.name
    );

    let item = to_item(&alice)?;
    println!("stored as {item:?}");
    let back: User = from_item(item)?;
    assert_eq!(back, alice);
    println!("read back: {back:?}");

    let bad = User {
        id: "x".into(),
        energy: 5000,
        ..back
    };
    match bad.validate() {
        Ok(()) => println!("unexpectedly valid"),
        Err(errors) => println!("refused before any write: {errors}"),
    }
    Ok(())
}
