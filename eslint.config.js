// Lint is where the process boundaries are enforced: what may import what.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'child_process', 'os', 'net', 'http', 'crypto', 'better-sqlite3', 'drizzle-orm', 'drizzle-orm/*', 'ws'];

export default tseslint.config(
  // electron.vite.config.<timestamp>.mjs: electron-vite's short-lived bundle of its config, written
  // beside it while `npm test` builds in parallel with this lint; gone before eslint can read it.
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'drizzle/**', 'test-results/**', 'playwright-report/**', '.native/**', 'electron.vite.config.*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The core runs under plain Node (CLI, headless host, tests): it must never depend on Electron.
    files: ['src-main/core/**', 'src-main/headless/**', 'src-main/cli/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'src-main/core, headless and cli run under plain Node: never import electron here.' }] }],
    },
  },
  {
    // Shared code is loaded by the renderer too: no Node, no Electron, no React.
    files: ['src-shared/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['electron', 'react', ...nodeBuiltins], message: 'src-shared is platform-neutral (protocol types and the IPC contract only).' }] }],
    },
  },
  {
    // The renderer never gets Node access; it talks to main only through the contract.
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['electron', ...nodeBuiltins, '**/src-main/**'], message: 'The renderer reaches main only through the typed contract (src-shared/contract).' }] }],
    },
  },
  {
    // Raw ipcMain/ipcRenderer only in the bridge files, which validate senders and inputs.
    files: ['src-main/electron/**'],
    ignores: ['src-main/electron/ipc-bridge.ts', 'src-main/electron/preload.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "ImportSpecifier[imported.name=/^ipc(Main|Renderer)$/]", message: 'Use the contract bridge (ipc-bridge.ts), which validates every input and sender.' }],
    },
  },
  {
    files: ['scripts/**/*.js', 'bin/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' } },
  },
  {
    // CommonJS config files of tools that do not read ES modules (dependency-cruiser).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
);
