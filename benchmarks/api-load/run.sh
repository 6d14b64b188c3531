#!/usr/bin/env bash
# Load test of the delivery centre's reads on 1,000,000 deliveries and 10,000,000 process-log rows: the host
# (Release) on a private PostgreSQL, wrk on loopback, and pgbench (select-only) on the same server as the
# reference. Prints one line per scenario: requests/s, latency percentiles and req/s ÷ pgbench TPS.
#   bash benchmarks/api-load/run.sh                        (needs wrk and pgbench: apt-get install wrk postgresql-contrib)
#   DELIVERIES=100000 LOG_PER_DELIVERY=10 bash benchmarks/api-load/run.sh   (smaller)
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=$(mktemp -d /tmp/sd-load-XXXX)
DATA=/tmp/sd-load-pg-$$
PORT=5091
API=http://127.0.0.1:$PORT/api/v1
DURATION=${DURATION:-15s}
DELIVERIES=${DELIVERIES:-1000000}
LOG_PER_DELIVERY=${LOG_PER_DELIVERY:-10}

export ASPNETCORE_ENVIRONMENT=Development LocalDatabase__DataDirectory=$DATA Demo__Seed=false Logging__LogLevel__Default=Warning
dotnet run -c Release --project src/ServiceDelivery.Host -- --urls http://127.0.0.1:$PORT > "$WORK/host.log" 2>&1 &
HOST=$!
trap 'kill -TERM $HOST 2>/dev/null; wait $HOST 2>/dev/null; rm -rf "$WORK" "$DATA"' EXIT
until curl -sf http://127.0.0.1:$PORT/health/ready > /dev/null; do
  kill -0 $HOST 2>/dev/null || { cat "$WORK/host.log"; exit 1; }
  sleep 1
done

PGPORT=$(sed -n 4p "$DATA/postmaster.pid")
SEED_START=$(date +%s)
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres servicedelivery -v deliveries="$DELIVERIES" -v log_per_delivery="$LOG_PER_DELIVERY" -f benchmarks/api-load/seed.sql
echo "seeded $DELIVERIES deliveries and $((DELIVERIES * LOG_PER_DELIVERY)) log rows in $(( $(date +%s) - SEED_START )) s" >&2

# The reference: PostgreSQL's own select-only benchmark on the same server, same machine, same moment.
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c 'CREATE DATABASE pgbench' postgres
pgbench -q -i -s 10 -h 127.0.0.1 -p "$PGPORT" -U postgres pgbench > /dev/null 2>&1
PGBENCH=$(pgbench -S -c 8 -j 2 -T 15 -h 127.0.0.1 -p "$PGPORT" -U postgres pgbench 2>/dev/null | awk '/^tps/ {printf "%d", $3}')

token() { curl -s -X POST $API/dev/tokens -H 'content-type: application/json' -d "$1" | sed 's/.*"token":"\([^"]*\)".*/\1/'; }
BUYER=$(token '{"sub":"u-00042","name":"买家42","roles":["buyer"]}')
PROVIDER=$(token '{"sub":"s-7","name":"员工","roles":["provider"],"providerId":"p-007"}')
PLATFORM=$(token '{"sub":"op-1","name":"监管","roles":["platform"]}')
ONE=$(curl -s "$API/deliveries?limit=1" -H "authorization: Bearer $BUYER" | sed 's/.*"id":"\([^"]*\)".*"orderId".*/\1/' | head -c 36)
# A file the buyer uploaded, referenced from one log entry of a delivery of provider p-042: the provider's download
# is allowed only through that entry (the index lookup), not as the uploader.
OWNER=$(token '{"sub":"s-42","name":"员工","roles":["provider"],"providerId":"p-042"}')
printf '%%PDF-1.7\nload test' > "$WORK/report.pdf"
FILE=$(curl -s -X POST "$API/attachments" -H "authorization: Bearer $BUYER" -F "file=@$WORK/report.pdf;filename=report.pdf" | sed 's/.*"id":"\([^"]*\)".*/\1/')
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres servicedelivery -c "UPDATE process_log SET attachment_ids = ARRAY['$FILE'::uuid]
  WHERE id = (SELECT l.id FROM process_log l JOIN deliveries d ON d.id = l.delivery_id WHERE d.buyer_id = 'u-00042' AND d.provider_id = 'p-042' LIMIT 1)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $OWNER" "$API/attachments/$FILE")
[ "$code" = 200 ] || { echo "the provider's download answered $code, not 200" >&2; exit 1; }

run() {
  local name=$1 token=$2 url=$3
  local out
  if [ "${WARMUP:-}" = 1 ]; then
    wrk -t2 -c16 -d4s -H "Authorization: Bearer $token" "$url" > /dev/null
    return
  fi
  out=$(wrk -t2 -c16 -d"$DURATION" --latency -H "Authorization: Bearer $token" "$url")
  if grep -q 'Non-2xx' <<<"$out"; then
    echo "$name: some answers were not 2xx" >&2
    exit 1
  fi
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  local ratio
  ratio=$(awk -v r="$rps" -v p="$PGBENCH" 'BEGIN { printf "%.3f", r / p }')
  printf '| %-46s | %8s | %8s | %8s | %6s |\n' "$name" "$rps" "$p50" "$p99" "$ratio"
}

scenarios() {
run "buyer: list, first page of 20"            "$BUYER"    "$API/deliveries?limit=20"
run "provider: list in one stage"              "$PROVIDER" "$API/deliveries?stage=implementing&limit=20"
run "platform: list, first page of 20"         "$PLATFORM" "$API/deliveries?limit=20"
run "platform: text search (product name)"     "$PLATFORM" "$API/deliveries?q=%E5%AE%89%E5%85%A8%E5%8A%A0%E5%9B%BA&limit=20"
run "buyer: counts per stage"                  "$BUYER"    "$API/deliveries/counts"
run "platform: counts per stage (all deliveries)" "$PLATFORM" "$API/deliveries/counts"
run "platform: list, status=active"            "$PLATFORM" "$API/deliveries?status=active&limit=20"
run "provider: download via a log entry"       "$OWNER"    "$API/attachments/$FILE"
run "provider: task inbox"                     "$PROVIDER" "$API/tasks"
run "buyer: one delivery"                      "$BUYER"    "$API/deliveries/$ONE"
run "platform: operations overview"             "$PLATFORM" "$API/operations/overview"
run "platform: list, provider + stage"          "$PLATFORM" "$API/deliveries?providerId=p-042&stage=implementing&limit=50"
run "platform: list, stuck 3 days"              "$PLATFORM" "$API/deliveries?stuckDays=3&limit=50"
}

# A first pass warms up (JIT and tiered compilation, pools, PostgreSQL's caches) and is not measured.
WARMUP=1 scenarios
echo "pgbench -S -c 8 -j 2 -T 15 (select-only, scale 10) on the same server: $PGBENCH TPS"
echo "| scenario ($DELIVERIES deliveries, $((DELIVERIES * LOG_PER_DELIVERY)) log rows) | req/s | p50 | p99 | ÷ pgbench |"
echo "|---|---:|---:|---:|---:|"
scenarios

# The operations console on the same data: each page as a browser first gets it (the server renders it with its
# data before any script runs), signed in with the development cookie; 20 requests each, one at a time.
signin() {
  local jar=$1 sub=$2 roles=$3 provider=$4 form token
  form=$(curl -s -c "$jar" http://127.0.0.1:$PORT/signin)
  token=$(grep -o '__RequestVerificationToken"[^>]*value="[^"]*"' <<<"$form" | head -1 | sed 's/.*value="\([^"]*\)"/\1/')
  curl -s -o /dev/null -b "$jar" -c "$jar" -X POST http://127.0.0.1:$PORT/signin \
    --data-urlencode "sub=$sub" --data-urlencode "name=$sub" --data-urlencode "roles=$roles" --data-urlencode "providerId=$provider" --data-urlencode "returnUrl=/" \
    --data-urlencode "__RequestVerificationToken=$token"
}
JAR=$WORK/cookies
signin "$JAR" op-1 platform ""
page() {
  local name=$1 path=$2 filled=${3:-} times code
  code=$(curl -s -o "$WORK/page.html" -w '%{http_code}' -b "$JAR" "http://127.0.0.1:$PORT$path")
  [ "$code" = 200 ] || { echo "$path answered $code" >&2; exit 1; }
  # A filled page, not an empty one: at least this many matches of the pattern (e.g. rows).
  if [ -n "$filled" ]; then
    local want=${filled%%:*} pattern=${filled#*:} got
    got=$(grep -o "$pattern" "$WORK/page.html" | wc -l)
    [ "$got" -ge "$want" ] || { echo "$path shows $got x $pattern, expected at least $want" >&2; exit 1; }
  fi
  for _ in 1 2 3; do curl -s -o /dev/null -b "$JAR" "http://127.0.0.1:$PORT$path"; done # warm
  [ "$code" = 200 ] || { echo "$path answered $code" >&2; exit 1; }
  times=$(for _ in $(seq 1 20); do curl -s -o /dev/null -w '%{time_total}\n' -b "$JAR" "http://127.0.0.1:$PORT$path"; done | sort -n)
  printf '| %-46s | %6.0f ms | %6.0f ms | %6.0f ms |\n' "$name" \
    "$(sed -n 10p <<<"$times" | awk '{print $1 * 1000}')" "$(sed -n 19p <<<"$times" | awk '{print $1 * 1000}')" "$(tail -1 <<<"$times" | awk '{print $1 * 1000}')"
}
echo
echo "| console page, server-rendered with its data ($DELIVERIES deliveries) | p50 | p95 | max |"
echo "|---|---:|---:|---:|"
page "overview (/console)"                             "/console"
page "list: provider + stage"                           "/console/deliveries?providerId=p-042&stage=implementing"
page "list: stuck 3 days"                               "/console/deliveries?stuckDays=3"
page "list: text search + status"                       "/console/deliveries?q=%E5%AE%89%E5%85%A8%E5%8A%A0%E5%9B%BA&status=active"
page "one delivery (/console/deliveries/{id})"          "/console/deliveries/$ONE"

# The delivery centre on the same data: buyer u-00042 has 1,000 deliveries, provider p-007 10,000; one delivery of
# the buyer gets 90 more log entries (100 in all). Static pages: the server's answer is the filled page.
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres servicedelivery -c "
  INSERT INTO process_log (delivery_id, seq, at, actor_id, actor_name, actor_role, action, from_stage, to_stage, data, internal_data, attachment_ids)
  SELECT d.id, s, d.created_at + make_interval(mins => s), d.provider_id, '服务商员工', 'provider', 'post_progress', d.stage, d.stage, '{\"note\":\"进展说明\"}', '{}', '{}'
  FROM deliveries d CROSS JOIN generate_series($((LOG_PER_DELIVERY + 1)), $((LOG_PER_DELIVERY + 90))) AS s WHERE d.id = '$ONE'"
JAR=$WORK/buyer
signin "$JAR" u-00042 buyer ""
echo
echo "| delivery center page, server-rendered with its data ($DELIVERIES deliveries) | p50 | p95 | max |"
echo "|---|---:|---:|---:|"
page "buyer (1,000 deliveries): list (/deliveries)"      "/deliveries"                 '20:data-testid="row"'
page "buyer: list, one stage"                            "/deliveries?stage=accepting" '1:data-testid="row"'
page "buyer: search by order id"                         "/deliveries?q=LOAD-0000042"  '1:data-testid="row"'
page "buyer: one delivery, $((LOG_PER_DELIVERY + 90)) log entries" "/deliveries/$ONE" '100:c-log-who'
JAR=$WORK/provider
signin "$JAR" s-7 provider p-007
page "provider (10,000 deliveries): list"                "/deliveries"                 '20:data-testid="row"'
page "provider: to-do (open tasks)"                      "/deliveries?view=todo"       '20:data-delivery='

# 1,000 open 流程详情 pages following live updates (their Server-Sent Events streams), and commits arriving from
# another host: the host's memory and CPU, and how soon each change reaches its page.
psql -At -h 127.0.0.1 -p "$PGPORT" -U postgres servicedelivery -c "SELECT id FROM deliveries WHERE buyer_id = 'u-00042' LIMIT 1000" > "$WORK/ids.txt"
HOSTPID=$(pgrep -f "ServiceDelivery.Host --urls http://127.0.0.1:$PORT" | head -1)
COOKIE=$(awk '{ sub(/^#HttpOnly_/, "") } !/^#/ && NF >= 7 {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$WORK/buyer")
echo
echo "| 1,000 open delivery pages ($DELIVERIES deliveries) | |"
echo "|---|---|"
python3 benchmarks/api-load/sse_pages.py --url "http://127.0.0.1:$PORT" --cookie "$COOKIE" --ids "$WORK/ids.txt" --pid "$HOSTPID" \
  --psql "psql -h 127.0.0.1 -p $PGPORT -U postgres servicedelivery"
