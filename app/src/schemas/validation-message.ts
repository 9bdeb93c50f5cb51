/**
 * Turns a schema validation failure into a sentence a person understands,
 * using the names people see on the forms rather than field keys.
 */
import type { FastifyError } from 'fastify';

const FIELD_NAMES: Record<string, string> = {
  inviteCode: 'Invite code',
  invite: 'Invite code',
  role: 'Role',
  expiresInDays: 'Expires after (days)',
  username: 'Username',
  displayName: 'Display name',
  password: 'Password',
  text: 'Message',
  conversationId: 'The conversation id',
  messageId: 'The message id',
  code: 'The invite code',
  id: 'The invite id',
  token: 'The link',
  handle: 'The session id',
  currentPassword: 'Current password',
  newPassword: 'New password',
  userId: 'The person id',
  monthlyBudgetUsd: 'Monthly budget',
  defaultModel: 'Default model',
  systemPrompt: 'System prompt',
  _csrf: 'The security token',
};

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

function fieldName(issue: AjvIssue): string {
  const key =
    typeof issue.params?.missingProperty === 'string'
      ? issue.params.missingProperty
      : (issue.instancePath ?? '').split('/').filter(Boolean)[0] ?? '';
  return FIELD_NAMES[key] ?? (key ? `The field "${key}"` : 'The request');
}

function sentence(issue: AjvIssue): string {
  const name = fieldName(issue);
  const limit = issue.params?.limit;
  switch (issue.keyword) {
    case 'required':
      return `${name} is missing.`;
    case 'maxLength':
      return `${name} is too long (at most ${String(limit)} characters).`;
    case 'minLength':
      return limit === 1 ? `${name} must not be empty.` : `${name} is too short (at least ${String(limit)} characters).`;
    case 'type':
      return issue.params?.type === 'object' ? 'The form could not be read. Please use the form on the page.' : `${name} must be a single text value.`;
    case 'pattern':
      return `${name} has characters that are not allowed.`;
    case 'additionalProperties':
      return `The form has an unexpected field "${String(issue.params?.additionalProperty)}".`;
    default:
      return `${name} is not valid${issue.message ? `: ${issue.message}` : ''}.`;
  }
}

export function describeValidation(error: FastifyError): string {
  const issues = (error.validation ?? []) as AjvIssue[];
  if (issues.length === 0) return 'The form could not be read. Please try again.';
  return [...new Set(issues.map(sentence))].join(' ');
}
