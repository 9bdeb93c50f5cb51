// Prints, one per line, every field in which a registered task definition
// (the --cli-input-json deploy.sh sent) differs from the revision it copied
// (describe-task-definition --include TAGS output), as `path = value`. Fields
// that only describe-task-definition returns are not counted as differences.
import { readFileSync } from 'node:fs'

const [describedFile, registeredFile] = process.argv.slice(2)
const described = JSON.parse(readFileSync(describedFile, 'utf8'))
const registered = JSON.parse(readFileSync(registeredFile, 'utf8'))
const readOnly = ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', 'registeredAt', 'registeredBy', 'deregisteredAt']
const before = Object.fromEntries(Object.entries(described.taskDefinition).filter(([k]) => !readOnly.includes(k)))
if (described.tags?.length) before.tags = described.tags

function diff(a, b, path) {
  if (JSON.stringify(a) === JSON.stringify(b)) return
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diff(a[k], b[k], Array.isArray(a) ? `${path}[${k}]` : (path ? `${path}.${k}` : k))
    return
  }
  console.log(`${path} = ${JSON.stringify(b)}`)
}
diff(before, registered, '')
