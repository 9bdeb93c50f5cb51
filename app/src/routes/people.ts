/**
 * Admins see everyone on the "People" page: role, this month's spending
 * against the budget, a form to change the budget, and "Sign out everywhere".
 * Members get 403 for the page and every POST (checked before CSRF).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { UserSummary } from '@homeagent/contract';
import { AgentRequestError } from '../agent-api/agent-errors.js';
import { isHtmxRequest } from '../plugins/app/page-reply.js';
import { TokenOnlyForm } from '../schemas/account.js';
import { BUDGET_USD, BudgetForm, PeopleQuery, PersonParams, RoleForm, StateForm } from '../schemas/people.js';
import type { FieldErrors } from '../views/form-messages.js';
import { peoplePage, personCard, removePage, type PersonCardOptions } from '../views/people-pages.js';

/** A person's page is gone: the same 404 the agent would give, without asking it to change anything. */
class PersonNotFoundError extends Error {
  readonly code = 'not_found';
  readonly statusCode = 404;
  constructor(options?: { cause?: unknown }) {
    super('There is no such person (any more). Reload the page to see who is here.', options);
    this.name = 'PersonNotFoundError';
  }
}

/** A form value no page of ours sends (the buttons carry fixed values). */
class PersonFormError extends Error {
  readonly code = 'validation';
  readonly statusCode = 400;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PersonFormError';
  }
}

/** The budget as typed: empty means the default (null); otherwise dollars with at most cents. */
export function parseBudget(text: string): { value: number | null } | { error: string } {
  const typed = text.trim().replace(/^\$\s*/, '').replace(/,/g, '');
  if (typed === '') return { value: null };
  if (!/^\d{1,6}(\.\d{1,2})?$/.test(typed) || Number(typed) > BUDGET_USD.max) {
    return {
      error: `Enter an amount in dollars from ${BUDGET_USD.min} to ${BUDGET_USD.max.toLocaleString('en-US')} (at most two decimals), or leave it empty for the default.`,
    };
  }
  return { value: Number(typed) };
}

const peopleRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.requireSession);
  app.addHook('onRequest', app.requireAdmin);


  async function summaryOf(adminId: string, userId: string): Promise<UserSummary> {
    const { users } = await app.agent.people.list(adminId);
    const summary = users.find((s) => s.user.id === userId);
    if (!summary) throw new PersonNotFoundError();
    return summary;
  }

  /** The card alone for htmx, else the whole page with this card in its new state. */
  async function answerCard(request: FastifyRequest, reply: FastifyReply, status: number, card: PersonCardOptions) {
    if (isHtmxRequest(request)) return reply.fragment(personCard(card), status);
    const list = await app.agent.people.list(card.viewerId);
    return reply.page('People', peoplePage({ list, csrfToken: card.csrfToken, viewerId: card.viewerId, replaced: card }), { status });
  }

  app.get('/people', { schema: { querystring: PeopleQuery } }, async (request, reply) => {
    const { user } = request.signedIn;
    const list = await app.agent.people.list(user.id);
    const notice = request.query.notice === 'removed' ? 'The account was removed.' : undefined;
    return reply.page('People', peoplePage({ list, csrfToken: await reply.csrfToken(), viewerId: user.id, ...(notice ? { notice } : {}) }));
  });

  /**
   * Runs one admin action on a person and answers with their card: the new
   * state and what happened, or the agent's refusal (last admin) beside it.
   */
  async function act(
    request: FastifyRequest,
    userId: string,
    reply: FastifyReply,
    run: (adminId: string, userId: string) => Promise<Omit<PersonCardOptions, 'csrfToken' | 'viewerId'>>,
  ) {
    const { user } = request.signedIn;
    const csrfToken = await reply.csrfToken();
    let card;
    try {
      card = await run(user.id, userId);
    } catch (error) {
      if (!(error instanceof AgentRequestError) || error.statusCode === 404 || error.statusCode >= 500) throw error;
      const summary = await summaryOf(user.id, userId);
      return answerCard(request, reply, error.statusCode, { summary, csrfToken, viewerId: user.id, refusal: error.message });
    }
    if (!isHtmxRequest(request) && !card.resetLink) return reply.redirect('/people', 303);
    return answerCard(request, reply, 200, { ...card, csrfToken, viewerId: user.id });
  }

  app.post('/people/:userId/role', { schema: { params: PersonParams, body: RoleForm } }, async (request, reply) => {
    const role = request.body.role;
    if (role !== 'admin' && role !== 'member') throw new PersonFormError('Choose the role "admin" or "member".');
    return act(request, request.params.userId, reply, async (adminId, userId) => {
      const summary = await app.agent.people.setRole(adminId, userId, role);
      return { summary, notice: `${summary.user.displayName} is now ${role === 'admin' ? 'an admin' : 'a member'}.` };
    });
  });

  app.post('/people/:userId/state', { schema: { params: PersonParams, body: StateForm } }, async (request, reply) => {
    const state = request.body.state;
    if (state !== 'active' && state !== 'disabled') throw new PersonFormError('Choose the state "active" or "disabled".');
    return act(request, request.params.userId, reply, async (adminId, userId) => {
      const summary = await app.agent.people.setState(adminId, userId, state);
      const notice = state === 'disabled' ? `${summary.user.displayName} is disabled and signed out everywhere.` : `${summary.user.displayName} can sign in again.`;
      return { summary, notice };
    });
  });

  app.post('/people/:userId/reset-link', { schema: { params: PersonParams, body: TokenOnlyForm } }, async (request, reply) =>
    act(request, request.params.userId, reply, async (adminId, userId) => {
      const link = await app.agent.resetLinks.create(adminId, userId);
      const summary = await summaryOf(adminId, userId);
      const url = `${app.config.publicUrl.replace(/\/+$/, '')}/reset/${encodeURIComponent(link.token)}`;
      return { summary, resetLink: { url, expiresAt: link.expiresAt } };
    }),
  );

  app.get('/people/:userId/remove', { schema: { params: PersonParams } }, async (request, reply) => {
    const summary = await summaryOf(request.signedIn.user.id, request.params.userId);
    return reply.page(`Remove ${summary.user.displayName}`, removePage(summary, await reply.csrfToken()));
  });

  app.post('/people/:userId/remove', { schema: { params: PersonParams, body: TokenOnlyForm } }, async (request, reply) => {
    const { user } = request.signedIn;
    try {
      await app.agent.people.remove(user.id, request.params.userId);
    } catch (error) {
      if (!(error instanceof AgentRequestError) || error.statusCode === 404 || error.statusCode >= 500) throw error;
      const summary = await summaryOf(user.id, request.params.userId);
      return reply.page(`Remove ${summary.user.displayName}`, removePage(summary, await reply.csrfToken(), error.message), { status: error.statusCode });
    }
    return reply.redirect('/people?notice=removed', 303);
  });

  app.post('/people/:userId/budget', { schema: { params: PersonParams, body: BudgetForm } }, async (request, reply) => {
    const { user } = request.signedIn;
    const { userId } = request.params;
    const typed = request.body.monthlyBudgetUsd ?? '';
    const csrfToken = await reply.csrfToken();
    const parsed = parseBudget(typed);
    if ('error' in parsed) {
      const errors: FieldErrors = { monthlyBudgetUsd: parsed.error };
      const summary = await summaryOf(user.id, userId);
      return answerCard(request, reply, 400, { summary, csrfToken, viewerId: user.id, budgetValue: typed, errors });
    }
    const summary = await app.agent.people.setBudget(user.id, userId, { monthlyBudgetUsd: parsed.value });
    if (!isHtmxRequest(request)) return reply.redirect('/people', 303);
    const notice = parsed.value === null ? 'Budget saved: back to the default.' : 'Budget saved.';
    return answerCard(request, reply, 200, { summary, csrfToken, viewerId: user.id, notice });
  });

  app.post('/people/:userId/sign-out', { schema: { params: PersonParams, body: TokenOnlyForm } }, async (request, reply) => {
    const { user } = request.signedIn;
    const { userId } = request.params;
    await app.agent.sessions.signOutEverywhere(user.id, userId);
    if (userId === user.id) {
      // The admin ended their own sessions, this one included.
      reply.endSession();
      if (isHtmxRequest(request)) return reply.code(200).header('hx-redirect', '/sign-in').send('');
      return reply.redirect('/sign-in', 303);
    }
    if (!isHtmxRequest(request)) return reply.redirect('/people', 303);
    const summary = await summaryOf(user.id, userId);
    const notice = `${summary.user.displayName} is signed out on every device.`;
    return answerCard(request, reply, 200, { summary, csrfToken: await reply.csrfToken(), viewerId: user.id, notice });
  });
};

export default peopleRoutes;
