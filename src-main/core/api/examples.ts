// The bundled examples/ specs, offered as a gallery. Each file's first comment line is its title,
// the next comment lines its description.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Example { filename: string; title: string; description: string; text: string }

export function examplesDir(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'examples');
    if (fs.existsSync(path.join(candidate, 'README.md')) || fs.existsSync(path.join(candidate, 'hello.yaml'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export function listExamples(dir: string | null = examplesDir()): Example[] {
  if (!dir) return [];
  return fs.readdirSync(dir).filter((f) => /\.(json|ya?ml|toml)$/.test(f)).sort().map((filename) => {
    const text = fs.readFileSync(path.join(dir, filename), 'utf8');
    const comments = text.split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#\s?/, ''));
    return { filename, title: comments[0] ?? filename, description: comments.slice(1).join(' ').trim(), text };
  });
}
