import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, RegisterRequest, RegisterResponse, SetBudgetRequest, UserListResponse, UserSummary } from '@homeagent/contract';
import { Type } from 'typebox';
import { HttpError, badRequest, conflict, forbidden, notFound } from '../../../http-error.js';
import { newId } from '../../../id-generator.js';
import { hashPassword } from '../../../password-hash.js';
import { recordAdminCreated } from '../../../plugins/app/first-admin-invite.js';
import { InvitesRepository, type InviteStatus } from '../../../plugins/app/invites-repository.js';
import { monthOf } from '../../../budget.js';
import { summarizeUser } from '../../../user-summary.js';
import { toUser, type UserRecord } from '../../../plugins/app/users-repository.js';
import { actorOf } from '../../../plugins/app/current-user.js';
import management from './management.js';
import { UserHeaders } from '../../../schemas/headers.js';
import { UserParams } from '../../../schemas/params.js';

const INVITE_REFUSALS: Record<Exclude<InviteStatus, 'usable'>, HttpError> = {
  unknown: badRequest('invite_invalid', 'That invite code is not valid. Check it, or ask an admin for a new one.'),
  used: badRequest('invite_used', 'That invite code has already been used. Ask an admin for a new one.'),
  expired: badRequest('invite_expired', 'That invite code has expired. Ask an admin for a new one.'),
};

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const summarize = (record: UserRecord, month: string) => summarizeUser(app, record, month);

  app.get(
    '/',
    // The role check runs before validation, so a member learns nothing about the route.
    { schema: { headers: UserHeaders, response: { 200: UserListResponse, '4xx': ApiError } }, preValidation: app.requireAdmin },
    async () => {
      const month = monthOf();
      const users = await app.users.list();
      return { month, users: await Promise.all(users.map((u) => summarize(u, month))) };
    },
  );

  app.delete(
    '/:userId/sessions',
    {
      schema: { headers: UserHeaders, params: UserParams, response: { 204: Type.Null(), '4xx': ApiError } },
      preValidation: app.loadUser,
    },
    async (request, reply) => {
      const { userId } = request.params;
      if (request.user.id !== userId && request.user.role !== 'admin') {
        throw forbidden('admin_only', "Only an admin can sign someone else out.");
      }
      const target = await app.users.get(userId);
      if (!target) throw notFound('There is no account with that id.');
      const ended = await app.sessions.deleteAllOf(userId);
      await app.audit.record({
        actor: actorOf(request.user),
        action: 'sign_out.everywhere',
        target: { kind: 'user', id: target.id, username: target.username },
        detail: { sessionsEnded: ended },
        request,
      });
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/:userId/budget',
    {
      schema: { headers: UserHeaders, params: UserParams, body: SetBudgetRequest, response: { 200: UserSummary, '4xx': ApiError } },
      preValidation: app.requireAdmin,
    },
    async (request) => {
      const updated = await app.users.setBudget(request.params.userId, request.body.monthlyBudgetUsd);
      if (!updated) throw notFound('There is no account with that id.');
      await app.audit.record({
        actor: actorOf(request.user),
        action: 'budget.changed',
        target: { kind: 'user', id: updated.id, username: updated.username },
        detail: { monthlyBudgetUsd: request.body.monthlyBudgetUsd },
        request,
      });
      return summarize(updated, monthOf());
    },
  );

  /**
   * Register with an invite. No transactions, so the writes are ordered to be
   * undoable: claim the username, consume the invite (or release the claim),
   * write the user (or undo both).
   */
  app.post(
    '/',
    { schema: { body: RegisterRequest, response: { 201: RegisterResponse, '4xx': ApiError } } },
    async (request, reply) => {
      const { inviteCode, username, displayName, password } = request.body;
      const invite = await app.invites.get(inviteCode);
      const status = InvitesRepository.status(invite);
      if (status !== 'usable') throw INVITE_REFUSALS[status];

      const passwordHash = await hashPassword(password);
      const userId = newId();
      if (!(await app.users.claimUsername(username, userId))) {
        throw conflict('username_taken', `The username "${username}" is taken. Please choose another one.`);
      }
      if (!(await app.invites.consume(inviteCode, userId))) {
        await app.users.releaseUsername(username, userId);
        const now = InvitesRepository.status(await app.invites.get(inviteCode));
        throw INVITE_REFUSALS[now === 'usable' ? 'used' : now];
      }
      const record: UserRecord = {
        id: userId,
        username,
        displayName: displayName.trim() || username,
        role: invite!.role,
        createdAt: new Date().toISOString(),
        passwordHash,
      };
      try {
        await app.users.create(record);
      } catch (error) {
        await app.invites.unconsume(inviteCode, userId).catch((e: unknown) => request.log.error({ err: e }, 'could not give the invite back'));
        await app.users.releaseUsername(username, userId).catch((e: unknown) => request.log.error({ err: e }, 'could not release the username'));
        throw error;
      }
      if (record.role === 'admin') {
        await recordAdminCreated(app).catch((e: unknown) => request.log.error({ err: e }, 'could not record that an admin exists'));
      }
      await app.audit.record({ actor: actorOf(record), action: 'invite.used', target: { kind: 'invite', id: invite!.id }, detail: { role: record.role }, request });
      return reply.code(201).send({ user: toUser(record) });
    },
  );

  await app.register(management);
};


export default routes;
