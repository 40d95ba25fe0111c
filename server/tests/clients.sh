#!/usr/bin/env bash
# Real clients against dynamodb-mapper-server: boto3 and the AWS CLI, from
# PyPI in a virtual environment (kept in target/client-venv), and the AWS
# SDK for JavaScript v3 from npm (kept in target/client-node, when npm is
# there) drive the server binary on a free port, on the memory store and on
# a sled store.
# Exits non-zero on the first failure; stops each server by its own pid.
#
# Usage: server/tests/clients.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV="${CLIENTS_VENV:-$PWD/target/client-venv}"
if [ ! -x "$VENV/bin/aws" ] || ! "$VENV/bin/python" -c 'import boto3' 2>/dev/null; then
    echo "server/tests/clients.sh: installing boto3 and awscli into $VENV"
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV"; then
        # Debian's python3 keeps venv apart.
        apt-get update -qq && apt-get install -y -qq python3-venv
        rm -rf "$VENV"
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install --quiet --disable-pip-version-check boto3 awscli
fi

# Pinned: later releases may require a newer node than Debian's.
JS_SDK="@aws-sdk/client-dynamodb@3.1169.0"
NODE_DIR="${CLIENTS_NODE_DIR:-$PWD/target/client-node}"
if command -v npm >/dev/null && [ ! -f "$NODE_DIR/node_modules/@aws-sdk/client-dynamodb/package.json" ]; then
    echo "server/tests/clients.sh: installing @aws-sdk/client-dynamodb into $NODE_DIR"
    mkdir -p "$NODE_DIR"
    npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error "$JS_SDK" >/dev/null
fi

cargo build --quiet -p dynamodb-mapper-server
BIN="$PWD/target/debug/dynamodb-mapper-server"
WORK=$(mktemp -d)
SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT

export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

run_clients() {
    local store_name=$1
    shift
    "$BIN" "$@" --port 0 >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    local endpoint=""
    for _ in $(seq 1 100); do
        endpoint=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/server.log" || true)
        [ -n "$endpoint" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
        sleep 0.05
    done
    [ -n "$endpoint" ] || { echo "server/tests/clients.sh: the server did not start" >&2; exit 1; }
    echo "server/tests/clients.sh: $store_name store on $endpoint (pid $SERVER_PID)"

    local table
    table=$("$VENV/bin/python" server/tests/clients.py "$endpoint" | tee "$WORK/clients.out" | tail -n 1)
    local ok
    ok=$(grep -c '^clients.py: ok' "$WORK/clients.out")
    PASSED=$((PASSED + ok))
    echo "server/tests/clients.sh: boto3 checks passed: $ok"

    if [ -f "$NODE_DIR/node_modules/@aws-sdk/client-dynamodb/package.json" ]; then
        if ! NODE_PATH="$NODE_DIR/node_modules" node server/tests/clients.mjs "$endpoint" \
            >"$WORK/js.out" 2>"$WORK/js.err"; then
            cat "$WORK/js.out" "$WORK/js.err" >&2
            exit 1
        fi
        ok=$(grep -c '^clients.mjs: ok' "$WORK/js.out")
        PASSED=$((PASSED + ok))
        echo "server/tests/clients.sh: AWS SDK for JavaScript v3 checks passed: $ok"
    else
        echo "server/tests/clients.sh: npm is missing: the JavaScript SDK checks did not run"
    fi

    # The AWS CLI: a scan in pages of 7 (the CLI follows LastEvaluatedKey)
    # of the 30 items clients.py left, and a delete.
    local count
    count=$("$VENV/bin/aws" dynamodb scan --endpoint-url "$endpoint" --table-name "$table" \
        --page-size 7 --output json | "$VENV/bin/python" -c \
        'import json, sys; print(len(json.load(sys.stdin)["Items"]))')
    [ "$count" = "30" ] || { echo "server/tests/clients.sh: aws scan found $count items, not 30" >&2; exit 1; }
    echo "server/tests/clients.sh: ok: aws dynamodb scan counts $count items"
    "$VENV/bin/aws" dynamodb delete-table --endpoint-url "$endpoint" --table-name "$table" \
        --query TableDescription.TableStatus --output text | grep -q DELETING
    echo "server/tests/clients.sh: ok: aws dynamodb delete-table"
    PASSED=$((PASSED + 2))
    stop_server
}

PASSED=0
run_clients memory --in-memory
run_clients sled --data "$WORK/data"
echo "clients: $PASSED passed, 0 failed"
