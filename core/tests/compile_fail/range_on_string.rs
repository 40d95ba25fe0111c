use dynamodb_mapper::{Model, Validate};
use serde::{Deserialize, Serialize};

#[derive(Validate)]
struct Signup {
    #[validate(range(min = 0))]
    name: String,
    #[validate(each(range(max = 9)))]
    tags: Vec<String>,
    // Numbers are fine.
    #[validate(range(min = 0))]
    age: u8,
}

#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "t")]
struct Profile {
    #[model(hash_key)]
    id: String,
    #[validate(range(min = 1, max = 10))]
    nickname: Option<String>,
}

fn main() {}
