/**
 * Admins invite people: a form (role, days until it expires) whose answer is
 * the new invite's code and a ready-to-share link to the register page.
 * Members never see the page or reach the POST (403, before the CSRF check).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Role } from '@homeagent/contract';
import { AgentRequestError } from '../agent-api/agent-errors.js';
import { isHtmxRequest, wantsPartial } from '../plugins/app/page-reply.js';
import { TokenOnlyForm } from '../schemas/account.js';
import { INVITE_DAYS, InviteIdParams, InviteForm } from '../schemas/invite.js';
import type { FieldErrors } from '../views/form-messages.js';
import { html } from '../views/html.js';
import { inviteErrors, inviteLink, invitePage, createdInvite, openInvites, type InviteValues } from '../views/invite-pages.js';

const ROLES: readonly string[] = ['member', 'admin'] satisfies Role[];

function checkInvite(values: Required<InviteValues>): FieldErrors {
  const errors: FieldErrors = {};
  if (!ROLES.includes(values.role)) errors.role = 'Choose whether the person joins as a member or as an admin.';
  const days = values.expiresInDays;
  if (days === '') errors.expiresInDays = 'Enter after how many days the invite expires.';
  else if (!/^\d{1,3}$/.test(days) || Number(days) < INVITE_DAYS.min || Number(days) > INVITE_DAYS.max)
    errors.expiresInDays = `The invite must expire after a whole number of days from ${INVITE_DAYS.min} to ${INVITE_DAYS.max}.`;
  return errors;
}

const inviteRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // onRequest, before the CSRF check: a member is told "admins only", not
  // that their form expired, and an ended session is asked to sign in.
  app.addHook('onRequest', app.requireSession);
  app.addHook('onRequest', app.requireAdmin);

  const TITLE = 'Invite someone';

  /** The list under the form, as the page and its partials need it. */
  async function openList(request: FastifyRequest, notice?: string) {
    const { user } = request.signedIn;
    const { invites } = await app.agent.invites.list(user.id);
    return { invites, publicUrl: app.config.publicUrl, notice };
  }

  app.get('/invites', async (request, reply) => {
    return reply.page(TITLE, invitePage({ csrfToken: await reply.csrfToken(), open: await openList(request) }));
  });

  app.post('/invites/:id/revoke', { schema: { params: InviteIdParams, body: TokenOnlyForm } }, async (request, reply) => {
    const { user } = request.signedIn;
    let status = 200;
    let notice = 'The invite was revoked: its link no longer works.';
    try {
      await app.agent.invites.revoke(user.id, request.params.id);
    } catch (error) {
      if (!(error instanceof AgentRequestError) || error.statusCode !== 404) throw error;
      // Used or revoked in another tab, or expired: the fresh list shows how things stand.
      status = 404;
      notice = 'That invite could not be revoked: it has already been used, revoked or has expired.';
    }
    if (!isHtmxRequest(request)) {
      if (status === 200) return reply.redirect('/invites', 303);
      return reply.page(TITLE, invitePage({ csrfToken: await reply.csrfToken(), open: await openList(request, notice) }), { status });
    }
    const list = openInvites({ ...(await openList(request, notice)), csrfToken: await reply.csrfToken() });
    return reply.fragment(list, status);
  });

  app.post('/invites', { schema: { body: InviteForm } }, async (request, reply) => {
    const values = {
      role: (request.body.role ?? 'member').trim(),
      expiresInDays: (request.body.expiresInDays ?? String(INVITE_DAYS.default)).trim(),
    };
    const errors = checkInvite(values);
    if (Object.keys(errors).length > 0) {
      if (wantsPartial(request)) return reply.fragment(inviteErrors(errors), 400);
      return reply.page(TITLE, invitePage({ csrfToken: await reply.csrfToken(), values, errors, open: await openList(request) }), { status: 400 });
    }

    const { user } = request.signedIn;
    // An agent refusal (AgentRequestError) goes to the error handler, whose
    // fragment lands in the same result area.
    const invite = await app.agent.invites.create(user.id, {
      role: values.role as Role,
      ttlHours: Number(values.expiresInDays) * 24,
    });
    const created = { invite, link: inviteLink(app.config.publicUrl, invite.code) };
    const open = await openList(request);
    if (wantsPartial(request)) {
      // The new invite for the result area, and the list under it brought up to date.
      const list = openInvites({ ...open, csrfToken: await reply.csrfToken() });
      return reply.fragment(html`${createdInvite(created)}<hx-partial hx-target="#open-invites" hx-swap="outerHTML">${list}</hx-partial>`, 201);
    }
    return reply.page(TITLE, invitePage({ csrfToken: await reply.csrfToken(), values, created, open }), { status: 201 });
  });
};

export default inviteRoutes;
