// Drives dynamodb-mapper-server with the AWS SDK for JavaScript v3.
//
// Usage: node clients.mjs ENDPOINT   (run by server/tests/clients.sh, with
// NODE_PATH naming the node_modules that holds @aws-sdk/client-dynamodb)
//
// Creates a table with an index, puts, fails a conditional put, pages a
// query, writes a batch and cancels a transaction, checking what the SDK
// parses. Exits non-zero on the first failure.

import { createRequire } from "node:module";

const require = createRequire(process.env.NODE_PATH + "/");
const {
  DynamoDBClient,
  CreateTableCommand,
  PutItemCommand,
  GetItemCommand,
  QueryCommand,
  BatchWriteItemCommand,
  TransactWriteItemsCommand,
  DeleteTableCommand,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} = require("@aws-sdk/client-dynamodb");

const endpoint = process.argv[2];
const table = "js_" + Math.random().toString(36).slice(2, 10);
const client = new DynamoDBClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
  maxAttempts: 1,
});

let passed = 0;
function check(cond, what) {
  if (!cond) {
    console.error(`clients.mjs: FAILED: ${what}`);
    process.exit(1);
  }
  passed += 1;
  console.log(`clients.mjs: ok: ${what}`);
}

async function failure(command) {
  try {
    await client.send(command);
  } catch (e) {
    return e;
  }
  console.error("clients.mjs: FAILED: the call succeeded but should have failed");
  process.exit(1);
}

const created = await client.send(
  new CreateTableCommand({
    TableName: table,
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "N" },
      { AttributeName: "kind", AttributeType: "S" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: "by_kind",
        KeySchema: [{ AttributeName: "kind", KeyType: "HASH" }],
        Projection: { ProjectionType: "ALL" },
      },
    ],
    BillingMode: "PAY_PER_REQUEST",
  }),
);
check(created.TableDescription.TableStatus === "ACTIVE", "create_table answers an active table");
check(created.TableDescription.CreationDateTime instanceof Date, "the creation time parses as a Date");

const big = "-1234567890123456789012345678901234567.8";
await client.send(
  new PutItemCommand({
    TableName: table,
    Item: { pk: { S: "a" }, sk: { N: "0" }, kind: { S: "user" }, big: { N: big }, bin: { B: new Uint8Array([0, 1, 255]) } },
  }),
);
const got = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "a" }, sk: { N: "0" } } }));
check(got.Item.big.N === big, "38-digit numbers come back exactly");
check(Buffer.from(got.Item.bin.B).equals(Buffer.from([0, 1, 255])), "binaries come back exactly");

let e = await failure(
  new PutItemCommand({
    TableName: table,
    Item: { pk: { S: "a" }, sk: { N: "0" } },
    ConditionExpression: "attribute_not_exists(pk)",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  }),
);
check(e instanceof ConditionalCheckFailedException, "a failed condition is ConditionalCheckFailedException");
check(e.Item && e.Item.kind.S === "user", "the failed condition carries the stored item");

const writes = [];
for (let i = 1; i <= 20; i++) {
  writes.push({ PutRequest: { Item: { pk: { S: "a" }, sk: { N: String(i) }, kind: { S: "event" } } } });
}
for (let i = 0; i < writes.length; i += 10) {
  const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: writes.slice(i, i + 10) } }));
  check(Object.keys(out.UnprocessedItems).length === 0, "a batch write is processed whole");
}

let start;
let seen = 0;
let pages = 0;
do {
  const page = await client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: "pk = :p",
      ExpressionAttributeValues: { ":p": { S: "a" } },
      Limit: 6,
      ExclusiveStartKey: start,
    }),
  );
  seen += page.Count;
  pages += 1;
  start = page.LastEvaluatedKey;
} while (start);
check(seen === 21 && pages === 4, `query pages cover every item (${seen} items in ${pages} pages)`);

e = await failure(
  new TransactWriteItemsCommand({
    TransactItems: [
      { Put: { TableName: table, Item: { pk: { S: "b" }, sk: { N: "1" } } } },
      {
        ConditionCheck: {
          TableName: table,
          Key: { pk: { S: "a" }, sk: { N: "0" } },
          ConditionExpression: "attribute_not_exists(pk)",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
    ],
  }),
);
check(e instanceof TransactionCanceledException, "the transaction is cancelled");
check(
  JSON.stringify(e.CancellationReasons.map((r) => r.Code)) === '["None","ConditionalCheckFailed"]',
  "one reason per action, in order",
);
check(e.CancellationReasons[1].Item.kind.S === "user", "the failed check carries the stored item");

await client.send(new DeleteTableCommand({ TableName: table }));
console.log(`clients.mjs: ${passed} passed`);
