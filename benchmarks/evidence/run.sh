#!/usr/bin/env bash
# The evidence's cost, in one run on this machine, on a private throwaway PostgreSQL (as the tests start one):
# pgbench tpcb-like as the reference; verify of one delivery of 1,000 entries written through the application's
# write path and anchored (median, p95 of 200 runs); the daily anchor over 1,000,000 changed deliveries (seeded in
# bulk, one chained log row each), its time and the process's peak working set. Prints one table (markdown).
#   bash benchmarks/evidence/run.sh                              (full: about 5 minutes)
#   bash benchmarks/evidence/run.sh --deliveries 100000 --pgbench 10   (shorter)
# Options: --entries N (1000), --verifies N (200), --deliveries N (1000000), --pgbench SECONDS (30).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v pgbench > /dev/null || { echo "needs pgbench (apt-get install postgresql-client)"; exit 1; }
dotnet build -c Release -v q benchmarks/ServiceDelivery.EvidenceBench > /dev/null
dotnet benchmarks/ServiceDelivery.EvidenceBench/bin/Release/net10.0/ServiceDelivery.EvidenceBench.dll "$@"
