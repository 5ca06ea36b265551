// Locating the built renderer beside the bundle (out/cli → out/renderer) or from the repo root.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function findUp(start: string, relative: string): string | null {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, relative);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export function resolveRendererDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const index = findUp(here, path.join('out', 'renderer', 'index.html')) ?? findUp(here, path.join('renderer', 'index.html'));
  return index ? path.dirname(index) : path.resolve(here, '..', 'renderer');
}

export function packageVersion(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const pkg = findUp(here, 'package.json');
  if (!pkg) return '0.0.0';
  try {
    return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
