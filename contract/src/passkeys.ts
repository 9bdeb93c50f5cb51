/**
 * Passkeys (WebAuthn, discoverable credentials). The agent runs both
 * ceremonies: it makes the options, keeps each challenge server-side (single
 * use, a few minutes), verifies the browser's answer against the relying
 * party of PUBLIC_URL (id = its host name, origin = its origin) and keeps
 * each credential's public key under its person. The app only relays.
 *
 * Adding one (X-User-Id):
 * - POST /v1/passkeys/registration-options → 200 PasskeyOptionsResponse (for navigator.credentials.create)
 * - POST /v1/passkeys with AddPasskeyRequest → 201 PasskeyInfo;
 *   400 `challenge_invalid` (expired, used or never given), 400 `passkey_invalid` (wrong origin, bad signature…),
 *   409 `passkey_exists`
 * - GET /v1/passkeys → 200 PasskeyListResponse (newest first)
 * - DELETE /v1/passkeys/:passkeyId → 204; 404 when it is not theirs (any more)
 *
 * Signing in (no person yet):
 * - POST /v1/sessions/passkey-options → 200 PasskeyOptionsResponse (for navigator.credentials.get)
 * - POST /v1/sessions/passkey with PasskeySignInRequest → 201 SessionResponse;
 *   400 `challenge_invalid`, 401 `passkey_unknown` (no such passkey: removed, or another site's),
 *   401 `passkey_invalid`, 403 `account_disabled`
 */
import { Type, type Static } from 'typebox';

export const PASSKEY_NAME_MAX = 64;

/** base64url, as WebAuthn's JSON forms carry binary values */
const B64 = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+$' });
/** A credential id is at most 1023 bytes (WebAuthn L3 §5.8.3): 1364 base64url characters. */
const CredentialId = B64(1400);
const Transports = Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10 });
/** WebAuthn passes these through as they are; nothing of ours reads them. */
const ClientExtensionResults = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown());

/** The JSON form of a PublicKeyCredential from navigator.credentials.create (RegistrationResponseJSON). */
export const RegistrationCredential = Type.Object({
  id: CredentialId,
  rawId: CredentialId,
  type: Type.Literal('public-key'),
  response: Type.Object({
    clientDataJSON: B64(4096),
    attestationObject: B64(16_384),
    transports: Type.Optional(Transports),
    authenticatorData: Type.Optional(B64(16_384)),
    publicKey: Type.Optional(B64(4096)),
    publicKeyAlgorithm: Type.Optional(Type.Integer()),
  }),
  authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  clientExtensionResults: ClientExtensionResults,
});
export type RegistrationCredential = Static<typeof RegistrationCredential>;

/** The JSON form of a PublicKeyCredential from navigator.credentials.get (AuthenticationResponseJSON). */
export const AuthenticationCredential = Type.Object({
  id: CredentialId,
  rawId: CredentialId,
  type: Type.Literal('public-key'),
  response: Type.Object({
    clientDataJSON: B64(4096),
    authenticatorData: B64(4096),
    signature: B64(1024),
    userHandle: Type.Optional(B64(128)),
  }),
  authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  clientExtensionResults: ClientExtensionResults,
});
export type AuthenticationCredential = Static<typeof AuthenticationCredential>;

/** The options for the browser (PublicKeyCredentialCreationOptionsJSON or …RequestOptionsJSON), as they are. */
export const PasskeyOptionsResponse = Type.Object({
  options: Type.Object({ challenge: Type.String() }, { additionalProperties: true }),
});
export type PasskeyOptionsResponse = Static<typeof PasskeyOptionsResponse>;

export const AddPasskeyRequest = Type.Object({
  /** what the person calls it, e.g. "Phone" */
  name: Type.String({ minLength: 1, maxLength: PASSKEY_NAME_MAX }),
  credential: RegistrationCredential,
});
export type AddPasskeyRequest = Static<typeof AddPasskeyRequest>;

export const PasskeySignInRequest = Type.Object({ credential: AuthenticationCredential });
export type PasskeySignInRequest = Static<typeof PasskeySignInRequest>;

export const PasskeyInfo = Type.Object({
  /** the SHA-256 of the credential id (base64url, 43 characters): a short name for it in URLs */
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String(),
  lastUsedAt: Type.Optional(Type.String()),
});
export type PasskeyInfo = Static<typeof PasskeyInfo>;

export const PasskeyListResponse = Type.Object({ passkeys: Type.Array(PasskeyInfo) });
export type PasskeyListResponse = Static<typeof PasskeyListResponse>;

export const PasskeyParams = Type.Object({ passkeyId: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) });
export type PasskeyParams = Static<typeof PasskeyParams>;
