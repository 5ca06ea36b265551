// `npm run screenshots`: rebuilds the app, then runs the e2e suite with SHOAL_SCREENSHOTS=1 so the
// README's pictures under e2e/screenshots/ are rewritten. `npm test` never touches them.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env }, shell: process.platform === 'win32' }).status ?? 1;
let status = run('npm', ['run', 'build']);
if (status === 0) status = run(path.join(root, 'node_modules', '.bin', 'playwright'), ['test', ...process.argv.slice(2)], { SHOAL_SCREENSHOTS: '1' });
process.exit(status);
