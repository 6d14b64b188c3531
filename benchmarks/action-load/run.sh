#!/usr/bin/env bash
# The write path under load, in one run on this machine: pgbench tpcb-like on the host's own PostgreSQL as the
# reference, then post_progress + whole deliveries + inbox reads over HTTP at 8 and 64 clients, then 100,000 due
# timers and the mail they cause. Prints one table (markdown).
#   bash benchmarks/action-load/run.sh           (full: about 6 minutes)
#   bash benchmarks/action-load/run.sh --quick   (a short smoke run)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v pgbench > /dev/null || { echo "needs pgbench (apt-get install postgresql-client)"; exit 1; }
dotnet build -c Release -v q src/ServiceDelivery.Host > /dev/null
dotnet build -c Release -v q benchmarks/ServiceDelivery.ActionLoad > /dev/null
dotnet benchmarks/ServiceDelivery.ActionLoad/bin/Release/net10.0/ServiceDelivery.ActionLoad.dll \
  src/ServiceDelivery.Host/bin/Release/net10.0/ServiceDelivery.Host.dll "$@"
