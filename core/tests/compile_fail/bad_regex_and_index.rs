use dynamodb_mapper::{Model, Validate};
use serde::{Deserialize, Serialize};

#[derive(Validate)]
struct BadPattern {
    #[validate(regex = "([a-z]")]
    name: String,
}

#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "t", gsi(name = "by_email", hash = "email"))]
struct NoSuchField {
    #[model(hash_key)]
    id: String,
}

fn main() {}
