use dynamodb_mapper::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "t")]
struct Post {
    #[model(hash_key, auto_increment)]
    id: u64,
    #[model(range_key)]
    at: String,
}

fn main() {}
