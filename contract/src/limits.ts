/**
 * Limits shared by the app's forms and the agent's validation. A file of its
 * own so every schema file can import it: contract.ts re-exports them all,
 * so a value imported from there would be read before it is initialised.
 */
export const LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  /** lower-case letters, digits, dot, dash, underscore */
  usernamePattern: '^[a-z0-9._-]+$',
  displayNameMax: 64,
  passwordMin: 10,
  passwordMax: 200,
  inviteCodeMax: 64,
  messageMax: 16_000,
  titleMax: 120,
  systemPromptMax: 20_000,
  modelIdMax: 200,
  modelsMax: 50,
  openInvitesMax: 200,
} as const;
