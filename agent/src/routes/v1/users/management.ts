/**
 * An admin running the household: change a person's role, disable and
 * enable them, remove them, make a password-reset link. Under /v1/users.
 * The last active admin can be neither demoted, disabled nor removed.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError, ResetLinkResponse, SetRoleRequest, SetStateRequest, UserSummary } from '@homeagent/contract';
import { badRequest, conflict, forbidden, notFound } from '../../../http-error.js';
import { purgeAccount, stopRepliesOf } from '../../../account-removal.js';
import { monthOf } from '../../../budget.js';
import { actorOf } from '../../../plugins/app/current-user.js';
import { activeAdmins, type UserRecord } from '../../../plugins/app/users-repository.js';
import { AdminChangeLock } from '../../../admin-change-lock.js';
import { summarizeUser } from '../../../user-summary.js';
import { UserHeaders } from '../../../schemas/headers.js';
import { UserParams } from '../../../schemas/params.js';

const NO_SUCH_PERSON = 'There is no account with that id.';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  async function target(userId: string): Promise<UserRecord> {
    const user = await app.users.get(userId);
    if (!user) throw notFound(NO_SUCH_PERSON);
    return user;
  }

  const adminChanges = new AdminChangeLock(app.dynamo, app.config.tableName);

  /**
   * Makes `change` to `person` unless it would leave no active admin. A
   * change to an active admin holds the admin-change lock, and the check
   * reads everyone it counts afresh (the list index may lag a moment behind),
   * so two admins demoting each other at the same instant cannot both pass,
   * and an admin demoted a moment ago cannot still take someone else's role.
   */
  async function keepAnAdmin<T>(actorId: string, person: UserRecord, doing: string, change: () => Promise<T>): Promise<T> {
    if (person.role !== 'admin' || person.disabledAt) return change();
    return adminChanges.run(async () => {
      // The admin asking may have been demoted by the change just before this one.
      const actor = await app.users.get(actorId);
      if (!actor || activeAdmins([actor]).length === 0) throw forbidden('admin_only', 'Only an admin can do this.');
      const candidates = activeAdmins(await app.users.list()).filter((u) => u.id !== person.id);
      const fresh = await Promise.all(candidates.map((u) => app.users.get(u.id)));
      const others = activeAdmins(fresh.filter((u) => u !== undefined));
      if (others.length === 0) {
        throw conflict('last_admin', `${person.displayName} is the last active admin, so they cannot be ${doing}: nobody could run this HomeAgent any more. Make someone else an admin first.`);
      }
      return change();
    });
  }

  const personTarget = (user: UserRecord) => ({ kind: 'user', id: user.id, username: user.username });

  app.put(
    '/:userId/role',
    {
      schema: { headers: UserHeaders, params: UserParams, body: SetRoleRequest, response: { 200: UserSummary, '4xx': ApiError } },
      preValidation: app.requireAdmin,
    },
    async (request) => {
      const person = await target(request.params.userId);
      const { role } = request.body;
      if (person.role === role) return summarizeUser(app, person, monthOf());
      const setRole = () => app.users.setRole(person.id, role);
      const updated = role === 'member' ? await keepAnAdmin(request.user.id, person, 'made a member', setRole) : await setRole();
      if (!updated) throw notFound(NO_SUCH_PERSON);
      await app.audit.record({ actor: actorOf(request.user), action: 'user.role_changed', target: personTarget(updated), detail: { from: person.role, to: role }, request });
      return summarizeUser(app, updated, monthOf());
    },
  );

  app.put(
    '/:userId/state',
    {
      schema: { headers: UserHeaders, params: UserParams, body: SetStateRequest, response: { 200: UserSummary, '4xx': ApiError } },
      preValidation: app.requireAdmin,
    },
    async (request) => {
      const person = await target(request.params.userId);
      const disable = request.body.state === 'disabled';
      if (disable === (person.disabledAt !== undefined)) return summarizeUser(app, person, monthOf());
      const setDisabled = () => app.users.setDisabled(person.id, disable);
      const updated = disable ? await keepAnAdmin(request.user.id, person, 'disabled', setDisabled) : await setDisabled();
      if (!updated) throw notFound(NO_SUCH_PERSON);
      let detail: Record<string, number> | undefined;
      if (disable) {
        // The account is refused from here on; then every session ends and every reply stops.
        const sessionsEnded = await app.sessions.endAllOf(person.id, 'disabled');
        const repliesStopped = await stopRepliesOf(app, person.id);
        detail = { sessionsEnded, repliesStopped };
      }
      await app.audit.record({ actor: actorOf(request.user), action: disable ? 'user.disabled' : 'user.enabled', target: personTarget(updated), ...(detail ? { detail } : {}), request });
      return summarizeUser(app, updated, monthOf());
    },
  );

  app.delete(
    '/:userId',
    {
      schema: { headers: UserHeaders, params: UserParams, response: { 204: Type.Null(), '4xx': ApiError } },
      preValidation: app.requireAdmin,
    },
    async (request, reply) => {
      const person = await target(request.params.userId);
      if (person.id === request.user.id) throw badRequest('cannot_remove_self', 'You cannot remove your own account. Another admin can.');
      const marked = await keepAnAdmin(request.user.id, person, 'removed', () => app.users.markRemoving(person.id));
      if (!marked) throw notFound(NO_SUCH_PERSON);
      // Recorded before the purge: the removal has happened for everyone from the mark on.
      await app.audit.record({ actor: actorOf(request.user), action: 'user.removed', target: personTarget(person), request });
      await purgeAccount(app, marked);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/:userId/reset-links',
    {
      schema: { headers: UserHeaders, params: UserParams, response: { 201: ResetLinkResponse, '4xx': ApiError } },
      preValidation: app.requireAdmin,
    },
    async (request, reply) => {
      const person = await target(request.params.userId);
      const link = await app.resetLinks.create(person.id, request.user.id);
      await app.audit.record({
        actor: actorOf(request.user),
        action: 'password.reset_link_created',
        target: { ...personTarget(person) },
        detail: { linkId: link.id, expiresAt: link.expiresAt },
        request,
      });
      return reply.code(201).send({ token: link.token, expiresAt: link.expiresAt });
    },
  );
};

export default routes;
