// Vitest global setup: bundles the CLI once per test run, before any test file starts (the CLI tests
// spawn bin/shoal.js, so they must never run a stale bundle; building it in each file's beforeAll
// built it several times at once). `npm test` has just built it and says so with SHOAL_CLI_BUILT=1.
import { buildCli } from './cli';

export default function setup(): void {
  if (process.env.SHOAL_CLI_BUILT !== '1') buildCli();
}
