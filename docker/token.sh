#!/usr/bin/env bash
# Mints a bearer token for the stack in compose.yaml without an identity provider: an HS256 JWT signed with
# AUTH_SIGNING_KEY (the key the host checks), with the compose file's default issuer and audience.
#   AUTH_SIGNING_KEY=… bash docker/token.sh <sub> <role> [name] [providerId]      e.g. bash docker/token.sh u-1001 buyer 张三
# Anyone holding the key can be anybody: keep it as secret as the key itself. Needs openssl.
set -euo pipefail
: "${AUTH_SIGNING_KEY:?set AUTH_SIGNING_KEY (the same value the app was started with)}"
sub=${1:?sub}; role=${2:?role (buyer, provider, platform, designer, marketplace)}; name=${3:-$1}; provider=${4:-}
b64() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
claims=$(printf '{"iss":"%s","aud":"%s","sub":"%s","name":"%s","role":"%s","iat":%d,"nbf":%d,"exp":%d%s}' \
  "${AUTH_ISSUER:-servicedelivery}" "${AUTH_AUDIENCE:-servicedelivery-api}" "$sub" "$name" "$role" "$now" "$now" $((now + 3600)) \
  "${provider:+,\"provider_id\":\"$provider\"}")
header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64)
payload=$(printf '%s' "$claims" | b64)
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -hmac "$AUTH_SIGNING_KEY" -binary | b64)
echo "$header.$payload.$signature"
