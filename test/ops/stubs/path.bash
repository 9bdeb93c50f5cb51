# Sourced by the ops bats files (`load stubs/path`). Builds a PATH holding
# only the stub aws/docker/git/terraform and the few system tools the scripts
# use, so a test can take a tool away and nothing real is ever called.
# shellcheck shell=bash

setup_stub_path() {
  REPO_ROOT="$(cd "${BATS_TEST_DIRNAME}/../.." && pwd)"
  export STUB_STATE="${BATS_TEST_TMPDIR}/state" STUB_LOG="${BATS_TEST_TMPDIR}/calls.log"
  mkdir -p "$STUB_STATE"
  : >"$STUB_LOG"
  STUB_BIN="${BATS_TEST_TMPDIR}/stub-bin"
  SYS_BIN="${BATS_TEST_TMPDIR}/sys-bin"
  mkdir -p "$STUB_BIN" "$SYS_BIN"
  local tool path
  for tool in aws docker git terraform; do
    ln -s "${REPO_ROOT}/test/ops/stubs/${tool}" "${STUB_BIN}/${tool}"
  done
  for tool in bash env cat cut date dirname basename head tail mkdir mktemp mv rm sleep tr grep sed \
    jq node readlink sha256sum touch wc sort ls; do
    path="$(type -P "$tool")" || { echo "test machine lacks ${tool}" >&2; return 1; }
    ln -s "$path" "${SYS_BIN}/${tool}"
  done
  export PATH="${STUB_BIN}:${SYS_BIN}"
  unset AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE
}

remove_tool() { rm -f "${STUB_BIN}/$1" "${SYS_BIN}/$1"; }

# Calls that change something in AWS or push/build anything.
mutating_calls() {
  grep -E '^(aws .*(create-|put-|update-|register-|delete-| wait )|docker (login|buildx|push))' "$STUB_LOG" || true
}

# Fails the test when a recorded call matches the pattern (a bare `! grep`
# would not: bats ignores `!` except on a test's last line).
refute_called() {
  if grep -qE -- "$1" "$STUB_LOG"; then
    echo "unexpected call matching /$1/:" >&2
    grep -E -- "$1" "$STUB_LOG" >&2
    return 1
  fi
}
