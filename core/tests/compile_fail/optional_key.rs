use dynamodb_mapper::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "t")]
struct Doc {
    #[model(hash_key)]
    id: Option<String>,
}

fn main() {}
