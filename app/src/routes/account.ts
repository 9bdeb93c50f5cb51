/**
 * Register, sign in, sign out. Plain forms: success redirects with 303,
 * a refusal re-renders the page with the message next to the form.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DISABLED_MESSAGE, LIMITS } from '@homeagent/contract';
import { AgentRequestError } from '../agent-api/agent-errors.js';
import { TooManyAttemptsError } from '../plugins/app/sign-in-limits.js';
import { RegisterForm, RegisterQuery, SignInForm, SignInQuery, SignOutForm, TokenOnlyForm } from '../schemas/account.js';
import { alreadySignedIn, registerForm, signInForm, type FieldErrors, type RegisterValues } from '../views/account-pages.js';
import { layout } from '../views/layout.js';
import { PASSKEY_SCRIPT } from '../views/passkey-views.js';

const USERNAME_PATTERN = new RegExp(LIMITS.usernamePattern);
/** Invite codes are base64url; only such a code is put back into a redirect. */
const INVITE_CODE_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Agent refusals mapped to the field they are about and a sentence that says what to do. */
const REGISTER_REFUSALS: Record<string, { field: string; message: string }> = {
  invite_invalid: { field: 'inviteCode', message: 'This invite code is not valid. Check it, or ask for a new one.' },
  invite_used: { field: 'inviteCode', message: 'This invite code has already been used. Ask for a new one.' },
  invite_expired: { field: 'inviteCode', message: 'This invite code has expired. Ask for a new one.' },
  username_taken: { field: 'username', message: 'This username is taken. Please choose another one.' },
};

function checkRegistration(values: Required<RegisterValues>, password: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!values.inviteCode) errors.inviteCode = 'Enter the invite code you were given.';
  else if (values.inviteCode.length > LIMITS.inviteCodeMax) errors.inviteCode = 'This invite code is too long to be valid.';

  if (!values.username) errors.username = 'Choose a username.';
  else if (values.username.length < LIMITS.usernameMin || values.username.length > LIMITS.usernameMax)
    errors.username = `Username must be ${LIMITS.usernameMin} to ${LIMITS.usernameMax} characters long.`;
  else if (!USERNAME_PATTERN.test(values.username))
    errors.username = 'Username may only contain lower-case letters, digits, dots, dashes and underscores.';

  if (!values.displayName) errors.displayName = 'Enter the name others will see.';
  else if (values.displayName.length > LIMITS.displayNameMax)
    errors.displayName = `Display name must be at most ${LIMITS.displayNameMax} characters long.`;

  if (!password) errors.password = 'Choose a password.';
  else if (password.length < LIMITS.passwordMin) errors.password = `Password is too short: use at least ${LIMITS.passwordMin} characters.`;
  else if (password.length > LIMITS.passwordMax) errors.password = `Password is too long: use at most ${LIMITS.passwordMax} characters.`;
  return errors;
}

async function redirectIfSignedIn(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  if (await request.currentSession()) {
    await reply.redirect('/', 303);
    return true;
  }
  return false;
}

const accountRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  async function showRegister(reply: FastifyReply, status: number, values: RegisterValues, errors: FieldErrors) {
    const body = registerForm(values, errors, await reply.csrfToken());
    return reply.fragment(layout({ title: 'Create account', body }), status);
  }

  async function showSignIn(reply: FastifyReply, status: number, username: string, errors: FieldErrors, notice?: string) {
    const body = signInForm({ username }, errors, await reply.csrfToken(), notice);
    return reply.fragment(layout({ title: 'Sign in', body, scripts: [PASSKEY_SCRIPT] }), status);
  }

  app.get('/register', { schema: { querystring: RegisterQuery } }, async (request, reply) => {
    // The link an admin shares (`/register?invite=<code>`) fills in the code.
    const inviteCode = (request.query.invite ?? '').trim();
    const signedIn = await request.currentSession();
    if (signedIn && inviteCode) {
      // Someone signed in opened an invite link: say so rather than silently going home.
      const body = alreadySignedIn(signedIn.user, inviteCode, await reply.csrfToken());
      return reply.fragment(layout({ title: 'Already signed in', body, user: signedIn.user, csrfToken: await reply.csrfToken() }));
    }
    if (await redirectIfSignedIn(request, reply)) return reply;
    return showRegister(reply, 200, inviteCode ? { inviteCode } : {}, {});
  });

  app.post('/register', { schema: { body: RegisterForm } }, async (request, reply) => {
    const values = {
      inviteCode: (request.body.inviteCode ?? '').trim(),
      username: (request.body.username ?? '').trim(),
      displayName: (request.body.displayName ?? '').trim(),
    };
    const password = request.body.password ?? '';
    try {
      app.signInLimits.countAttempt(request);
    } catch (error) {
      if (!(error instanceof TooManyAttemptsError)) throw error;
      reply.header('retry-after', String(error.retryAfterSeconds));
      return showRegister(reply, 429, values, { form: error.message });
    }
    const errors = checkRegistration(values, password);
    if (Object.keys(errors).length > 0) return showRegister(reply, 400, values, errors);

    try {
      await app.agent.accounts.register({ ...values, password });
    } catch (error) {
      if (!(error instanceof AgentRequestError)) throw error;
      const refusal = REGISTER_REFUSALS[error.code];
      const fieldErrors: FieldErrors = refusal ? { [refusal.field]: refusal.message } : { form: error.message };
      return showRegister(reply, error.statusCode, values, fieldErrors);
    }

    // Sign the new person in straight away: they just proved who they are.
    const signedIn = await app.agent.sessions.signIn({ username: values.username, password });
    await reply.startSession(signedIn);
    return reply.redirect('/', 303);
  });

  app.get('/sign-in', { schema: { querystring: SignInQuery } }, async (request, reply) => {
    if (await redirectIfSignedIn(request, reply)) return reply;
    const notice = request.query.reason === 'disabled' ? DISABLED_MESSAGE : request.query.reason === 'password-reset' ? 'Your new password is set. Sign in with it.' : undefined;
    return showSignIn(reply, 200, '', {}, notice);
  });

  app.post('/sign-in', { schema: { body: SignInForm } }, async (request, reply) => {
    const username = (request.body.username ?? '').trim();
    const password = request.body.password ?? '';
    try {
      app.signInLimits.countAttempt(request);
      if (username) app.signInLimits.checkSignIn(request, username);
    } catch (error) {
      if (!(error instanceof TooManyAttemptsError)) throw error;
      reply.header('retry-after', String(error.retryAfterSeconds));
      return showSignIn(reply, 429, username, { form: error.message });
    }
    const errors: FieldErrors = {};
    if (!username) errors.username = 'Enter your username.';
    else if (username.length > LIMITS.usernameMax) errors.username = `Username is at most ${LIMITS.usernameMax} characters long.`;
    if (!password) errors.password = 'Enter your password.';
    else if (password.length > LIMITS.passwordMax) errors.password = `Password is at most ${LIMITS.passwordMax} characters long.`;
    if (Object.keys(errors).length > 0) return showSignIn(reply, 400, username, errors);

    try {
      const signedIn = await app.agent.sessions.signIn({ username, password });
      app.signInLimits.succeededSignIn(request, username);
      await reply.startSession(signedIn);
    } catch (error) {
      if (!(error instanceof AgentRequestError)) throw error;
      if (error.code === 'bad_credentials') app.signInLimits.failedSignIn(request, username);
      const message =
        error.code === 'bad_credentials' ? 'That username and password do not match. Please try again.' : error.code === 'account_disabled' ? DISABLED_MESSAGE : error.message;
      return showSignIn(reply, error.statusCode, username, { form: message });
    }
    return reply.redirect('/', 303);
  });

  app.post('/sign-out-everywhere', { schema: { body: TokenOnlyForm } }, async (request, reply) => {
    const signedIn = await request.currentSession();
    if (signedIn) await app.agent.sessions.signOutEverywhere(signedIn.user.id, signedIn.user.id);
    reply.endSession();
    return reply.redirect('/sign-in', 303);
  });

  app.post('/sign-out', { schema: { body: SignOutForm } }, async (request, reply) => {
    const signedIn = await request.currentSession();
    if (signedIn) await app.agent.sessions.delete(signedIn.session.id);
    reply.endSession();
    const invite = (request.body.invite ?? '').trim();
    if (invite && invite.length <= LIMITS.inviteCodeMax && INVITE_CODE_PATTERN.test(invite)) {
      return reply.redirect(`/register?${new URLSearchParams({ invite }).toString()}`, 303);
    }
    return reply.redirect('/sign-in', 303);
  });
};

export default accountRoutes;
