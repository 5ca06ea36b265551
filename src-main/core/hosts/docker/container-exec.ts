// A short command run inside an attempt's running container (docker exec), its stdout collected:
// what Shoal needs to know from where the files are while the agent works (where a path really
// lands, for the path rules). Not hijacked: the answer comes as the response body, which every
// transport Shoal reaches a daemon over (a socket, tcp://, ssh://) carries. Bounded by `callMs`.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { callDeadline } from './docker-client';

export async function execInContainer(docker: Docker, container: Docker.Container, argv: readonly string[], callMs: number): Promise<Buffer> {
  const deadline = callDeadline(callMs);
  const exec = await container.exec({ Cmd: [...argv], AttachStdout: true, AttachStderr: true, ...deadline });
  const stream = (await exec.start({ hijack: false, stdin: false, ...deadline })) as NodeJS.ReadableStream;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (b: Buffer) => out.push(b));
  const stderr = new PassThrough().on('data', (b: Buffer) => err.push(b));
  docker.modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
    deadline.abortSignal.addEventListener('abort', () => reject(deadline.abortSignal.reason), { once: true });
  });
  const { ExitCode } = await exec.inspect(deadline);
  if (ExitCode !== 0) throw new Error(`exit ${String(ExitCode)}: ${Buffer.concat(err).toString('utf8').trim().split('\n').slice(-3).join(' ')}`);
  return Buffer.concat(out);
}
