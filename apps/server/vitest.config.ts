import { defineTestConfig } from '@repo/vitest-config';

// Two test files at a time: most of this suite waits on the servers, child processes, mail
// server and browser it starts, and one file at a time left a core idle for most of CI.
export default defineTestConfig({ databases: true, maxWorkers: 2 });
