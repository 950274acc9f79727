// Plain JavaScript: Vite loads config files with Node, which runs no TypeScript
// from linked packages. Types are in index.d.ts.
import { defineConfig } from 'vitest/config';
import { isRequired } from './services.js';

/**
 * Shared test config: workspace packages resolve to their TypeScript sources
 * (the "source" export condition), and database tests run as two projects,
 * one on the embedded SQLite and one on MySQL/MariaDB (TEST_DATABASE_URL).
 *
 * Without TEST_DATABASE_URL the MySQL project is left out, with a notice;
 * with REQUIRE_SERVICES=1 it always runs, so a missing server fails the run.
 */
/** @param {{ databases: boolean, testTimeout?: number, maxWorkers?: number }} options */
export function defineTestConfig(options) {
  // No 'import' here: Vitest also hands these to Node as --conditions, and an
  // 'import' condition makes require() of a dual package (e.g. is-promise, used
  // by Express's router) load its ESM build. Vite applies import/require/default
  // by itself.
  const conditions = ['source', 'module', 'node'];
  const base = {
    include: ['test/**/*.test.ts'],
    testTimeout: options.testTimeout ?? 20_000,
    hookTimeout: 60_000,
    // Vitest 5 clears every mock's history before each test; in our concurrent
    // suites that would wipe the calls a neighbour test is about to assert on.
    // Each test makes its own mocks, so there is no history to carry over.
    clearMocks: false,
    // Vitest's default is one worker fewer than the cores: one, on two. A suite whose files
    // mostly wait (on servers, child processes and sockets) may ask for more.
    ...(options.maxWorkers ? { maxWorkers: options.maxWorkers } : {}),
  };
  const databases = ['sqlite', ...(isRequired.mysql ? ['mysql'] : [])];
  if (options.databases && !databases.includes('mysql')) {
    console.warn('[tests] TEST_DATABASE_URL is not set: running on SQLite only (set it to mysql://… to add MySQL).');
  }
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: options.databases
      ? {
          ...base,
          projects: databases.map((db) => ({
            extends: true,
            test: { name: db, env: { TEST_DB: db } },
          })),
        }
      : base,
  });
}
