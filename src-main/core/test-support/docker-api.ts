// A Docker-compatible API for tests: podman's, started with the repo's own recipe
// (scripts/infra/docker-up) on a socket in a fresh directory, with the locally built image
// localhost/shoal-worker:latest (never pulled). Fails the test with the recipe's message when
// podman cannot be set up.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp-dir';

const RECIPES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/infra');
export const TEST_IMAGE = 'localhost/shoal-worker:latest';

export interface TestDockerApi { dir: string; pid: number; url: string; stop(): void }

/** `tcp: true` serves it on tcp://127.0.0.1:PORT instead, which Shoal treats as a remote daemon. */
export function startDockerApi(dir = tempDir('shoal-docker-'), opts: { tcp?: boolean } = {}): TestDockerApi {
  let out: string;
  try {
    out = execFileSync(path.join(RECIPES, 'docker-up'), [dir, ...(opts.tcp ? ['--tcp'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000 });
  } catch (e) {
    throw new Error(`could not start a test Docker API: ${String((e as { stderr?: string }).stderr ?? e).trim()}`);
  }
  const [pid, url] = out.trim().split(/\s+/);
  return { dir, pid: Number(pid), url: url!, stop: () => void execFileSync(path.join(RECIPES, 'docker-down'), [dir], { stdio: 'ignore' }) };
}
