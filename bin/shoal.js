#!/usr/bin/env node
// The `shoal` command: runs the bundled CLI (built by `npm run build`).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../out/cli/shoal.js', import.meta.url);
if (!fs.existsSync(fileURLToPath(bundle))) {
  process.stderr.write('shoal: not built yet; run `npm run build` in the Shoal folder first.\n');
  process.exit(2);
}
await import(bundle.href);
