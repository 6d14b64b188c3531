#!/usr/bin/env bash
# Regenerates clients/ServiceDelivery.Client/Generated with Kiota (the dotnet tool in dotnet-tools.json) from the
# OpenAPI document the host serves. The same test, without SD_CLIENT_REGENERATE, fails CI when the committed client
# differs from what the document generates.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
SD_CLIENT_REGENERATE=1 dotnet test tests/ServiceDelivery.Api.Tests \
  --filter "FullyQualifiedName~GeneratedClientTests.The_committed_client_is_what_the_served_document_generates"
