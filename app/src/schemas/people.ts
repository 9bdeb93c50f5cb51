/**
 * The forms of the admin's "People" page. The schema bounds shape and size;
 * the route checks the amount so the card can say what to fix.
 */
import { Type, type Static } from 'typebox';

const field = Type.Optional(Type.String({ maxLength: 1_000 }));

/** User ids the agent makes: lower-case letters and digits. */
export const PersonParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9a-z]+$' }) });
export type PersonParams = Static<typeof PersonParams>;

export const BudgetForm = Type.Object({ _csrf: field, monthlyBudgetUsd: field });
export type BudgetForm = Static<typeof BudgetForm>;

/** The agent accepts 0 to 100 000 US dollars a month. */
export const BUDGET_USD = { min: 0, max: 100_000 } as const;

export const RoleForm = Type.Object({ _csrf: field, role: field });
export type RoleForm = Static<typeof RoleForm>;

export const StateForm = Type.Object({ _csrf: field, state: field });
export type StateForm = Static<typeof StateForm>;

/** `/people?notice=removed`: a fixed sentence after a removal (the value is never echoed). */
export const PeopleQuery = Type.Object({ notice: field });
export type PeopleQuery = Static<typeof PeopleQuery>;
