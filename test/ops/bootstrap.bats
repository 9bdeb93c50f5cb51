#!/usr/bin/env bats
# bootstrap.sh against the stub AWS CLI (test/ops/stubs): creates what is
# missing, changes nothing on a second run, never mutates in --dry-run, and
# stops with one clear line when a tool or the credentials are wrong.

bats_require_minimum_version 1.5.0
load stubs/path

setup() {
  setup_stub_path
  BACKEND="${BATS_TEST_TMPDIR}/backend.json"
  BUCKET="homeagent-tfstate-123456789012-eu-west-1"
}

# bats shows what a test printed only when it fails: the script's output then.
bootstrap() {
  run "${REPO_ROOT}/bootstrap.sh" --region eu-west-1 --backend-file "$BACKEND" "$@"
  printf 'bootstrap.sh %s -> %s\n%s\n' "$*" "$status" "$output"
}
json_field() { node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(JSON.stringify(j[process.argv[2]]) ?? "")' "$1" "$2"; }

@test "--help prints usage and exits 0" {
  bootstrap --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: bootstrap.sh"* ]]
  [[ "$output" == *"--dry-run"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "an unknown flag is refused" {
  bootstrap --regoin eu-west-1
  [ "$status" -ne 0 ]
  [[ "$output" == *"unknown option: --regoin"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "creates a versioned, encrypted, private, TLS-only bucket when absent" {
  bootstrap
  [ "$status" -eq 0 ]
  grep -q "^aws s3api create-bucket --bucket ${BUCKET} --region eu-west-1 --object-ownership BucketOwnerEnforced --create-bucket-configuration LocationConstraint=eu-west-1" "$STUB_LOG"
  for call in put-bucket-ownership-controls put-public-access-block put-bucket-versioning put-bucket-encryption put-bucket-policy; do
    grep -q "^aws s3api ${call} " "$STUB_LOG"
  done
  state="${STUB_STATE}/s3/${BUCKET}.json"
  [ "$(json_field "$state" versioning)" = '"Enabled"' ]
  [ "$(json_field "$state" ownership)" = '"BucketOwnerEnforced"' ]
  [ "$(json_field "$state" publicAccessBlock)" = '{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}' ]
  [[ "$(json_field "$state" policy)" == *'aws:SecureTransport'* ]]
  [[ "$(json_field "$state" policy)" == *"arn:aws:s3:::${BUCKET}/*"* ]]
  refute_called '^aws dynamodb'
}

@test "prints the account before touching anything" {
  bootstrap
  [ "$status" -eq 0 ]
  account_line="$(grep -n 'Account 123456789012' <<<"$output" | cut -d: -f1)"
  create_line="$(grep -n 'create-bucket' <<<"$output" | cut -d: -f1)"
  [ -n "$account_line" ] && [ -n "$create_line" ]
  [ "$account_line" -lt "$create_line" ]
  [ "$(head -n1 "$STUB_LOG")" = "aws --version" ]
  [[ "$(grep '^aws' "$STUB_LOG" | sed -n 2p)" == "aws sts get-caller-identity"* ]]
}

@test "writes S3-locking backend settings for terraform/ and prints them" {
  run --separate-stderr "${REPO_ROOT}/bootstrap.sh" --region eu-west-1 --backend-file "$BACKEND"
  [ "$status" -eq 0 ]
  [ "$(json_field "$BACKEND" bucket)" = "\"${BUCKET}\"" ]
  [ "$(json_field "$BACKEND" key)" = '"homeagent/terraform.tfstate"' ]
  [ "$(json_field "$BACKEND" region)" = '"eu-west-1"' ]
  [ "$(json_field "$BACKEND" encrypt)" = true ]
  [ "$(json_field "$BACKEND" use_lockfile)" = true ]
  [ -z "$(json_field "$BACKEND" dynamodb_table)" ]
  [ "$output" = "$(cat "$BACKEND")" ]
  # shellcheck disable=SC2154 # run --separate-stderr sets it
  [[ "$stderr" == *"use_lockfile"* ]]
}

@test "a second run finds everything and changes nothing" {
  bootstrap
  [ "$status" -eq 0 ]
  before="$(cat "$BACKEND")"
  : >"$STUB_LOG"
  bootstrap
  [ "$status" -eq 0 ]
  [ -z "$(mutating_calls)" ]
  [[ "$output" == *"found: bucket ${BUCKET} already exists"* ]]
  [[ "$output" == *"Unchanged: ${BACKEND}"* ]]
  [ "$(cat "$BACKEND")" = "$before" ]
}

@test "--lock dynamodb creates an on-demand lock table with PITR, once" {
  bootstrap --lock dynamodb
  [ "$status" -eq 0 ]
  grep -q '^aws dynamodb create-table .*--key-schema AttributeName=LockID,KeyType=HASH --billing-mode PAY_PER_REQUEST' "$STUB_LOG"
  grep -q '^aws dynamodb update-continuous-backups .*PointInTimeRecoveryEnabled=true' "$STUB_LOG"
  [ "$(json_field "${STUB_STATE}/dynamodb/homeagent-tflock.json" pitr)" = true ]
  [ "$(json_field "${STUB_STATE}/dynamodb/homeagent-tflock.json" billing)" = '"PAY_PER_REQUEST"' ]
  [ "$(json_field "$BACKEND" dynamodb_table)" = '"homeagent-tflock"' ]
  [ "$(json_field "$BACKEND" use_lockfile)" = false ]
  : >"$STUB_LOG"
  bootstrap --lock dynamodb
  [ "$status" -eq 0 ]
  [ -z "$(mutating_calls)" ]
  [[ "$output" == *"found: table homeagent-tflock already exists"* ]]
}

@test "repairs only the setting that drifted on an existing bucket" {
  bootstrap
  [ "$status" -eq 0 ]
  node -e 'const fs = require("fs"); const f = process.argv[1]; const b = JSON.parse(fs.readFileSync(f, "utf8")); delete b.versioning; fs.writeFileSync(f, JSON.stringify(b))' "${STUB_STATE}/s3/${BUCKET}.json"
  : >"$STUB_LOG"
  bootstrap
  [ "$status" -eq 0 ]
  [ "$(mutating_calls)" = "aws s3api put-bucket-versioning --versioning-configuration Status=Enabled --bucket ${BUCKET} --expected-bucket-owner 123456789012 --region eu-west-1" ]
  [[ "$output" == *"ok: TLS-only bucket policy"* ]]
}

@test "--dry-run on an empty account prints every call and makes no mutating one" {
  bootstrap --dry-run --lock dynamodb
  [ "$status" -eq 0 ]
  [ -z "$(mutating_calls)" ]
  [ ! -e "$BACKEND" ]
  [ ! -d "${STUB_STATE}/s3" ]
  for call in "s3api create-bucket" put-bucket-versioning put-bucket-encryption put-public-access-block put-bucket-policy "dynamodb create-table" update-continuous-backups; do
    [[ "$output" == *"[dry-run] would run: aws "*"${call} "* ]]
  done
  [[ "$output" == *"[dry-run] would write ${BACKEND}"* ]]
}

@test "us-east-1 buckets are created without a location constraint" {
  run "${REPO_ROOT}/bootstrap.sh" --region us-east-1 --backend-file "$BACKEND"
  [ "$status" -eq 0 ]
  grep -q '^aws s3api create-bucket --bucket homeagent-tfstate-123456789012-us-east-1 --region us-east-1 --object-ownership BucketOwnerEnforced$' "$STUB_LOG"
}

@test "--prefix changes the names" {
  bootstrap --prefix family --lock dynamodb
  [ "$status" -eq 0 ]
  [ "$(json_field "$BACKEND" bucket)" = '"family-tfstate-123456789012-eu-west-1"' ]
  [ "$(json_field "$BACKEND" dynamodb_table)" = '"family-tflock"' ]
}

@test "a bad prefix or region is refused before any AWS call" {
  bootstrap --prefix 'Bad_Name'
  [ "$status" -ne 0 ]
  [[ "$output" == *"--prefix 'Bad_Name' must be"* ]]
  run "${REPO_ROOT}/bootstrap.sh" --region moon-1
  [ "$status" -ne 0 ]
  [[ "$output" == *"does not look like an AWS region"* ]]
  run "${REPO_ROOT}/bootstrap.sh"
  [ "$status" -ne 0 ]
  [[ "$output" == *"no region"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "a missing AWS CLI gives one clear line and a non-zero exit" {
  remove_tool aws
  bootstrap
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [ "$output" = "error: aws is required but was not found on PATH (install the AWS CLI v2)" ]
}

@test "AWS CLI v1 is refused" {
  STUB_AWS_VERSION="aws-cli/1.45.11 Python/3.11.7 Linux/6.1 botocore/1.43.11" bootstrap
  [ "$status" -ne 0 ]
  [ "$output" = "error: AWS CLI v2 is required, found: aws-cli/1.45.11" ]
}

@test "bad credentials give one clear line and touch nothing" {
  STUB_AWS_CREDENTIALS=invalid bootstrap
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "error: AWS credentials do not work (aws sts get-caller-identity): An error occurred (InvalidClientTokenId)"* ]]
  [ -z "$(mutating_calls)" ]
  STUB_AWS_CREDENTIALS=none bootstrap
  [ "$status" -ne 0 ]
  [[ "$output" == *"Unable to locate credentials"* ]]
}

@test "a bucket name owned by another account is reported, not taken over" {
  STUB_S3_FOREIGN_BUCKETS="$BUCKET" bootstrap
  [ "$status" -ne 0 ]
  [[ "$output" == *"error: cannot use bucket ${BUCKET}: An error occurred (403)"* ]]
  [ -z "$(mutating_calls)" ]
  [ ! -e "$BACKEND" ]
}

@test "S3 locking is refused with Terraform older than 1.10" {
  STUB_TF_VERSION=1.9.8 bootstrap
  [ "$status" -ne 0 ]
  [[ "$output" == *"Terraform v1.9.8 cannot lock state in S3"*"--lock dynamodb"* ]]
  STUB_TF_VERSION=1.9.8 bootstrap --lock dynamodb
  [ "$status" -eq 0 ]
}
