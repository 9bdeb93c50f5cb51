#!/usr/bin/env bats
# deploy.sh against the stub aws, docker, git and terraform (test/ops/stubs):
# builds and pushes the three images tagged with the git SHA, registers a
# revision that differs only in its images, rolls the service and waits, and
# fails loudly on a circuit-breaker rollback, a dirty tree or a missing tool.

bats_require_minimum_version 1.5.0
load stubs/path

SHA=3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c2e4b6d8f0a
REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com

setup() {
  setup_stub_path
  TF_DIR="${BATS_TEST_TMPDIR}/tf"
  mkdir -p "$TF_DIR"
  export STUB_GIT_SHA="$SHA" STUB_ECR_PASSWORD="ecr-password-that-must-never-be-logged-0xC0FFEE" DEPLOY_POLL_SECONDS=0
}

# bats shows what a test printed only when it fails: the script's output then.
deploy() {
  run "${REPO_ROOT}/deploy.sh" --tf-dir "$TF_DIR" "$@"
  printf 'deploy.sh %s -> %s\n%s\n' "$*" "$status" "$output"
}
line_of() { grep -n -m1 -E "$1" "$STUB_LOG" | cut -d: -f1; }
registered_diff() {
  node "${REPO_ROOT}/test/ops/stubs/task-definition-diff.mjs" "${REPO_ROOT}/test/ops/stubs/fixtures/task-definition.json" "${STUB_STATE}/registered/$1.json"
}

@test "--help prints usage and exits 0" {
  deploy --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: deploy.sh"* ]]
  [[ "$output" == *"--skip-build"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "an unknown flag or a flag without its value is refused" {
  deploy --push-now
  [ "$status" -ne 0 ]
  [[ "$output" == *"unknown option: --push-now"* ]]
  deploy --tag
  [ "$status" -ne 0 ]
  [[ "$output" == *"--tag needs a value"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "builds the three images for the task's architecture, tagged with the git SHA, and pushes them" {
  deploy
  [ "$status" -eq 0 ]
  for name in agent app mercure; do
    grep -qxF "docker buildx build --platform linux/arm64 --provenance=false -f ${REPO_ROOT}/${name}/Dockerfile -t ${REGISTRY}/homeagent-${name}:${SHA} --load ${REPO_ROOT}" "$STUB_LOG"
    grep -qxF "docker push ${REGISTRY}/homeagent-${name}:${SHA}" "$STUB_LOG"
    [ -f "${STUB_STATE}/ecr/homeagent-${name}/${SHA}" ]
  done
  grep -qxF "terraform -chdir=${TF_DIR} output -json" "$STUB_LOG"
}

@test "logs in to ECR through stdin: the password is in no argument and no output" {
  deploy
  [ "$status" -eq 0 ]
  grep -qxF "docker login --username AWS --password-stdin ${REGISTRY}" "$STUB_LOG"
  refute_called "$STUB_ECR_PASSWORD"
  [[ "$output" != *"$STUB_ECR_PASSWORD"* ]]
  [ "$(line_of '^docker login')" -lt "$(line_of '^docker push')" ]
}

@test "registers a revision that differs from the running one only in the three images" {
  deploy
  [ "$status" -eq 0 ]
  [ -f "${STUB_STATE}/registered/8.json" ]
  expected="containerDefinitions[0].image = \"${REGISTRY}/homeagent-agent:${SHA}\"
containerDefinitions[1].image = \"${REGISTRY}/homeagent-app:${SHA}\"
containerDefinitions[2].image = \"${REGISTRY}/homeagent-mercure:${SHA}\""
  [ "$(registered_diff 8)" = "$expected" ]
}

@test "updates the service to the new revision after the pushes, then waits until the rollout completed" {
  deploy
  [ "$status" -eq 0 ]
  grep -qxF "aws ecs update-service --region eu-west-1 --cluster homeagent --service homeagent --task-definition arn:aws:ecs:eu-west-1:123456789012:task-definition/homeagent:8 --query service.deployments[?status=='PRIMARY'] | [0].id --output text" "$STUB_LOG"
  [ "$(line_of '^docker push .*mercure')" -lt "$(line_of 'register-task-definition')" ]
  [ "$(line_of 'register-task-definition')" -lt "$(line_of 'update-service')" ]
  polls="$(sed -n "$(line_of 'update-service'),\$p" "$STUB_LOG" | grep -c 'describe-services')"
  [ "$polls" -ge 3 ]
  [[ "$output" == *"rollout completed: ECS deployment ecs-svc/2000000000000000002 completed."* ]]
  [[ "$output" == *"Deployed ${SHA} to homeagent."* ]]
}

@test "shows each step with how long it took" {
  deploy
  [ "$status" -eq 0 ]
  for title in "Read settings" "Choose the image tag" "Look for the images in ECR" "Log in to ECR" "Build images for linux/arm64" "Push images" "Register task definition" "Update service" "Wait for the service to be stable"; do
    [[ "$output" == *"] ${title}"* ]]
  done
  [ "$(grep -cE '^    done in [0-9]+s$' <<<"$output")" -eq 9 ]
}

@test "a circuit-breaker rollback exits non-zero and reports the reason" {
  STUB_ROLLOUT=failed STUB_ROLLOUT_REASON="ECS deployment circuit breaker: tasks failed to start." deploy
  [ "$status" -ne 0 ]
  [[ "$output" == *"error: rolled back: ECS deployment circuit breaker: tasks failed to start."* ]]
  [[ "$output" == *"event: (service homeagent) rolling back to deployment"* ]]
  [[ "$output" != *"Deployed"* ]]
}

@test "a rollback that already replaced the deployment is reported as a rollback too" {
  STUB_ROLLOUT=vanished deploy
  [ "$status" -ne 0 ]
  [[ "$output" == *"error: rolled back: deployment ecs-svc/2000000000000000002 was replaced before it completed"* ]]
  [[ "$output" == *"deployment failed: tasks failed to start."* ]]
}

@test "a rollout still in progress at the timeout fails without claiming success" {
  STUB_ROLLOUT_POLLS=1000 deploy --timeout 0
  [ "$status" -ne 0 ]
  [[ "$output" == *"error: still IN_PROGRESS after 0s"* ]]
}

@test "a dirty tree is refused before anything is built or pushed" {
  STUB_GIT_DIRTY=1 deploy
  [ "$status" -ne 0 ]
  grep -qxF "git -C ${REPO_ROOT} status --porcelain -- package.json package-lock.json tsconfig.base.json .dockerignore scripts agent app mercure local/package.json terraform/package.json" "$STUB_LOG"
  [[ "$output" == *"error: the working tree has uncommitted changes; commit them or pass --allow-dirty"* ]]
  [ -z "$(mutating_calls)" ]
}

@test "--allow-dirty builds a tag that says it is dirty" {
  STUB_GIT_DIRTY=1 deploy --allow-dirty
  [ "$status" -eq 0 ]
  grep -qE "^docker push ${REGISTRY}/homeagent-agent:${SHA}-dirty-[0-9]{14}$" "$STUB_LOG"
}

@test "--dry-run reads but builds, pushes, registers and updates nothing" {
  deploy --dry-run
  [ "$status" -eq 0 ]
  [ -z "$(mutating_calls)" ]
  [ ! -d "${STUB_STATE}/registered" ]
  [[ "$output" == *"[dry-run] would run: docker buildx build --platform linux/arm64"* ]]
  [[ "$output" == *"[dry-run] would run: docker push ${REGISTRY}/homeagent-app:${SHA}"* ]]
  [[ "$output" == *"[dry-run] would run: aws ecs register-task-definition"* ]]
  [[ "$output" == *"[dry-run] would run: aws ecs update-service --cluster homeagent --service homeagent"* ]]
  [[ "$output" == *"Dry run: nothing was changed."* ]]
}

@test "--skip-build --tag deploys images already in ECR without docker" {
  for name in agent app mercure; do
    mkdir -p "${STUB_STATE}/ecr/homeagent-${name}"
    echo sha256:0 >"${STUB_STATE}/ecr/homeagent-${name}/v-old"
  done
  remove_tool docker
  deploy --skip-build --tag v-old
  [ "$status" -eq 0 ]
  refute_called '^docker'
  [[ "$(registered_diff 8)" == *"homeagent-mercure:v-old\"" ]]
}

@test "--skip-build refuses a tag that was never pushed" {
  deploy --skip-build --tag never-pushed
  [ "$status" -ne 0 ]
  [[ "$output" == *"error: image ${REGISTRY}/homeagent-agent:never-pushed is not in ECR"* ]]
  refute_called 'register-task-definition'
}

@test "flags replace the Terraform outputs, and X86_64 builds for linux/amd64" {
  remove_tool terraform
  run "${REPO_ROOT}/deploy.sh" --region eu-west-1 --cluster homeagent --service homeagent --arch X86_64 \
    --repo-agent "${REGISTRY}/homeagent-agent" --repo-app "${REGISTRY}/homeagent-app" --repo-mercure "${REGISTRY}/homeagent-mercure"
  [ "$status" -eq 0 ]
  [ "$(grep -c '^docker buildx build --platform linux/amd64 ' "$STUB_LOG")" -eq 3 ]
  refute_called '^terraform'
}

@test "missing Terraform outputs name the flag to pass" {
  echo '{}' >"${BATS_TEST_TMPDIR}/empty.json"
  STUB_TF_OUTPUTS="${BATS_TEST_TMPDIR}/empty.json" deploy
  [ "$status" -ne 0 ]
  [[ "$output" == *"error: no region: not in the Terraform outputs of ${TF_DIR}; pass --region"* ]]
  [ -z "$(mutating_calls)" ]
}

@test "an unknown service is reported by name" {
  deploy --service nosuch
  [ "$status" -ne 0 ]
  [[ "$output" == *"error: service nosuch was not found in cluster homeagent"* ]]
  refute_called 'register-task-definition'
}

@test "a failed image build stops the deploy before anything is pushed" {
  STUB_DOCKER_BUILD_FAIL=app deploy
  [ "$status" -ne 0 ]
  [[ "$output" == *"error: building the app image failed"* ]]
  refute_called '^docker push'
  refute_called 'register-task-definition'
}

@test "missing tools give one clear line and a non-zero exit" {
  remove_tool docker
  deploy
  [ "$status" -ne 0 ]
  [ "$output" = "error: docker is required but was not found on PATH (install Docker with buildx)" ]
  remove_tool jq
  deploy
  [ "$output" = "error: jq is required but was not found on PATH (install jq)" ]
  remove_tool aws
  deploy
  [ "$output" = "error: aws is required but was not found on PATH (install the AWS CLI v2)" ]
}

@test "bad credentials stop the deploy with one clear line" {
  STUB_AWS_CREDENTIALS=invalid deploy
  [ "$status" -ne 0 ]
  [[ "$output" == *"error: AWS credentials do not work (aws sts get-caller-identity): An error occurred (InvalidClientTokenId)"* ]]
  [ -z "$(mutating_calls)" ]
}

@test "a revision Terraform registered after the running one is the base, so its settings go out too" {
  node -e '
    const fs = require("fs");
    const { taskDefinition: td, tags } = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    for (const k of ["taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy"]) delete td[k];
    td.containerDefinitions[1].environment.push({ name: "LOG_LEVEL", value: "debug" });
    fs.writeFileSync(process.argv[2], JSON.stringify({ ...td, tags }));
  ' "${REPO_ROOT}/test/ops/stubs/fixtures/task-definition.json" "${BATS_TEST_TMPDIR}/terraform-revision.json"
  aws ecs register-task-definition --region eu-west-1 --cli-input-json "file://${BATS_TEST_TMPDIR}/terraform-revision.json" >/dev/null
  aws ecs describe-task-definition --region eu-west-1 --task-definition homeagent:8 --include TAGS >"${BATS_TEST_TMPDIR}/revision-8.json"
  deploy
  [ "$status" -eq 0 ]
  [[ "$output" == *"service runs homeagent:7; copying homeagent:8, the newest of its family"* ]]
  diff="$(node "${REPO_ROOT}/test/ops/stubs/task-definition-diff.mjs" "${BATS_TEST_TMPDIR}/revision-8.json" "${STUB_STATE}/registered/9.json")"
  [ "$(grep -c '\.image = ' <<<"$diff")" -eq 3 ]
  [ "$(wc -l <<<"$diff")" -eq 3 ]
  grep -q '"LOG_LEVEL"' "${STUB_STATE}/registered/9.json"
}

@test "a task definition without the three containers is refused before anything is registered" {
  node -e '
    const fs = require("fs");
    const { taskDefinition: td } = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    for (const k of ["taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy"]) delete td[k];
    td.containerDefinitions = td.containerDefinitions.filter((c) => c.name !== "mercure");
    fs.writeFileSync(process.argv[2], JSON.stringify(td));
  ' "${REPO_ROOT}/test/ops/stubs/fixtures/task-definition.json" "${BATS_TEST_TMPDIR}/no-hub.json"
  aws ecs register-task-definition --region eu-west-1 --cli-input-json "file://${BATS_TEST_TMPDIR}/no-hub.json" >/dev/null
  : >"$STUB_LOG"
  deploy --dry-run
  [ "$status" -ne 0 ]
  [[ "$output" == *"homeagent:8 lacks a container named agent, app or mercure"* ]]
  [[ "$output" == *"error: cannot derive the next revision from homeagent"* ]]
}

@test "a re-run for a commit whose images are in ECR reuses them: immutable tags are never pushed twice" {
  deploy
  [ "$status" -eq 0 ]
  : >"$STUB_LOG"
  deploy
  [ "$status" -eq 0 ]
  refute_called '^docker'
  [[ "$output" == *"mercure:${SHA} is already in ECR"* ]]
  [ -f "${STUB_STATE}/registered/9.json" ]
}

@test "after a half-failed deploy only the missing image is built and pushed" {
  mkdir -p "${STUB_STATE}/ecr/homeagent-agent" "${STUB_STATE}/ecr/homeagent-app"
  echo sha256:1 >"${STUB_STATE}/ecr/homeagent-agent/${SHA}"
  echo sha256:2 >"${STUB_STATE}/ecr/homeagent-app/${SHA}"
  deploy
  [ "$status" -eq 0 ]
  [ "$(grep -c '^docker buildx build' "$STUB_LOG")" -eq 1 ]
  grep -qxF "docker push ${REGISTRY}/homeagent-mercure:${SHA}" "$STUB_LOG"
  [ "$(grep -c '^docker push' "$STUB_LOG")" -eq 1 ]
}
