//! Runnable examples of `dynamodb-mapper`; see the `examples/` directory.
