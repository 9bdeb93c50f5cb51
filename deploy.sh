#!/usr/bin/env bash
# Every release: build the agent, app and mercure images for the task's CPU
# architecture, push them to ECR tagged with the git SHA, register a
# task-definition revision that differs from the running one only in its
# images, roll the ECS service and wait until it is stable or rolled back.
# Terraform is not run here; see docs/deploy.md.
set -Eeuo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly ROOT_DIR
readonly CONTAINERS=(agent app mercure)
readonly IMAGE_INPUTS=(package.json package-lock.json tsconfig.base.json .dockerignore scripts agent app mercure
  local/package.json terraform/package.json)

TF_DIR="${ROOT_DIR}/terraform/cdktf.out/stacks/homeagent"
REGION="" CLUSTER="" SERVICE="" ARCH="" TAG=""
declare -A REPO=()
DRY_RUN=0 SKIP_BUILD=0 ALLOW_DIRTY=0
TIMEOUT=1800
POLL_SECONDS="${DEPLOY_POLL_SECONDS:-15}"
# AWS CLI v2 pipes output through a pager on a terminal; a script must never wait on one.
export AWS_PAGER=""

usage() {
  cat <<EOF
Usage: $(basename "$0") [options]

Builds and pushes the three images, then rolls the ECS service to them.
Names come from the Terraform outputs in --tf-dir unless given as flags.

Options:
  --tf-dir DIR           Terraform working directory to read outputs from
                         (default: terraform/cdktf.out/stacks/homeagent)
  --region REGION        AWS region (output aws_region)
  --cluster NAME         ECS cluster (output cluster_name)
  --service NAME         ECS service (output service_name)
  --repo-agent URL       ECR repository URLs (outputs ecr_repository_url_*)
  --repo-app URL
  --repo-mercure URL
  --arch X86_64|ARM64    CPU architecture of the task (output cpu_architecture)
  --tag TAG              image tag to build or deploy (default: git HEAD SHA)
  --skip-build           deploy images already pushed with --tag (or HEAD's SHA)
  --allow-dirty          build even with uncommitted changes (tag gets -dirty-TIME)
  --timeout SECONDS      how long to wait for the rollout (default: 1800)
  --dry-run              run only read-only calls; print the others
  -h, --help             show this help
EOF
}

log() { printf '%s\n' "$*" >&2; }
err() { printf 'error: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }
require_tool() { command -v "$1" >/dev/null 2>&1 || die "$1 is required but was not found on PATH ($2)"; }

# Mutating calls go through here so --dry-run can promise to change nothing.
mutate() {
  if ((DRY_RUN)); then log "[dry-run] would run: $*"; else "$@"; fi
}

# step TITLE FUNCTION: numbered progress with the time each step took.
STEP_NO=0
step() {
  local title="$1" start=$SECONDS; shift
  STEP_NO=$((STEP_NO + 1))
  log "==> [${STEP_NO}] ${title}"
  "$@"
  log "    done in $((SECONDS - start))s"
}

parse_args() {
  while (($#)); do
    case "$1" in
      --skip-build) SKIP_BUILD=1; shift; continue ;;
      --allow-dirty) ALLOW_DIRTY=1; shift; continue ;;
      --dry-run) DRY_RUN=1; shift; continue ;;
      -h | --help) usage; exit 0 ;;
      --tf-dir | --region | --cluster | --service | --repo-agent | --repo-app | --repo-mercure | --arch | --tag | --timeout)
        [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value" ;;
      *) usage >&2; die "unknown option: $1" ;;
    esac
    case "$1" in
      --tf-dir) TF_DIR="$2" ;; --region) REGION="$2" ;; --cluster) CLUSTER="$2" ;;
      --service) SERVICE="$2" ;; --arch) ARCH="$2" ;; --tag) TAG="$2" ;; --timeout) TIMEOUT="$2" ;;
      --repo-*) REPO[${1#--repo-}]="$2" ;;
    esac
    shift 2
  done
  [[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds, not '$TIMEOUT'"
  [[ -z "$TAG" || "$TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "--tag '$TAG' is not a valid image tag"
}

check_tools() {
  require_tool aws "install the AWS CLI v2"
  require_tool jq "install jq"
  ((SKIP_BUILD)) || require_tool docker "install Docker with buildx"
  [[ -n "$TAG" ]] || require_tool git "install git, or pass --tag"
}

# Fills every setting not given as a flag from `terraform output -json`.
read_settings() {
  local need=0 name
  for name in REGION CLUSTER SERVICE ARCH; do [[ -n "${!name}" ]] || need=1; done
  for name in "${CONTAINERS[@]}"; do [[ -n "${REPO[$name]:-}" ]] || need=1; done
  if ((need)); then
    require_tool terraform "install Terraform, or pass every setting as a flag"
    local outputs
    outputs="$(terraform -chdir="$TF_DIR" output -json)" || die "cannot read Terraform outputs in ${TF_DIR} (run terraform apply first, or pass --tf-dir or flags)"
    output() { jq -r --arg k "$1" '.[$k].value // empty' <<<"$outputs"; }
    : "${REGION:=$(output aws_region)}" "${CLUSTER:=$(output cluster_name)}" "${SERVICE:=$(output service_name)}" "${ARCH:=$(output cpu_architecture)}"
    for name in "${CONTAINERS[@]}"; do : "${REPO[$name]:=$(output "ecr_repository_url_${name}")}"; done
  fi
  for name in REGION CLUSTER SERVICE ARCH; do
    [[ -n "${!name}" ]] || die "no ${name,,}: not in the Terraform outputs of ${TF_DIR}; pass --${name,,}"
  done
  for name in "${CONTAINERS[@]}"; do
    [[ -n "${REPO[$name]:-}" ]] || die "no ECR repository for ${name}: pass --repo-${name}"
  done
  case "$ARCH" in
    X86_64) PLATFORM=linux/amd64 ;; ARM64) PLATFORM=linux/arm64 ;;
    *) die "cpu architecture must be X86_64 or ARM64, not '$ARCH'" ;;
  esac
  REGISTRY="${REPO[agent]%%/*}"
  local account
  account="$(aws sts get-caller-identity --region "$REGION" --query Account --output text 2>&1)" ||
    die "AWS credentials do not work (aws sts get-caller-identity): $(tail -n1 <<<"$account")"
  log "    account ${account}, region ${REGION}, cluster ${CLUSTER}, service ${SERVICE}, ${PLATFORM}"
}

choose_tag() {
  if [[ -z "$TAG" ]]; then
    TAG="$(git -C "$ROOT_DIR" rev-parse HEAD)" || die "cannot read the git commit (git rev-parse HEAD); pass --tag"
  fi
  # Only changes that reach an image count (.dockerignore lets in no others),
  # so a local terraform/homeagent.config.json does not block a deploy.
  if ((!SKIP_BUILD)) && [[ -n "$(git -C "$ROOT_DIR" status --porcelain -- "${IMAGE_INPUTS[@]}")" ]]; then
    ((ALLOW_DIRTY)) || die "the working tree has uncommitted changes; commit them or pass --allow-dirty"
    TAG="${TAG}-dirty-$(date -u +%Y%m%d%H%M%S)"
  fi
  log "    tag ${TAG}"
}

ecr_login() {
  if ((DRY_RUN)); then log "[dry-run] would log in to ${REGISTRY}"; return; fi
  # The password goes through a pipe, never through argv or the log.
  aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "$REGISTRY" >/dev/null ||
    die "docker login to ${REGISTRY} failed"
}

# ECR tags are immutable: an image already pushed for this tag (a re-run, or
# a deploy that failed half-way) is reused, not rebuilt.
in_ecr() {
  aws ecr describe-images --region "$REGION" --repository-name "${REPO[$1]#*/}" --image-ids "imageTag=${TAG}" \
    --query 'imageDetails[0].imageDigest' --output text >/dev/null 2>&1
}

find_missing_images() {
  local name
  MISSING=()
  for name in "${CONTAINERS[@]}"; do
    if in_ecr "$name"; then log "    ${name}:${TAG} is already in ECR"; else MISSING+=("$name"); fi
  done
  ((${#MISSING[@]} > 0)) || return 0
  ((!SKIP_BUILD)) || die "image ${REPO[${MISSING[0]}]}:${TAG} is not in ECR; build it first (drop --skip-build)"
  log "    to build: ${MISSING[*]}"
}

build_images() {
  local name start
  for name in "${MISSING[@]}"; do
    start=$SECONDS
    mutate docker buildx build --platform "$PLATFORM" --provenance=false -f "${ROOT_DIR}/${name}/Dockerfile" \
      -t "${REPO[$name]}:${TAG}" --load "$ROOT_DIR" >&2 || die "building the ${name} image failed"
    log "    ${name} built in $((SECONDS - start))s"
  done
}

push_images() {
  local name
  for name in "${MISSING[@]}"; do
    mutate docker push "${REPO[$name]}:${TAG}" >&2 || die "pushing ${REPO[$name]}:${TAG} failed"
  done
}

# Copies the newest revision of the service's family (so settings Terraform
# registered since the last deploy go out too) with only the images changed,
# by scripts/next-task-definition.jq.
register_task_definition() {
  CURRENT_TD="$(aws ecs describe-services --region "$REGION" --cluster "$CLUSTER" --services "$SERVICE" \
    --query 'services[0].taskDefinition' --output text)" || die "cannot describe service ${SERVICE} in cluster ${CLUSTER}"
  [[ "$CURRENT_TD" == arn:* ]] || die "service ${SERVICE} was not found in cluster ${CLUSTER}"
  local family="${CURRENT_TD##*:task-definition/}"
  family="${family%:*}"
  WORK="$(mktemp -d)"
  aws ecs describe-task-definition --region "$REGION" --task-definition "$family" --include TAGS --output json >"${WORK}/current.json" ||
    die "cannot describe task definition family ${family}"
  log "    service runs ${CURRENT_TD##*/}; copying $(jq -r '.taskDefinition.taskDefinitionArn | sub(".*/"; "")' "${WORK}/current.json"), the newest of its family"
  jq --arg agent "${REPO[agent]}:${TAG}" --arg app "${REPO[app]}:${TAG}" --arg mercure "${REPO[mercure]}:${TAG}" \
    -f "${ROOT_DIR}/scripts/next-task-definition.jq" "${WORK}/current.json" >"${WORK}/next.json" ||
    die "cannot derive the next revision from ${family}"
  jq -r '.taskDefinition.containerDefinitions[] | "    \(.name): \(.image)"' "${WORK}/current.json" >&2
  log "    becomes ${TAG} for agent, app and mercure"
  if ((DRY_RUN)); then
    log "[dry-run] would run: aws ecs register-task-definition --cli-input-json file://${WORK}/next.json"
    NEW_TD="(new revision)"
  else
    NEW_TD="$(aws ecs register-task-definition --region "$REGION" --cli-input-json "file://${WORK}/next.json" \
      --query taskDefinition.taskDefinitionArn --output text)" || die "registering the task definition failed"
  fi
  log "    ${CURRENT_TD} -> ${NEW_TD}"
}

update_service() {
  if ((DRY_RUN)); then log "[dry-run] would run: aws ecs update-service --cluster ${CLUSTER} --service ${SERVICE} --task-definition ${NEW_TD}"; return; fi
  DEPLOYMENT_ID="$(aws ecs update-service --region "$REGION" --cluster "$CLUSTER" --service "$SERVICE" --task-definition "$NEW_TD" \
    --query "service.deployments[?status=='PRIMARY'] | [0].id" --output text)" || die "updating service ${SERVICE} failed"
  log "    deployment ${DEPLOYMENT_ID}"
}

recent_events() {
  aws ecs describe-services --region "$REGION" --cluster "$CLUSTER" --services "$SERVICE" \
    --query 'services[0].events[0:3].message' --output json | jq -r '.[] | "    event: \(.)"' >&2 || true
}

# Polls the deployment until ECS calls it COMPLETED, or the circuit breaker
# marks it FAILED (or it vanishes because a rollback replaced it).
wait_for_rollout() {
  if ((DRY_RUN)); then log "[dry-run] would wait for the rollout"; return; fi
  local deadline=$((SECONDS + TIMEOUT)) out state reason running
  while :; do
    out="$(aws ecs describe-services --region "$REGION" --cluster "$CLUSTER" --services "$SERVICE" \
      --query "services[0].deployments[?id=='${DEPLOYMENT_ID}'] | [0].[rolloutState,rolloutStateReason,runningCount]" \
      --output text)" || die "cannot describe service ${SERVICE} while waiting"
    IFS=$'\t' read -r state reason running <<<"$out"
    case "$state" in
      COMPLETED) log "    rollout completed: ${reason}"; return 0 ;;
      FAILED) err "rolled back: ${reason}"; recent_events; exit 1 ;;
      None | "") err "rolled back: deployment ${DEPLOYMENT_ID} was replaced before it completed"; recent_events; exit 1 ;;
    esac
    ((SECONDS < deadline)) || { err "still ${state} after ${TIMEOUT}s; the service may yet roll back, check it in the ECS console"; exit 1; }
    log "    ${state:-waiting} (${running:-0} running)"
    sleep "$POLL_SECONDS"
  done
}

cleanup() { if [[ -n "${WORK:-}" ]]; then rm -rf "$WORK"; fi; }

main() {
  parse_args "$@"
  check_tools
  trap cleanup EXIT
  step "Read settings" read_settings
  step "Choose the image tag" choose_tag
  step "Look for the images in ECR" find_missing_images
  if ((${#MISSING[@]} > 0)); then
    step "Log in to ECR" ecr_login
    step "Build images for ${PLATFORM}" build_images
    step "Push images" push_images
  fi
  step "Register task definition" register_task_definition
  step "Update service" update_service
  step "Wait for the service to be stable" wait_for_rollout
  if ((DRY_RUN)); then log "Dry run: nothing was changed."; else log "Deployed ${TAG} to ${SERVICE}."; fi
}

main "$@"
