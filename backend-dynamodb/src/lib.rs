//! The Amazon DynamoDB backend of `dynamodb-mapper`, on `aws-sdk-dynamodb`:
//! real DynamoDB, or any DynamoDB-compatible endpoint such as DynamoDB Local.
