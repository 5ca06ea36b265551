// A host's failure as it goes on the worker and its tasks says which worker, whatever the driver's
// wording ("worker gpu-box: ssh root@10.0.0.5:22: connection refused"); where the worker is already
// named (its own row in the Workers view) the lead is dropped. One lead, added once and dropped alike
// in main and in the renderer.

export function withWorker(workerName: string, reason: string): string {
  return `worker ${workerName}: ${withoutWorker(workerName, reason)}`;
}

export function withoutWorker(workerName: string, reason: string): string {
  const prefix = `worker ${workerName}: `;
  return reason.startsWith(prefix) ? reason.slice(prefix.length) : reason;
}
