// Static checks for every workspace (issue 14): typescript-eslint's strict,
// type-checked rules over the TypeScript, and ESLint's recommended rules over
// the plain JavaScript (the page's script, the benches, the ops scripts).
// Typed linting per typescript-eslint.io/getting-started/typed-linting (v8,
// checked 2026-12-01): `projectService` asks TypeScript for each file's
// nearest tsconfig.json, so each test folder has one naming its test config.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/cdktf.out/**', 'artifacts/**', '**/coverage/**', '.tap/**'] },
  {
    files: ['**/*.ts'],
    extends: [eslint.configs.recommended, tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers (counts, ports, ms) read fine in messages and logs; objects, nullish and unions still fail.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Fastify plugins and hooks are async to say "done by promise" (not a done callback): dropping async would change behaviour.
      '@typescript-eslint/require-await': 'off',
      // With noUncheckedIndexedAccess, `!` marks an index read known to be in range (a matched regex group, a loop bound)
      // or, in tests, a presence the next assertion relies on; a runtime check there would be dead code.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `() => reply.send(x)` and `(e) => void done(e)` shorthands are the codebase's style; void returned from a block still fails.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // `_`-prefixed names and rest siblings are how a record drops its key fields (`const { pk: _pk, ...record } = item`).
      // DynamoDB items, env and cookie jars are plain objects keyed by id: `delete item.people[userId]` is how a key leaves.
      '@typescript-eslint/no-dynamic-delete': 'off',
      // mercure's uri-template compiles with V8's linear-time engine flag 'l' (no catastrophic backtracking on hostile topics).
      'no-invalid-regexp': ['error', { allowConstructorFlags: ['l'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/test/**/*.ts', 'test/**/*.ts'],
    rules: {
      // tap runs top-level `t.test(...)` itself; awaiting each would only serialise nothing.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafePromises: [{ from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' }] }],
      // Tests read bodies as `any` (`inject().json()`, parsed logs, synthesized stacks) to assert their shape: the assertion is the check.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // The browser tests read the test page's own globals (`window.subscribe`) inside page.evaluate.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [eslint.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    // The chat page's own script runs in the browser.
    files: ['app/public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, htmx: 'readonly' } },
  },
  {
    // attach.js is a module: app.js imports it on first use.
    files: ['app/public/attach.js'],
    languageOptions: { sourceType: 'module' },
  },
);
