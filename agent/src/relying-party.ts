/**
 * The WebAuthn relying party: this installation, named by PUBLIC_URL (its
 * host name is the RP id, its origin the only origin accepted), so the same
 * code works on http://localhost locally (a secure context, and a domain as
 * an RP id must be) and on the custom subdomain in AWS.
 *
 * Both ceremonies are verified here, in the agent, because the agent keeps
 * the credentials and issues the sessions; the app only relays JSON. With
 * @simplewebauthn/server 14 (generate…Options / verify…Response, the
 * `credential: { id, publicKey, counter }` form since v11; read on unpkg
 * and npm, 2026-12-01). Every refusal is an `HttpError` with a sentence;
 * the library's own reason goes to the log (it names origins and RP ids,
 * never key material).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import type { AuthenticationCredential, RegistrationCredential } from '@homeagent/contract';
import { HttpError } from './http-error.js';
import { ID_PATTERN } from './schemas/headers.js';
import type { PasskeyRecord } from './plugins/app/passkeys-repository.js';
import type { UserRecord } from './plugins/app/users-repository.js';

/** How long the browser waits for the person to touch their authenticator. */
export const PASSKEY_TIMEOUT_MS = 120_000;
const RP_NAME = 'HomeAgent';
/**
 * The library (with its CBOR and ASN.1 parsers, ≈ 6 MiB of the agent's
 * resident memory) is loaded at the first ceremony, not at start: most
 * agents never see one, and each ceremony waits for a person's touch anyway.
 */
const webauthn = () => import('@simplewebauthn/server');
const USER_ID = new RegExp(ID_PATTERN);

export class PasskeyError extends HttpError {
  constructor(statusCode: number, code: string, message: string, options?: { cause?: unknown }) {
    super(statusCode, code, message, options);
    this.name = 'PasskeyError';
  }
}

const challengeRefused = () =>
  new PasskeyError(400, 'challenge_invalid', 'This passkey request has expired or was already answered. Try again.');

export interface RelyingParty {
  id: string;
  origin: string;
}

export function relyingPartyOf(publicUrl: string): RelyingParty {
  const url = new URL(publicUrl);
  return { id: url.hostname, origin: url.origin };
}

/** The challenge the browser answered, read from its client data (verified against the stored one afterwards). */
function answeredChallenge(clientDataJSON: string): string {
  try {
    const clientData = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    if (typeof clientData.challenge === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(clientData.challenge)) return clientData.challenge;
  } catch {
    // not JSON: refused below
  }
  throw new PasskeyError(400, 'passkey_invalid', 'The browser sent a passkey answer that could not be read. Try again.');
}

function userIdOf(userHandle: string | undefined): string | undefined {
  if (!userHandle) return undefined;
  const id = Buffer.from(userHandle, 'base64url').toString('utf8');
  return id.length <= 64 && USER_ID.test(id) ? id : undefined;
}

export async function registrationOptions(app: FastifyInstance, user: UserRecord) {
  const rp = relyingPartyOf(app.config.publicUrl);
  const existing = await app.passkeys.listOf(user.id);
  const { generateRegistrationOptions } = await webauthn();
  const options = await generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: rp.id,
    userName: user.username,
    userDisplayName: user.displayName,
    // The user handle: our random id, nothing personal (WebAuthn says it must not identify the person).
    userID: new TextEncoder().encode(user.id),
    timeout: PASSKEY_TIMEOUT_MS,
    attestationType: 'none',
    // The same authenticator twice would be two rows for one key.
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, ...(p.transports ? { transports: p.transports } : {}) })),
    // Discoverable (no username needed to sign in), and verified: a passkey stands in for the password.
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  await app.passkeyChallenges.save(options.challenge, 'registration', user.id);
  return options;
}

/** Checks a new credential against the person's challenge; what to store of it. */
export async function verifyRegistration(app: FastifyInstance, request: FastifyRequest, user: UserRecord, credential: RegistrationCredential) {
  const challenge = answeredChallenge(credential.response.clientDataJSON);
  if (!(await app.passkeyChallenges.take(challenge, 'registration', user.id))) throw challengeRefused();
  const rp = relyingPartyOf(app.config.publicUrl);
  const library = await webauthn();
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await library.verifyRegistrationResponse({
      response: credential as Parameters<typeof verifyRegistrationResponse>[0]['response'],
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch (cause) {
    request.log.info({ reason: (cause as Error).message }, 'passkey registration refused');
    throw new PasskeyError(400, 'passkey_invalid', 'This passkey could not be verified for this site, so it was not added. Try again.', { cause });
  }
  if (!verification.verified) throw new PasskeyError(400, 'passkey_invalid', 'This passkey could not be verified for this site, so it was not added. Try again.');
  const { credential: made } = verification.registrationInfo;
  return {
    credentialId: made.id,
    publicKey: Buffer.from(made.publicKey).toString('base64url'),
    counter: made.counter,
    ...(made.transports?.length ? { transports: made.transports } : {}),
  };
}

export async function authenticationOptions(app: FastifyInstance) {
  const rp = relyingPartyOf(app.config.publicUrl);
  // No allowCredentials: the browser offers every passkey it holds for this site (discoverable credentials).
  const { generateAuthenticationOptions } = await webauthn();
  const options = await generateAuthenticationOptions({ rpID: rp.id, timeout: PASSKEY_TIMEOUT_MS, userVerification: 'required' });
  await app.passkeyChallenges.save(options.challenge, 'authentication');
  return options;
}

export type AuthenticationOutcome =
  | { ok: true; user: UserRecord; passkey: PasskeyRecord; newCounter: number }
  | { ok: false; error: PasskeyError; user?: UserRecord };

/**
 * Checks a sign-in answer: its challenge, the passkey it names, its
 * signature. Whether the person may sign in (disabled) is the caller's.
 */
export async function verifyAuthentication(app: FastifyInstance, request: FastifyRequest, credential: AuthenticationCredential): Promise<AuthenticationOutcome> {
  let challenge: string;
  try {
    challenge = answeredChallenge(credential.response.clientDataJSON);
  } catch (error) {
    return { ok: false, error: error as PasskeyError };
  }
  if (!(await app.passkeyChallenges.take(challenge, 'authentication'))) return { ok: false, error: challengeRefused() };
  const userId = userIdOf(credential.response.userHandle);
  const user = userId ? await app.users.get(userId) : undefined;
  const passkey = user ? await app.passkeys.find(user.id, credential.id) : undefined;
  if (!user || !passkey) {
    return {
      ok: false,
      error: new PasskeyError(401, 'passkey_unknown', 'This passkey does not belong to an account here (it may have been removed). Sign in with your password.'),
      ...(user ? { user } : {}),
    };
  }
  const rp = relyingPartyOf(app.config.publicUrl);
  const refused = (cause?: unknown) =>
    new PasskeyError(401, 'passkey_invalid', 'This passkey could not be verified for this site. Try again, or sign in with your password.', { cause });
  const library = await webauthn();
  try {
    const verification = await library.verifyAuthenticationResponse({
      response: credential as Parameters<typeof verifyAuthenticationResponse>[0]['response'],
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: passkey.credentialId,
        publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
        counter: passkey.counter,
        ...(passkey.transports ? { transports: passkey.transports } : {}),
      },
      requireUserVerification: true,
    });
    if (!verification.verified) return { ok: false, error: refused(), user };
    return { ok: true, user, passkey, newCounter: verification.authenticationInfo.newCounter };
  } catch (cause) {
    request.log.info({ reason: (cause as Error).message }, 'passkey sign-in refused');
    return { ok: false, error: refused(cause), user };
  }
}
