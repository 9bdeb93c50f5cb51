/**
 * The GitHub OIDC provider check of `npm run preflight`: an account holds
 * one provider per URL, so a stack that creates it in an account that has
 * it fails late in the apply with EntityAlreadyExists. Given the providers
 * the account has, this says in one line whether the config fits and, if
 * not, which value to set.
 */
import type { HomeAgentConfig } from './config.js';

/** The issuer of GitHub Actions' OIDC tokens; the provider's URL is https://<host>. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

export interface PreflightResult {
  ok: boolean;
  line: string;
}

export function oidcPreflight(
  config: Pick<HomeAgentConfig, 'githubOidcProviderArn' | 'githubOidcProviderExists'>,
  providerArns: string[],
): PreflightResult {
  const existing = providerArns.find((arn) => arn.endsWith(`:oidc-provider/${GITHUB_OIDC_HOST}`));
  const reuses = config.githubOidcProviderArn !== undefined || config.githubOidcProviderExists;
  if (existing && !reuses) {
    return { ok: false, line: `the account already has the GitHub OIDC provider ${existing}: set "githubOidcProviderArn": "${existing}" in homeagent.config.json (creating a second fails with EntityAlreadyExists)` };
  }
  if (!existing && reuses) {
    return { ok: false, line: 'the account has no GitHub OIDC provider: remove "githubOidcProviderArn" / "githubOidcProviderExists" from homeagent.config.json so the stack creates it' };
  }
  if (existing && config.githubOidcProviderArn !== undefined && config.githubOidcProviderArn !== existing) {
    return { ok: false, line: `"githubOidcProviderArn" is ${config.githubOidcProviderArn}, but the account's provider is ${existing}: set that one` };
  }
  return { ok: true, line: existing ? `GitHub OIDC provider: reusing ${existing}` : 'GitHub OIDC provider: none yet, the stack creates it' };
}
