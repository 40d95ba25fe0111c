use dynamodb_mapper::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Clone, Debug)]
struct NoTable {
    #[model(hash_key)]
    id: String,
}

#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "t")]
struct NoKey {
    id: String,
}

fn main() {}
