"""Drives dynamodb-mapper-server with boto3, a client nobody here wrote.

Usage: python clients.py ENDPOINT   (run by server/tests/clients.sh)

Creates a table with a global index, puts items, fails a conditional put
(ConditionalCheckFailedException with the stored item), queries with
paging (by hand and with boto3's paginator), writes a batch, reads a batch,
cancels a transaction and reads its reasons as boto3 parses them, and
checks exact numbers and binaries. Exits non-zero on the first failure.
"""

import sys
import uuid
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Key
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = sys.argv[1]
TABLE = "clients_" + uuid.uuid4().hex[:8]

client = boto3.client(
    "dynamodb",
    endpoint_url=ENDPOINT,
    region_name="us-east-1",
    aws_access_key_id="local",
    aws_secret_access_key="local",
    config=Config(retries={"max_attempts": 1}),
)
resource = boto3.resource(
    "dynamodb",
    endpoint_url=ENDPOINT,
    region_name="us-east-1",
    aws_access_key_id="local",
    aws_secret_access_key="local",
)


def check(cond, what):
    if not cond:
        raise SystemExit(f"clients.py: FAILED: {what}")
    print(f"clients.py: ok: {what}")


def error_of(call):
    try:
        call()
    except ClientError as e:
        return e
    raise SystemExit("clients.py: FAILED: the call succeeded but should have failed")


# A table with a global index.
d = client.create_table(
    TableName=TABLE,
    KeySchema=[
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    AttributeDefinitions=[
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "N"},
        {"AttributeName": "kind", "AttributeType": "S"},
    ],
    GlobalSecondaryIndexes=[
        {
            "IndexName": "by_kind",
            "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
    BillingMode="PAY_PER_REQUEST",
)["TableDescription"]
check(d["TableStatus"] == "ACTIVE", "create_table answers an active table")
check(d["GlobalSecondaryIndexes"][0]["IndexName"] == "by_kind", "the index is described")
client.get_waiter("table_exists").wait(TableName=TABLE)
desc = client.describe_table(TableName=TABLE)["Table"]
check(desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST", "billing is described")
check(desc["CreationDateTime"].year >= 2024, "the creation time parses as a date")

# Puts, with an exact 38-digit number and a binary.
big = "1234567890123456789012345678901234567.8"
client.put_item(
    TableName=TABLE,
    Item={
        "pk": {"S": "alice"},
        "sk": {"N": "0"},
        "kind": {"S": "user"},
        "big": {"N": big},
        "blob": {"B": b"\x00\x01\xff"},
        "tags": {"SS": ["a", "b"]},
    },
)
got = client.get_item(TableName=TABLE, Key={"pk": {"S": "alice"}, "sk": {"N": "0"}}, ConsistentRead=True)
check(got["Item"]["big"]["N"] == big, "38-digit numbers come back exactly")
check(got["Item"]["blob"]["B"] == b"\x00\x01\xff", "binaries come back exactly")

# A conditional put that fails, with the stored item.
e = error_of(
    lambda: client.put_item(
        TableName=TABLE,
        Item={"pk": {"S": "alice"}, "sk": {"N": "0"}},
        ConditionExpression="attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
)
check(e.response["Error"]["Code"] == "ConditionalCheckFailedException", "a failed condition is ConditionalCheckFailedException")
check(isinstance(e, client.exceptions.ConditionalCheckFailedException), "boto3 raises its modeled exception")
check(e.response["Item"]["kind"]["S"] == "user", "the failed condition returns the stored item")
check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, "errors are HTTP 400")

# A batch write, then query with paging.
table = resource.Table(TABLE)
with table.batch_writer() as batch:
    for i in range(1, 31):
        batch.put_item(Item={"pk": "alice", "sk": i, "kind": "event", "n": Decimal(i) / 4})
seen, start, pages = [], None, 0
while True:
    kwargs = {"ExclusiveStartKey": start} if start else {}
    page = table.query(KeyConditionExpression=Key("pk").eq("alice"), Limit=7, **kwargs)
    seen.extend(int(i["sk"]) for i in page["Items"])
    pages += 1
    start = page.get("LastEvaluatedKey")
    if not start:
        break
check(seen == list(range(0, 31)), "query pages return every item in order")
check(pages == 5, f"query with Limit=7 over 31 items takes 5 pages (took {pages})")
paginator = client.get_paginator("query")
total = sum(
    p["Count"]
    for p in paginator.paginate(
        TableName=TABLE,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "alice"}},
        PaginationConfig={"PageSize": 4},
    )
)
check(total == 31, "boto3's paginator follows LastEvaluatedKey")
by_kind = table.query(IndexName="by_kind", KeyConditionExpression=Key("kind").eq("event"))
check(by_kind["Count"] == 30, "the global index is queried")
check(table.get_item(Key={"pk": "alice", "sk": 2})["Item"]["n"] == Decimal("0.5"), "numbers map to Decimal exactly")

# A batch get, with consumed capacity.
out = client.batch_get_item(
    RequestItems={TABLE: {"Keys": [{"pk": {"S": "alice"}, "sk": {"N": str(i)}} for i in range(1, 6)]}},
    ReturnConsumedCapacity="TOTAL",
)
check(len(out["Responses"][TABLE]) == 5, "batch_get_item returns every key")
check(out["UnprocessedKeys"] == {}, "nothing is left unprocessed")
check(out["ConsumedCapacity"][0]["TableName"] == TABLE, "consumed capacity is reported")

# A cancelled transaction whose reasons boto3 parses.
e = error_of(
    lambda: client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "bob"}, "sk": {"N": "1"}}}},
            {
                "ConditionCheck": {
                    "TableName": TABLE,
                    "Key": {"pk": {"S": "alice"}, "sk": {"N": "0"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        ]
    )
)
check(e.response["Error"]["Code"] == "TransactionCanceledException", "the transaction is cancelled")
reasons = e.response["CancellationReasons"]
check([r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"], "one reason per action, in order")
check(reasons[1]["Item"]["kind"]["S"] == "user", "the failed check returns the stored item")
check("Item" not in client.get_item(TableName=TABLE, Key={"pk": {"S": "bob"}, "sk": {"N": "1"}}), "a cancelled transaction writes nothing")

# A transaction that commits, and a read transaction.
client.transact_write_items(
    TransactItems=[
        {"Update": {
            "TableName": TABLE,
            "Key": {"pk": {"S": "alice"}, "sk": {"N": "0"}},
            "UpdateExpression": "ADD visits :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }},
        {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "alice"}, "sk": {"N": "30"}}}},
    ],
    ClientRequestToken=str(uuid.uuid4()),
)
r = client.transact_get_items(
    TransactItems=[
        {"Get": {"TableName": TABLE, "Key": {"pk": {"S": "alice"}, "sk": {"N": "0"}}}},
        {"Get": {"TableName": TABLE, "Key": {"pk": {"S": "alice"}, "sk": {"N": "30"}}}},
    ]
)["Responses"]
check(r[0]["Item"]["visits"]["N"] == "1" and "Item" not in r[1], "transactions commit atomically")

# Updates with ReturnValues, and errors DynamoDB names.
u = client.update_item(
    TableName=TABLE,
    Key={"pk": {"S": "alice"}, "sk": {"N": "0"}},
    UpdateExpression="SET visits = visits + :one",
    ExpressionAttributeValues={":one": {"N": "1"}},
    ReturnValues="UPDATED_NEW",
)
check(u["Attributes"] == {"visits": {"N": "2"}}, "UPDATED_NEW returns the changed attribute")
e = error_of(lambda: client.describe_table(TableName="no_such_table"))
check(e.response["Error"]["Code"] == "ResourceNotFoundException", "a missing table is ResourceNotFoundException")
e = error_of(lambda: client.get_item(TableName=TABLE, Key={"pk": {"S": "alice"}}))
check(e.response["Error"]["Code"] == "ValidationException", "a bad key is ValidationException")
g = client.get_item(TableName=TABLE, Key={"pk": {"S": "alice"}, "sk": {"N": "0"}}, AttributesToGet=["visits"], ConsistentRead=True)
check(g["Item"] == {"visits": {"N": "2"}}, "the legacy AttributesToGet projects as DynamoDB does")
e = error_of(lambda: client.list_backups())
check(e.response["Error"]["Code"] == "UnknownOperationException", "an operation not implemented is UnknownOperationException")

# Time to live.
client.update_time_to_live(TableName=TABLE, TimeToLiveSpecification={"AttributeName": "expires", "Enabled": True})
ttl = client.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
check(ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}, "time to live is enabled")

check(TABLE in client.list_tables()["TableNames"], "list_tables names the table")
print(TABLE)
