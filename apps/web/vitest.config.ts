import { defineTestConfig } from '@repo/vitest-config';

// The end-to-end test is about the browser, not the database: it runs once,
// on SQLite (`databases: false` makes no MySQL project; createTestDatabase()
// then picks SQLite). The server's own tests cover MySQL.
export default defineTestConfig({ databases: false, testTimeout: 120_000 });
