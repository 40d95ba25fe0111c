use dynamodb_mapper::Model;
use serde::{Deserialize, Serialize};

// Four mistakes in one struct: the derive reports all four, each where it is.
#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "orders", gsi(name = "by_email", hash = "email"))]
struct Order {
    #[model(hash_key, sort_key)]
    id: String,
    #[validate(length(min = 1), regex = "([a-z]", lenght(max = 3))]
    name: String,
}

fn main() {}
