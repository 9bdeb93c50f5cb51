/**
 * The contract between the app and the agent (`@homeagent/contract`, a
 * workspace of its own that depends only on TypeBox): the one module both
 * import. Everything else between the two passes over HTTP.
 *
 * Every route but `GET /healthz` requires `Authorization: Bearer <serviceKey>`.
 * Routes that act for a signed-in person also carry `X-User-Id: <userId>`;
 * the agent trusts it only because the service key proved the caller is the app.
 *
 * Errors always have the shape of `ApiError` with a 4xx/5xx status. Besides the
 * codes listed route by route, any route can answer:
 * - 400 `validation` (the message names the field), `bad_request` (unreadable JSON);
 *   413 `payload_too_large`; 415 `unsupported_media_type`;
 * - 401 `unauthorized` (missing or wrong service key);
 * - 401 `unknown_user` (`X-User-Id` names no account: treat the person as signed out);
 * - 403 `admin_only` (an admin route for a member);
 * - 404 `not_found`; 500 `internal` (generic message + `requestId`).
 * Routes whose body fields are all optional (create conversation, create invite)
 * also accept no body at all.
 */
import { Type, type Static } from 'typebox';
import { ModelEntry, TemperatureChoice, ThinkingChoice } from './models.js';
import { Attachment, ATTACHMENT_ID_PATTERN } from './attachments.js';

export const SERVICE_KEY_HEADER = 'authorization';
export const USER_ID_HEADER = 'x-user-id';

/** Limits shared by the app's forms and the agent's validation. */
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

export const ApiError = Type.Object({
  statusCode: Type.Integer(),
  /** stable machine code, e.g. `invite_used`, `validation`, `not_found` */
  code: Type.String(),
  /** a sentence a person understands */
  message: Type.String(),
  requestId: Type.Optional(Type.String()),
});
export type ApiError = Static<typeof ApiError>;

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')]);
export type Role = Static<typeof Role>;

export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  role: Role,
  createdAt: Type.String({ description: 'ISO 8601' }),
});
export type User = Static<typeof User>;

export const Session = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.String(),
});
export type Session = Static<typeof Session>;

export const MessageState = Type.Union([
  Type.Literal('complete'),
  Type.Literal('streaming'),
  Type.Literal('stopped'),
  Type.Literal('error'),
]);
export type MessageState = Static<typeof MessageState>;

export const Usage = Type.Object({
  /** input tokens not read from or written to the cache */
  inputTokens: Type.Integer(),
  /** output tokens, thinking included */
  outputTokens: Type.Integer(),
  /** input tokens read from the prompt cache (Bedrock `cacheReadInputTokens`) */
  cacheReadTokens: Type.Optional(Type.Integer()),
  /** input tokens written to the prompt cache (Bedrock `cacheWriteInputTokens`) */
  cacheWriteTokens: Type.Optional(Type.Integer()),
  /** USD, from the model's configured prices; 0 when no price is known */
  costUsd: Type.Number(),
});
export type Usage = Static<typeof Usage>;

export const Message = Type.Object({
  id: Type.String(),
  conversationId: Type.String(),
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
  /** raw text (Markdown for assistant replies); never HTML-escaped here */
  text: Type.String(),
  state: MessageState,
  createdAt: Type.String(),
  /** for a streaming assistant message: id of the last hub update contained in `text` */
  lastEventId: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
  /** the model's display name from the catalogue when the reply was made */
  modelName: Type.Optional(Type.String()),
  usage: Type.Optional(Usage),
  /** for state `error`: a sentence a person understands */
  error: Type.Optional(Type.String()),
  /**
   * for state `error`: true when sending the same text again fails the same way
   * (Bedrock refused the request); the user message before it then leaves the context
   */
  errorFinal: Type.Optional(Type.Boolean()),
  /** what Claude thought before replying (reasoning text; the signature stays in the agent) */
  thinking: Type.Optional(Type.String()),
  /** for an assistant reply: how many earlier messages of the chat Claude saw, and how many were left out */
  context: Type.Optional(Type.Object({ sent: Type.Integer(), leftOut: Type.Integer() })),
  /** for a user message: the files sent with it, in the order they were attached (metadata only) */
  attachments: Type.Optional(Type.Array(Attachment)),
  /** true when the reply ended early because its output was limited to fit the person's budget */
  cutShortByBudget: Type.Optional(Type.Boolean()),
});
export type Message = Static<typeof Message>;

/**
 * The uploads (POST /v1/attachments) a message carries. Each must be the sender's own and
 * still pending; Bedrock's per-message limits (20 images, 5 documents) are checked on send:
 * 400 `attachment_not_found`, `too_many_attachments`. A refused send leaves them pending.
 */
export const AttachmentIds = Type.Array(Type.String({ pattern: ATTACHMENT_ID_PATTERN }), { maxItems: 25, uniqueItems: true });

export const Conversation = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  title: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  /** the model, temperature and thinking picked for this chat (remembered from the last send) */
  model: Type.Optional(Type.String()),
  temperature: Type.Optional(TemperatureChoice),
  thinking: Type.Optional(ThinkingChoice),
});
export type Conversation = Static<typeof Conversation>;

// ---- requests and responses, route by route ----

/** POST /v1/users → 201 RegisterResponse; 400 validation / invite_invalid / invite_used / invite_expired; 409 username_taken */
export const RegisterRequest = Type.Object({
  inviteCode: Type.String({ minLength: 1, maxLength: LIMITS.inviteCodeMax }),
  username: Type.String({ minLength: LIMITS.usernameMin, maxLength: LIMITS.usernameMax, pattern: LIMITS.usernamePattern }),
  displayName: Type.String({ minLength: 1, maxLength: LIMITS.displayNameMax }),
  password: Type.String({ minLength: LIMITS.passwordMin, maxLength: LIMITS.passwordMax }),
});
export type RegisterRequest = Static<typeof RegisterRequest>;
export const RegisterResponse = Type.Object({ user: User });
export type RegisterResponse = Static<typeof RegisterResponse>;

/** One person as an admin sees them: the account, the month's budget and usage. */
export const UserSummary = Type.Object({
  user: User,
  /** this person's monthly budget (their own, or the installation's default) */
  budgetUsd: Type.Number(),
  /** true when the budget is the installation's default */
  defaultBudget: Type.Boolean(),
  spentUsd: Type.Number(),
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  state: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  lastSignInAt: Type.Optional(Type.String()),
});
export type UserSummary = Static<typeof UserSummary>;

/** GET /v1/users (admin, X-User-Id) → 200, oldest account first, usage of the current month (UTC) */
export const UserListResponse = Type.Object({
  /** `yyyy-mm` */
  month: Type.String(),
  users: Type.Array(UserSummary),
});
export type UserListResponse = Static<typeof UserListResponse>;

/** PUT /v1/users/:userId/budget (admin, X-User-Id) → 200 UserSummary; 404 not_found */
export const SetBudgetRequest = Type.Object({
  /** US dollars per month; `null` goes back to the installation's default (MONTHLY_BUDGET_USD) */
  monthlyBudgetUsd: Type.Union([Type.Number({ minimum: 0, maximum: 100_000 }), Type.Null()]),
});
export type SetBudgetRequest = Static<typeof SetBudgetRequest>;

/**
 * DELETE /v1/users/:userId/sessions (X-User-Id: that person, or an admin) → 204: signs the
 * person out everywhere; 403 admin_only for someone else's; 404 not_found.
 */

/** POST /v1/sessions → 201 SessionResponse; 401 bad_credentials */
export const SignInRequest = Type.Object({
  username: Type.String({ minLength: 1, maxLength: LIMITS.usernameMax }),
  password: Type.String({ minLength: 1, maxLength: LIMITS.passwordMax }),
});
export type SignInRequest = Static<typeof SignInRequest>;
/** also the answer of GET /v1/sessions/:sessionId (404 when unknown, revoked or expired) */
export const SessionResponse = Type.Object({ session: Session, user: User });
export type SessionResponse = Static<typeof SessionResponse>;
// DELETE /v1/sessions/:sessionId → 204 (also when already gone)

/** POST /v1/invites (admin only, X-User-Id) → 201 */
export const CreateInviteRequest = Type.Object({
  role: Type.Optional(Role),
  /** hours until the invite expires; default 168 (7 days) */
  ttlHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 90 })),
});
export type CreateInviteRequest = Static<typeof CreateInviteRequest>;
export const InviteResponse = Type.Object({
  code: Type.String(),
  role: Role,
  expiresAt: Type.String(),
});
export type InviteResponse = Static<typeof InviteResponse>;

/** An invite that can still be used, as the admin's list shows it. */
export const OpenInvite = Type.Object({
  /** names the invite without being it (the hash of its code: the code is shown once, when made) */
  id: Type.String(),
  role: Role,
  createdAt: Type.String(),
  expiresAt: Type.String(),
});
export type OpenInvite = Static<typeof OpenInvite>;

/** GET /v1/invites (admin only, X-User-Id) → 200: invites neither used nor expired, newest first (at most `LIMITS.openInvitesMax`) */
export const InviteListResponse = Type.Object({ invites: Type.Array(OpenInvite) });
export type InviteListResponse = Static<typeof InviteListResponse>;

/** DELETE /v1/invites/:id (admin only, X-User-Id; the id from the list) → 204: the invite can no longer be used; 404 not_found when unknown, used or expired */

/** GET /v1/conversations (X-User-Id) → 200, newest first */
export const ConversationListResponse = Type.Object({ conversations: Type.Array(Conversation) });
export type ConversationListResponse = Static<typeof ConversationListResponse>;

/** POST /v1/conversations (X-User-Id) → 201 */
export const CreateConversationRequest = Type.Object({
  title: Type.Optional(Type.String({ maxLength: LIMITS.titleMax })),
});
export type CreateConversationRequest = Static<typeof CreateConversationRequest>;
export const ConversationResponse = Type.Object({ conversation: Conversation });
export type ConversationResponse = Static<typeof ConversationResponse>;

/**
 * POST /v1/conversations/start (X-User-Id) → 201 StartConversationResponse: a chat begins with its
 * first message ("New chat" stores nothing), named from that message at once. 400 validation
 * (blank text); 402 budget_exceeded. On any refusal nothing is stored: no empty conversation is left.
 */
/** The first message of a new chat, with the same choices (model, style, thinking) as any send. */
export const StartConversationRequest = Type.Object({
  text: Type.String({ minLength: 1, maxLength: LIMITS.messageMax }),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.modelIdMax })),
  temperature: Type.Optional(TemperatureChoice),
  thinking: Type.Optional(ThinkingChoice),
  attachmentIds: Type.Optional(AttachmentIds),
});
export type StartConversationRequest = Static<typeof StartConversationRequest>;
export const StartConversationResponse = Type.Object({
  conversation: Conversation,
  userMessage: Message,
  assistantMessage: Message,
  /** the hub topic the reply streams on */
  topic: Type.String(),
});
export type StartConversationResponse = Static<typeof StartConversationResponse>;

/** GET /v1/conversations/:conversationId (X-User-Id) → 200; 404 not_found (also for another user's conversation) */
export const ConversationDetailResponse = Type.Object({
  conversation: Conversation,
  /** oldest first */
  messages: Type.Array(Message),
});
export type ConversationDetailResponse = Static<typeof ConversationDetailResponse>;

/**
 * PATCH /v1/conversations/:conversationId (X-User-Id) → 200 ConversationResponse; 404 not_found
 * (also for another person's, or one being deleted); 400 validation when the trimmed title is
 * empty or longer than `LIMITS.titleMax`. The conversation keeps its place in the list.
 */
export const RenameConversationRequest = Type.Object({
  title: Type.String({ minLength: 1, maxLength: LIMITS.titleMax }),
});
export type RenameConversationRequest = Static<typeof RenameConversationRequest>;

/**
 * DELETE /v1/conversations/:conversationId (X-User-Id) → 204: the conversation and all its
 * messages are gone (it leaves lists and reads at once, before its messages are removed);
 * 404 not_found (also for another person's); 409 reply_in_progress while a reply streams
 * (stop the reply first, then delete).
 */

/**
 * POST /v1/conversations/:conversationId/messages (X-User-Id) → 202 at once;
 * 404 not_found; 409 reply_in_progress; 402 budget_exceeded; 400 validation;
 * 400 model_unavailable (a disabled or unknown model: the message names the usable ones).
 * `model`, `temperature` and `thinking` are remembered on the conversation; when left
 * out, the conversation's (else the admin's default model, the model's temperature, thinking off).
 */
export const SendMessageRequest = Type.Object({
  text: Type.String({ minLength: 1, maxLength: LIMITS.messageMax }),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.modelIdMax })),
  temperature: Type.Optional(TemperatureChoice),
  thinking: Type.Optional(ThinkingChoice),
  attachmentIds: Type.Optional(AttachmentIds),
});
export type SendMessageRequest = Static<typeof SendMessageRequest>;
export const SendMessageResponse = Type.Object({
  userMessage: Message,
  assistantMessage: Message,
  /** the hub topic the reply streams on */
  topic: Type.String(),
});
export type SendMessageResponse = Static<typeof SendMessageResponse>;

/** GET /v1/conversations/:conversationId/messages/:messageId (X-User-Id) → 200; 404 */
export const MessageResponse = Type.Object({ message: Message });
export type MessageResponse = Static<typeof MessageResponse>;

/** POST /v1/conversations/:conversationId/messages/:messageId/stop (X-User-Id) → 200 MessageResponse (state `stopped`, partial text kept); 404; 409 not_streaming */

/** Kept for older callers: a catalogue entry (see models.ts). */
export const ModelPrice = ModelEntry;
export type ModelPrice = ModelEntry;

/**
 * GET /v1/settings (admin, X-User-Id) → 200 Settings;
 * PUT /v1/settings (admin, X-User-Id) with Settings → 200 Settings; 400 validation
 * (also when `defaultModel` is not one of `models`). Replies use the new values from the next message on.
 */
export const Settings = Type.Object({
  defaultModel: Type.String({ minLength: 1, maxLength: LIMITS.modelIdMax }),
  systemPrompt: Type.String({ minLength: 1, maxLength: LIMITS.systemPromptMax }),
  /** the model catalogue: what each model accepts and costs, and whether people may use it */
  models: Type.Array(ModelEntry, { minItems: 1, maxItems: LIMITS.modelsMax }),
});
export type Settings = Static<typeof Settings>;

// ---- the hub ----

/** The private topic a conversation's replies stream on. */
export function conversationTopic(publicUrl: string, userId: string, conversationId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/users/${encodeURIComponent(userId)}/conversations/${encodeURIComponent(conversationId)}`;
}

/** The subscribe selector that grants a person all of their own topics (and nobody else's). */
export function userTopicSelector(publicUrl: string, userId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/users/${encodeURIComponent(userId)}/{+rest}`;
}

/**
 * Events the agent publishes on a conversation topic (all private, all with an id):
 * - `start`: published before the 202 answer, id `<messageId>:000000`, `data` JSON `{ messageId }`.
 *   A new assistant message's `lastEventId` is this id, so a subscriber that connects with
 *   `lastEventID=<that id>` gets every later piece from the hub's history: nothing published
 *   between the 202 and the browser's subscription is lost.
 * - `delta`: the next step of the reply, JSON `DeltaEvent` (live-events.ts): finished blocks
 *   rendered, the unfinished block as text.
 * - `done`: `data` is JSON `DoneEvent`; the stream for that message is over.
 * Every update id is `<messageId>:<sequence>` with a six-digit zero-padded sequence.
 * Only one reply streams per conversation at a time (409 `reply_in_progress`). The same topic
 * also carries `sent`, `renamed` and `deleted` (live-events.ts), so a page subscribes once.
 */
export const DoneEvent = Type.Object({
  messageId: Type.String(),
  state: MessageState,
  usage: Type.Optional(Usage),
  error: Type.Optional(Type.String()),
  cutShortByBudget: Type.Optional(Type.Boolean()),
});
export type DoneEvent = Static<typeof DoneEvent>;
export const DONE_EVENT = 'done';
export const START_EVENT = 'start';
/**
 * `thinking`: `data` is the next piece of Claude's reasoning, HTML-escaped, to append to the
 * reply's "Thinking…" section; it comes before the reply's text pieces.
 */
export const THINKING_EVENT = 'thinking';

/** The id of the n-th update of a message's stream (0 = the `start` event). */
export function updateId(messageId: string, sequence: number): string {
  return `${messageId}:${String(sequence).padStart(6, '0')}`;
}

export * from './models.js';
export * from './safety.js';
export * from './attachments.js';
export * from './search.js';
export * from './export.js';
export * from './share.js';
export * from './live-events.js';
export * from './audit.js';
export * from './people.js';
export * from './usage.js';
export * from './usage-history.js';
export * from './passkeys.js';
export * from './send-retry.js';
