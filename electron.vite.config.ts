import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: { outDir: 'out/main', rollupOptions: { input: { index: resolve('src-main/electron/main.ts') } } },
  },
  preload: {
    // Sandboxed preloads cannot require node_modules: bundle everything (zod included) as CommonJS.
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve('src-main/electron/preload.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [react()],
    // Minified: the headless host serves this over HTTP, and first paint is a measured target.
    build: { outDir: 'out/renderer', minify: 'esbuild', rollupOptions: { input: resolve('src-renderer/index.html') } },
  },
});
