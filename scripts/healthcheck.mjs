// Container health check, shipped in every image as /app/scripts/healthcheck.mjs:
// exits 0 when this container's service answers GET /healthz with a 2xx, 1
// otherwise. Node's own fetch, because the slim base images have no curl or
// wget. The Dockerfiles' HEALTHCHECK and the ECS task definition both run
// ["CMD", "node", "/app/scripts/healthcheck.mjs"]; PORT is the service's own.
const url = process.env.HEALTHCHECK_URL ?? `http://127.0.0.1:${process.env.PORT ?? '8080'}/healthz`
const timeoutMs = Number(process.env.HEALTHCHECK_TIMEOUT_MS ?? 3000)

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
  if (!res.ok) console.error(`unhealthy: ${url} answered ${res.status}`)
  process.exit(res.ok ? 0 : 1)
} catch (error) {
  console.error(`unhealthy: ${url}: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
