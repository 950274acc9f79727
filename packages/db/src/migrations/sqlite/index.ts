import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126103243_initial as M0 } from './Migration20261126103243_initial.js';
import { Migration20261130152527_email_and_tokens as M1 } from './Migration20261130152527_email_and_tokens.js';
import { Migration20261130153653_disable_users as M2 } from './Migration20261130153653_disable_users.js';
import { Migration20261206031000_session_bounds as M3 } from './Migration20261206031000_session_bounds.js';
import { Migration20261206032000_pending_email_claims as M4 } from './Migration20261206032000_pending_email_claims.js';
import { Migration20261206035907_passkeys as M5 } from './Migration20261206035907_passkeys.js';
import { Migration20261206035920_second_factor_and_sessions as M6 } from './Migration20261206035920_second_factor_and_sessions.js';
import { Migration20261206040846_linked_accounts as M7 } from './Migration20261206040846_linked_accounts.js';
import { Migration20261206041931_audit_events as M8 } from './Migration20261206041931_audit_events.js';

// Kept in order by `pnpm db:migration:create`; compiled with the package, so
// production runs the same migrations without a TypeScript loader.
export const sqliteMigrations: MigrationObject[] = [
  { name: 'Migration20261126103243_initial', class: M0 },
  { name: 'Migration20261130152527_email_and_tokens', class: M1 },
  { name: 'Migration20261130153653_disable_users', class: M2 },
  { name: 'Migration20261206031000_session_bounds', class: M3 },
  { name: 'Migration20261206032000_pending_email_claims', class: M4 },
  { name: 'Migration20261206035907_passkeys', class: M5 },
  { name: 'Migration20261206035920_second_factor_and_sessions', class: M6 },
  { name: 'Migration20261206040846_linked_accounts', class: M7 },
  { name: 'Migration20261206041931_audit_events', class: M8 },
];
