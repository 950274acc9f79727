// The resolved config of a compose file as an object, as compose itself
// resolves it (`docker-compose config`): JSON from compose v2, else compose
// v1's YAML read by the PyYAML it runs on. Shared by compose-check.mjs and
// docker-replay.mjs (which runs the commands of the migrate and seed services).
import { spawnSync } from 'node:child_process';

export const root = new URL('..', import.meta.url).pathname;

export function compose(file, args, env, global = []) {
  return spawnSync('docker-compose', [...global, '-f', file, ...args], { cwd: root, env, encoding: 'utf8' });
}

export function resolved(file, env, global = []) {
  // v1 has no --format: it prints its usage (and exits 0).
  const json = compose(file, ['config', '--format', 'json'], env, global);
  if (json.status === 0 && json.stdout.trimStart().startsWith('{')) return JSON.parse(json.stdout);
  const yaml = compose(file, ['config'], env, global);
  if (yaml.status !== 0) throw new Error(`docker-compose -f ${file} config failed:\n${yaml.stderr}`);
  const converted = spawnSync(
    'python3',
    ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: yaml.stdout, encoding: 'utf8' },
  );
  if (converted.status !== 0) throw new Error(`could not read the YAML of docker-compose config:\n${converted.stderr}`);
  return JSON.parse(converted.stdout);
}
