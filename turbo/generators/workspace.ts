import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A camelCase identifier as the generators take it: `admin`, `setRole`. */
export const CAMEL_CASE = /^[a-z][A-Za-z0-9]*$/;

export const pascalCase = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
export const kebabCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
export const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
export const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

/** Prompt validation: true, or what is wrong (the generator stops with it). */
export function validIdentifier(what: string, pattern = CAMEL_CASE) {
  return (value: string) =>
    pattern.test(value) || `${what} must match ${pattern} (e.g. ${pattern === CAMEL_CASE ? 'setRole' : 'Invoice'})`;
}

/** Files of the repository, relative to its root; each change is written at once. */
export class Workspace {
  readonly touched = new Set<string>();
  constructor(readonly root: string) {}

  exists(path: string): boolean {
    return existsSync(join(this.root, path));
  }

  read(path: string): string {
    return readFileSync(join(this.root, path), 'utf8');
  }

  /** Creates a file; refuses to overwrite one. */
  create(path: string, text: string): void {
    if (this.exists(path)) throw new Error(`${path} already exists`);
    this.write(path, text);
  }

  write(path: string, text: string): void {
    mkdirSync(dirname(join(this.root, path)), { recursive: true });
    writeFileSync(join(this.root, path), text);
    this.touched.add(path);
  }

  /** Replaces the one match of `anchor` in a file; fails loudly when the file no longer has its anchor. */
  edit(path: string, anchor: RegExp, replace: (match: string) => string): void {
    const text = this.read(path);
    const matches = text.match(new RegExp(anchor.source, `${anchor.flags.replace('g', '')}g`)) ?? [];
    if (matches.length !== 1) {
      throw new Error(`${path}: expected one match of ${anchor} (found ${matches.length}); edit it by hand`);
    }
    this.write(
      path,
      text.replace(anchor, (match) => replace(match)),
    );
  }

  /**
   * Adds `import { … } from '…'` lines at the top of a file, leaving out names
   * it already imports from that module (Biome then sorts and merges them).
   */
  addImports(path: string, lines: string[]): void {
    const text = this.read(path);
    const fresh = lines.flatMap((line) => {
      const parsed = /^import (type )?\{ (.+) \} from '(.+)';$/.exec(line);
      if (!parsed) throw new Error(`not a named import: ${line}`);
      const [, type = '', names = '', module = ''] = parsed;
      const imported = (name: string) =>
        new RegExp(
          `import (type )?\\{[^}]*\\b${name}\\b[^}]*\\} from '${module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`,
        ).test(text);
      const wanted = names.split(', ').filter((name) => !imported(name));
      return wanted.length ? [`import ${type}{ ${wanted.join(', ')} } from '${module}';`] : [];
    });
    if (fresh.length) this.write(path, `${fresh.join('\n')}\n${text}`);
  }

  run(command: string, args: string[]): void {
    execFileSync(command, args, { cwd: this.root, stdio: 'pipe' });
  }

  /** Sorts imports and formats every file the generator wrote, as `pnpm lint:fix` would. */
  format(): string {
    const files = [...this.touched].filter((file) => /\.(ts|json)$/.test(file));
    execFileSync('pnpm', ['exec', 'biome', 'check', '--write', ...files], { cwd: this.root, stdio: 'pipe' });
    return `formatted ${files.length} files with Biome`;
  }
}
