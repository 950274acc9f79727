import { defineTestConfig } from '@repo/vitest-config';

export default defineTestConfig({ databases: true });
