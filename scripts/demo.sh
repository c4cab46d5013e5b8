#!/usr/bin/env bash
# Sets up the demo on a running cleanroomd: an account "demo" that runs the recipe
# (examples/aws-recipe/recipe.sh): two organizations' data in their buckets, Glue tables found by
# crawlers, a collaboration with analysis rules and associations, and a finished protected query.
#
#   scripts/demo.sh DATA_DIR
#
# DATA_DIR is the server's data dir: the endpoint is read from DATA_DIR/endpoint, the
# administrator key from DATA_DIR/admin-credentials. The demo's AWS credentials and config go to
# DATA_DIR/demo/ (mode 0600), with the ids the recipe made in DATA_DIR/demo/recipe-outputs.env.
# Does nothing but print how to look when the demo is already there. The admin CLI is
# $CLEANROOM_CLI, or build/release/src/cli/cleanroom.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data_dir="$(cd "${1:?usage: scripts/demo.sh DATA_DIR}" && pwd)"
cli="${CLEANROOM_CLI:-$root/build/release/src/cli/cleanroom}"
demo="$data_dir/demo"
endpoint="$(cat "$data_dir/endpoint")"
profile="cleanroom-demo"

if [ ! -s "$demo/recipe-outputs.env" ]; then
  command -v aws >/dev/null 2>&1 || { echo "demo: the AWS CLI (aws) is needed" >&2; exit 1; }
  mkdir -p "$demo"
  chmod 700 "$demo"
  if [ ! -s "$demo/credentials" ]; then
    account_json="$("$cli" --data-dir "$data_dir" admin account create --name demo)"
    (
      umask 077
      python3 - "$account_json" "$profile" > "$demo/credentials.tmp" << 'PY'
import json, sys
a = json.loads(sys.argv[1])
print(f"[{sys.argv[2]}]")
print(f"aws_access_key_id = {a['AccessKeyId']}")
print(f"aws_secret_access_key = {a['SecretAccessKey']}")
print(f"# account_id = {a['AccountId']}")
PY
      mv "$demo/credentials.tmp" "$demo/credentials"
      printf '[profile %s]\nregion = us-east-1\noutput = json\n' "$profile" > "$demo/config"
    )
  fi
  echo "demo: running the recipe (examples/aws-recipe/recipe.sh) against $endpoint"
  AWS_SHARED_CREDENTIALS_FILE="$demo/credentials" AWS_CONFIG_FILE="$demo/config" \
    AWS_PROFILE="$profile" AWS_ENDPOINT_URL="$endpoint" AWS_PAGER="" \
    RECIPE_OUTPUTS="$demo/recipe-outputs.env.tmp" \
    "$root/examples/aws-recipe/recipe.sh" > "$demo/recipe.log" 2>&1 || {
      echo "demo: the recipe failed; its output is in $demo/recipe.log:" >&2
      tail -n 20 "$demo/recipe.log" >&2
      exit 1
    }
  # shellcheck disable=SC1091
  . "$demo/recipe-outputs.env.tmp"
  rm -rf "$demo/result"
  AWS_SHARED_CREDENTIALS_FILE="$demo/credentials" AWS_CONFIG_FILE="$demo/config" \
    AWS_PROFILE="$profile" aws --endpoint-url "$endpoint" s3 cp --recursive --quiet \
    "$RESULT_LOCATION" "$demo/result"
  mv "$demo/recipe-outputs.env.tmp" "$demo/recipe-outputs.env"
fi

# shellcheck disable=SC1091
. "$demo/recipe-outputs.env"
cat << EOF

The demo is set up: collaboration $COLLABORATION_ID, with a finished protected query whose
result (in $RESULT_LOCATION) is:

$(cat "$demo"/result/*/*.csv "$demo"/result/*.csv 2>/dev/null)

Look at it with the AWS CLI:

  export AWS_SHARED_CREDENTIALS_FILE=$demo/credentials AWS_CONFIG_FILE=$demo/config
  export AWS_PROFILE=$profile
  aws --endpoint-url $endpoint cleanrooms get-protected-query \\
      --membership-identifier $MEMBERSHIP_ID --protected-query-identifier $QUERY_ID
  aws --endpoint-url $endpoint s3 ls --recursive $RESULT_LOCATION
  aws --endpoint-url $endpoint logs filter-log-events --log-group-name /aws/cleanrooms/$COLLABORATION_ID

EOF
