// Work a host started for an attempt whose ref no store ever recorded, as the window between "the
// host started it" and "Shoal stored its ref" leaves it when Shoal crashes or loses the connection
// right there: started through the driver's own code (its container labels, its SSH marker), with a
// sink that records nothing.
import fs from 'node:fs';
import type { AttemptSink, HostDriver, HostExit } from '../hosts/host-driver';
import type { HostRef } from '../hosts/host-ref';

export interface UnrecordedWork {
  /** The ref the driver knew (the store never saw it). */
  ref: HostRef;
  /** Settles once the driver saw the work end (e.g. a sweep ended it). */
  finished: Promise<HostExit>;
}

/** `dir`: the attempt's local workdir, `artifactsDir` (default: `dir`.artifacts) its own. */
export async function startUnrecorded(driver: HostDriver, at: { storeId: string; runId: string; taskId?: string; attempt?: number; dir: string; artifactsDir?: string; command: string; args: string[] }): Promise<UnrecordedWork> {
  let finish!: (exit: HostExit) => void;
  const finished = new Promise<HostExit>((resolve) => (finish = resolve));
  const sink: AttemptSink = { started() {}, output() {}, diagnostics() {}, events() {}, artifacts() {}, finish };
  const ref = await driver.start({
    workerName: 'unrecorded', runId: at.runId, taskId: at.taskId ?? 't', attempt: at.attempt ?? 1,
    launch: { command: at.command, args: at.args, env: { SHOAL_WORKDIR: at.dir }, stream: 'plain' },
    workdir: { dir: at.dir, branch: null, baseCommit: null, repo: null }, artifactsDir: at.artifactsDir ?? mkdir(`${at.dir}.artifacts`), gatewayUrl: null, killGraceMs: 500, storeId: at.storeId,
  }, sink, new AbortController().signal);
  return { ref, finished };
}

function mkdir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
