//! The in-memory backend of `dynamodb-mapper`: a fake DynamoDB for unit
//! tests and dependency injection, deterministic and fast, answering as
//! DynamoDB does.
