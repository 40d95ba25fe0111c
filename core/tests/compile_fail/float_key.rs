use dynamodb_mapper::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "t")]
struct Reading {
    #[model(hash_key)]
    id: String,
    #[model(range_key)]
    value: f64,
}

fn main() {}
