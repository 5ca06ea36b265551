// Waiting for a container to end, in a way that notices the daemon going away. dockerode's wait()
// never settles in that case: Docker and podman send the response headers at once and the body only
// when the container ends, and docker-modem, once it has the headers, waits for the body's end
// without listening for the connection closing. An attempt whose daemon was stopped mid-run then
// hung until the test (or the user) gave up. Reading the response as a stream sees the close.
import type Docker from 'dockerode';

/** Resolves with the container's exit code (null when the daemon gives none). Rejects with
 *  `code: 'ECONNRESET'` and no `statusCode` when the connection drops before the container ended,
 *  with the daemon's `statusCode` when it refuses, and with `signal`'s reason when it fires (the
 *  driver's deadline, or its liveness check finding the daemon silent). */
export function waitForExit(docker: Docker, containerId: string, signal?: AbortSignal): Promise<number | null> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    docker.modem.dial({
      path: `/containers/${containerId}/wait?`,
      method: 'POST',
      isStream: true,
      statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
      // docker-modem aborts the request on the top-level abortSignal only (in `options` it is
      // dropped from the query and ignored).
      ...(signal ? { abortSignal: signal } : {}),
    }, (err: unknown, res: unknown) => {
      if (err) return settle(() => reject(signal?.aborted ? signal.reason : err));
      const body = res as NodeJS.ReadableStream;
      // Our own deadline closes the connection too: say which of the two it was.
      const lost = (): void => settle(() => reject(signal?.aborted ? signal.reason : Object.assign(new Error('the connection was lost'), { code: 'ECONNRESET' })));
      let text = '';
      body.on('data', (d: Buffer) => (text += d.toString()));
      body.on('end', () => settle(() => {
        try {
          const code = (JSON.parse(text) as { StatusCode?: unknown }).StatusCode;
          resolve(typeof code === 'number' ? code : null);
        } catch {
          reject(new Error(`unreadable answer to wait: ${text.slice(0, 200)}`));
        }
      }));
      body.on('error', lost);
      body.on('close', lost); // after 'end' this is a no-op
    });
  });
}
