/**
 * The server starts one way in production, whichever way it is launched: the
 * Docker image's CMD and `pnpm start` (the package's start script, which
 * `pnpm bench` also runs) are the same command with the same Node flags, and
 * so is the systemd line the README gives.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function dockerCmd(): string[] {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const cmd = dockerfile
    .split('\n')
    .filter((line) => line.startsWith('CMD '))
    .at(-1);
  if (!cmd) throw new Error('the Dockerfile has no CMD');
  return JSON.parse(cmd.slice('CMD '.length)) as string[];
}

describe('the production start command', () => {
  it('is the same in the Dockerfile and in the start script', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
    expect(dockerCmd()).toEqual(manifest.scripts.start.trim().split(/\s+/));
  });

  it("is the same in the README's systemd line", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const execStart = /`ExecStart=\/usr\/bin\/(node [^`]+)`/.exec(readme)?.[1];
    expect(execStart?.split(/\s+/)).toEqual(dockerCmd());
  });

  it('runs the built entry point with node', () => {
    const cmd = dockerCmd();
    expect(cmd[0]).toBe('node');
    expect(cmd.at(-1)).toBe('dist/main.js');
  });
});
