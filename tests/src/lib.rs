//! Cross-backend test suites of `dynamodb-mapper`: conformance, property,
//! differential, concurrency and crash tests, run against every backend.
