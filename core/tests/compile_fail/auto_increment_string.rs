use dynamodb_mapper::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "t")]
struct Post {
    #[model(hash_key, auto_increment)]
    id: String,
}

fn main() {}
