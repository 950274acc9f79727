import type { ViteUserConfig } from 'vitest/config';

export declare function defineTestConfig(options: {
  databases: boolean;
  testTimeout?: number;
  maxWorkers?: number;
}): ViteUserConfig;
