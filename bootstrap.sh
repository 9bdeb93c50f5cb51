#!/usr/bin/env bash
# Once per AWS account and region: create (or find) the S3 bucket that holds
# HomeAgent's Terraform state, and the DynamoDB lock table when Terraform is
# too old to lock in S3 itself. Safe to run again: what exists is checked,
# not recreated. See docs/deploy.md.
set -Eeuo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly ROOT_DIR
readonly STATE_KEY="homeagent/terraform.tfstate"

REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
PREFIX="homeagent"
LOCK="s3"
DRY_RUN=0
BACKEND_FILE="${ROOT_DIR}/terraform/backend.json"
# AWS CLI v2 pipes output through a pager on a terminal; a script must never wait on one.
export AWS_PAGER=""

usage() {
  cat <<EOF
Usage: $(basename "$0") [options]

Creates the Terraform state bucket (versioned, encrypted, private, TLS only)
and, with --lock dynamodb, the lock table (on-demand, point-in-time recovery).
Finds and keeps them when they already exist, then writes the backend
settings to ${BACKEND_FILE#"${ROOT_DIR}/"}.

Options:
  --region REGION       AWS region (default: \$AWS_REGION or \$AWS_DEFAULT_REGION)
  --prefix PREFIX       name prefix; names are PREFIX-tfstate-ACCOUNT-REGION
                        and PREFIX-tflock (default: homeagent)
  --lock s3|dynamodb    s3: Terraform >= 1.10 locks with a lock file in the
                        bucket (use_lockfile, the default); dynamodb: also
                        create a lock table, for older Terraform
  --backend-file PATH   where to write the backend settings
                        (default: terraform/backend.json)
  --dry-run             run only read-only AWS calls; print the others
  -h, --help            show this help
EOF
}

log() { printf '%s\n' "$*" >&2; }
err() { printf 'error: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }

require_tool() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is required but was not found on PATH ($2)"
}

# Every call that changes something in AWS goes through here, so --dry-run
# can promise that it never mutates anything.
mutate() {
  if ((DRY_RUN)); then
    log "[dry-run] would run: $*"
  else
    log "  running: $*"
    "$@" >/dev/null
  fi
}

parse_args() {
  while (($#)); do
    case "$1" in
      --region) [[ $# -ge 2 ]] || die "--region needs a value"; REGION="$2"; shift 2 ;;
      --prefix) [[ $# -ge 2 ]] || die "--prefix needs a value"; PREFIX="$2"; shift 2 ;;
      --lock) [[ $# -ge 2 ]] || die "--lock needs a value"; LOCK="$2"; shift 2 ;;
      --backend-file) [[ $# -ge 2 ]] || die "--backend-file needs a value"; BACKEND_FILE="$2"; shift 2 ;;
      --dry-run) DRY_RUN=1; shift ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; die "unknown option: $1" ;;
    esac
  done
  [[ -n "$REGION" ]] || die "no region: pass --region or set AWS_REGION"
  [[ "$REGION" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || die "--region '$REGION' does not look like an AWS region (e.g. eu-west-1)"
  [[ "$PREFIX" =~ ^[a-z0-9][a-z0-9-]{0,19}$ ]] || die "--prefix '$PREFIX' must be 1-20 lowercase letters, digits or dashes"
  [[ "$LOCK" == s3 || "$LOCK" == dynamodb ]] || die "--lock must be s3 or dynamodb, not '$LOCK'"
}

check_tools() {
  require_tool aws "install the AWS CLI v2"
  local version
  version="$(aws --version 2>&1)" || die "aws --version failed: $version"
  [[ "$version" == aws-cli/2.* ]] || die "AWS CLI v2 is required, found: ${version%% *}"
  if [[ "$LOCK" == s3 ]] && command -v terraform >/dev/null 2>&1; then
    local tf
    tf="$(terraform version 2>/dev/null || true)"
    tf="${tf%%$'\n'*}"
    if [[ "$tf" =~ v1\.([0-9]+)\. ]] && ((BASH_REMATCH[1] < 10)); then
      die "$tf cannot lock state in S3 (needs >= 1.10): upgrade it or pass --lock dynamodb"
    fi
  fi
}

# Sets ACCOUNT and PARTITION; the one line printed here is the last chance
# for the operator to notice the wrong profile before anything is created.
identify_account() {
  local out
  if ! out="$(aws sts get-caller-identity --region "$REGION" --query '[Account,Arn]' --output text 2>&1)"; then
    die "AWS credentials do not work (aws sts get-caller-identity): $(tail -n1 <<<"$out")"
  fi
  read -r ACCOUNT CALLER_ARN <<<"$out"
  PARTITION="$(cut -d: -f2 <<<"$CALLER_ARN")"
  BUCKET="${PREFIX}-tfstate-${ACCOUNT}-${REGION}"
  TABLE="${PREFIX}-tflock"
  log "Account ${ACCOUNT} (${CALLER_ARN}), region ${REGION}"
}

s3() { aws s3api "$@" --bucket "$BUCKET" --expected-bucket-owner "$ACCOUNT" --region "$REGION"; }
# Mutating calls spell out `aws …` in full so --dry-run shows the real command.
s3_args() { S3_ARGS=(--bucket "$BUCKET" --expected-bucket-owner "$ACCOUNT" --region "$REGION"); }

# Stops on anything but "exists" or "not found": a 403 means the name is
# taken by another account, or these credentials may not read it.
bucket_exists() {
  local out
  if out="$(s3 head-bucket 2>&1)"; then return 0; fi
  [[ "$out" == *"(404)"* || "$out" == *NotFound* || "$out" == *NoSuchBucket* ]] && return 1
  die "cannot use bucket ${BUCKET}: $(tail -n1 <<<"$out")"
}

# ensure NAME CHECK-COMMAND -- FIX-COMMAND...: runs the fix only when the
# bucket is new or the check fails, so a second run changes nothing.
ensure() {
  local name="$1" check="$2"; shift 3
  if ((!CREATED)) && "$check"; then log "  ok: ${name}"; return; fi
  mutate "$@"
}
has_versioning() { [[ "$(s3 get-bucket-versioning --query Status --output text 2>/dev/null)" == Enabled ]]; }
has_encryption() { [[ "$(s3 get-bucket-encryption --query 'ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm' --output text 2>/dev/null)" =~ ^(AES256|aws:kms|aws:kms:dsse)$ ]]; }
has_public_block() { [[ "$(s3 get-public-access-block --query 'PublicAccessBlockConfiguration.[BlockPublicAcls,IgnorePublicAcls,BlockPublicPolicy,RestrictPublicBuckets]' --output text 2>/dev/null)" == $'True\tTrue\tTrue\tTrue' ]]; }
has_owner_enforced() { [[ "$(s3 get-bucket-ownership-controls --query 'OwnershipControls.Rules[0].ObjectOwnership' --output text 2>/dev/null)" == BucketOwnerEnforced ]]; }
has_tls_policy() {
  local want='"aws:SecureTransport"[[:space:]]*:[[:space:]]*"false"'
  [[ "$(s3 get-bucket-policy --query Policy --output text 2>/dev/null)" =~ $want ]]
}

ensure_bucket() {
  log "State bucket ${BUCKET}"
  CREATED=0
  if bucket_exists; then
    log "  found: bucket ${BUCKET} already exists in this account"
  else
    local location=()
    [[ "$REGION" == us-east-1 ]] || location=(--create-bucket-configuration "LocationConstraint=${REGION}")
    mutate aws s3api create-bucket --bucket "$BUCKET" --region "$REGION" --object-ownership BucketOwnerEnforced "${location[@]}"
    CREATED=1
  fi
  s3_args
  local arn="arn:${PARTITION}:s3:::${BUCKET}"
  local policy='{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["'"$arn"'","'"$arn"'/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}'
  ensure "ownership enforced" has_owner_enforced -- aws s3api put-bucket-ownership-controls \
    --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]' "${S3_ARGS[@]}"
  ensure "public access blocked" has_public_block -- aws s3api put-public-access-block \
    --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true \
    "${S3_ARGS[@]}"
  ensure "versioning enabled" has_versioning -- aws s3api put-bucket-versioning \
    --versioning-configuration Status=Enabled "${S3_ARGS[@]}"
  ensure "default encryption" has_encryption -- aws s3api put-bucket-encryption \
    --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},"BucketKeyEnabled":true}]}' \
    "${S3_ARGS[@]}"
  ensure "TLS-only bucket policy" has_tls_policy -- aws s3api put-bucket-policy --policy "$policy" "${S3_ARGS[@]}"
}

ddb() { aws dynamodb "$@" --table-name "$TABLE" --region "$REGION"; }
has_pitr() { [[ "$(ddb describe-continuous-backups --query 'ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus' --output text 2>/dev/null)" == ENABLED ]]; }

ensure_lock_table() {
  log "Lock table ${TABLE}"
  CREATED=0
  local out
  if out="$(ddb describe-table --query Table.TableStatus --output text 2>&1)"; then
    log "  found: table ${TABLE} already exists (${out})"
  elif [[ "$out" == *ResourceNotFoundException* ]]; then
    mutate aws dynamodb create-table --table-name "$TABLE" --region "$REGION" \
      --attribute-definitions AttributeName=LockID,AttributeType=S --key-schema AttributeName=LockID,KeyType=HASH \
      --billing-mode PAY_PER_REQUEST --deletion-protection-enabled
    mutate aws dynamodb wait table-exists --table-name "$TABLE" --region "$REGION"
    CREATED=1
  else
    die "cannot use table ${TABLE}: $(tail -n1 <<<"$out")"
  fi
  ensure "point-in-time recovery" has_pitr -- aws dynamodb update-continuous-backups --table-name "$TABLE" \
    --region "$REGION" --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true
}

write_backend() {
  local lock_json='"use_lockfile": true'
  [[ "$LOCK" == dynamodb ]] && lock_json='"use_lockfile": false,'$'\n''  "dynamodb_table": "'"$TABLE"'"'
  local json
  json="$(printf '{\n  "bucket": "%s",\n  "key": "%s",\n  "region": "%s",\n  "encrypt": true,\n  %s\n}' \
    "$BUCKET" "$STATE_KEY" "$REGION" "$lock_json")"
  if [[ "$LOCK" == s3 ]]; then
    log "Locking: S3 lock file next to the state (use_lockfile, Terraform >= 1.10); no DynamoDB table"
  else
    log "Locking: DynamoDB table ${TABLE} (dynamodb_table)"
  fi
  log "Backend settings:"
  printf '%s\n' "$json"
  if ((DRY_RUN)); then
    log "[dry-run] would write ${BACKEND_FILE}"
  elif [[ -f "$BACKEND_FILE" && "$(cat "$BACKEND_FILE")" == "$json" ]]; then
    log "Unchanged: ${BACKEND_FILE}"
  else
    mkdir -p "$(dirname "$BACKEND_FILE")"
    printf '%s\n' "$json" >"${BACKEND_FILE}.tmp" && mv "${BACKEND_FILE}.tmp" "$BACKEND_FILE"
    log "Wrote ${BACKEND_FILE}"
  fi
}

main() {
  parse_args "$@"
  check_tools
  identify_account
  ensure_bucket
  [[ "$LOCK" == dynamodb ]] && ensure_lock_table
  write_backend
  log "Done. Next: npm run synth, then terraform init/apply (see docs/deploy.md)."
}

main "$@"
