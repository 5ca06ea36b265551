// What `shoal workers test NAME` does for a Docker worker, as a process of its own, with the short
// call deadline a test can give (the CLI always has the default minute): probe through probeHost,
// say the outcome, set the exit code, and end when nothing is left to do — no process.exit, so a
// request left pending on a hung daemon keeps this process alive, as it would the CLI.
// argv: DOCKER_HOST IMAGE NAME CALL_MS DATA_DIR
import { probeHost } from '../hosts/probe-host';

const [dockerHost, image, name, callMs, dataDir] = process.argv.slice(2) as [string, string, string, string, string];
const check = await probeHost({ kind: 'docker', image, args: [] }, { dataDir, workerName: name, dockerHost, docker: { callMs: Number(callMs) } });
if (check.ok) process.stdout.write(`${name}: usable — git ${check.git}\n`);
else process.stderr.write(`worker ${name}: ${check.error}\n`);
process.exitCode = check.ok ? 0 : 1;
