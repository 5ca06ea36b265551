// Bundles the `shoal` CLI (src-main/cli) for plain Node. Dependencies stay external (node_modules).
import { build } from 'esbuild';

await build({
  entryPoints: { shoal: 'src-main/cli/main.ts' },
  outdir: 'out/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  chunkNames: 'chunks/[name]-[hash]',
});
