#!/usr/bin/env bash
# Load test of the delivery centre's reads on 100,000 deliveries: the host (Release) on a private PostgreSQL,
# wrk on loopback. Prints one line per scenario: requests/s and latency percentiles.
#   bash benchmarks/api-load/run.sh            (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=$(mktemp -d /tmp/sd-load-XXXX)
DATA=/tmp/sd-load-pg-$$
PORT=5091
API=http://127.0.0.1:$PORT/api/v1
DURATION=${DURATION:-15s}

export ASPNETCORE_ENVIRONMENT=Development LocalDatabase__DataDirectory=$DATA Demo__Seed=false Logging__LogLevel__Default=Warning
dotnet run -c Release --project src/ServiceDelivery.Host -- --urls http://127.0.0.1:$PORT > "$WORK/host.log" 2>&1 &
HOST=$!
trap 'kill -TERM $HOST 2>/dev/null; wait $HOST 2>/dev/null; rm -rf "$WORK" "$DATA"' EXIT
until curl -sf http://127.0.0.1:$PORT/health/ready > /dev/null; do
  kill -0 $HOST 2>/dev/null || { cat "$WORK/host.log"; exit 1; }
  sleep 1
done

PGPORT=$(sed -n 4p "$DATA/postmaster.pid")
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres servicedelivery -f benchmarks/api-load/seed.sql

token() { curl -s -X POST $API/dev/tokens -H 'content-type: application/json' -d "$1" | sed 's/.*"token":"\([^"]*\)".*/\1/'; }
BUYER=$(token '{"sub":"u-00042","name":"买家42","roles":["buyer"]}')
PROVIDER=$(token '{"sub":"s-7","name":"员工","roles":["provider"],"providerId":"p-007"}')
PLATFORM=$(token '{"sub":"op-1","name":"监管","roles":["platform"]}')
ONE=$(curl -s "$API/deliveries?limit=1" -H "authorization: Bearer $BUYER" | sed 's/.*"id":"\([^"]*\)".*"orderId".*/\1/' | head -c 36)

run() {
  local name=$1 token=$2 url=$3
  local out
  if [ "${WARMUP:-}" = 1 ]; then
    wrk -t2 -c16 -d4s -H "Authorization: Bearer $token" "$url" > /dev/null
    return
  fi
  out=$(wrk -t2 -c16 -d"$DURATION" --latency -H "Authorization: Bearer $token" "$url")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  printf '| %-44s | %8s | %8s | %8s |\n' "$name" "$rps" "$p50" "$p99"
}

scenarios() {
run "buyer: list, first page of 20"            "$BUYER"    "$API/deliveries?limit=20"
run "provider: list in one stage"              "$PROVIDER" "$API/deliveries?stage=implementing&limit=20"
run "platform: list, first page of 20"         "$PLATFORM" "$API/deliveries?limit=20"
run "platform: text search (product name)"     "$PLATFORM" "$API/deliveries?q=%E5%AE%89%E5%85%A8%E5%8A%A0%E5%9B%BA&limit=20"
run "buyer: counts per stage"                  "$BUYER"    "$API/deliveries/counts"
run "platform: counts per stage (all 100,000)" "$PLATFORM" "$API/deliveries/counts"
run "provider: task inbox"                     "$PROVIDER" "$API/tasks"
run "buyer: one delivery"                      "$BUYER"    "$API/deliveries/$ONE"
}

# A first pass warms up (JIT and tiered compilation, pools, PostgreSQL's caches) and is not measured.
WARMUP=1 scenarios
echo "| scenario (100,000 deliveries) | req/s | p50 | p99 |"
echo "|---|---:|---:|---:|"
scenarios
