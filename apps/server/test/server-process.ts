/**
 * The real server process (`src/main.ts` through tsx) for the tests that need
 * one: spawning it (or another command), a free port, and waiting until it answers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const SERVER_DIR = resolve(import.meta.dirname, '..');
const TSX = join(SERVER_DIR, 'node_modules/.bin/tsx');

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<Exited>;
}

/**
 * Runs `src/main.ts` as the real process would run. The environment is given
 * in full (not inherited): the process still reads the repository's .env,
 * which only fills variables that are not set here.
 */
export function spawnServer(env: Record<string, string>, args: string[] = []): Spawned {
  return spawnScript('src/main.ts', env, args);
}

/** Runs another entry point of the server the same way, e.g. `src/commands/seed.ts` (`pnpm db:seed`). */
export function spawnScript(script: string, env: Record<string, string>, args: string[] = []): Spawned {
  const child = spawn(TSX, ['--conditions=source', script, ...args], {
    cwd: SERVER_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<Exited>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolveListen) => probe.listen(0, '127.0.0.1', resolveListen));
  const address = probe.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolveClose) => probe.close(() => resolveClose()));
  return port;
}

/** Polls until the URL answers 200, or the process exits (then fails with its output). */
export async function waitForOk(url: string, proc: Spawned, attempts = 300): Promise<void> {
  let exited: Exited | undefined;
  void proc.exited.then((e) => {
    exited = e;
  });
  for (let i = 0; i < attempts; i++) {
    if (exited) throw new Error(`server exited (${JSON.stringify(exited)}):\n${proc.stdout()}\n${proc.stderr()}`);
    const ok = await fetch(url).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${url} never answered 200:\n${proc.stdout()}\n${proc.stderr()}`);
}
