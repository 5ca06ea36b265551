// `shoal run SPEC --server URL`: the run is created by, and runs on, a host that is already running;
// this process only submits it and follows it with the same progress lines and summary table.
import type { RunSummary, TaskRow } from '../../src-shared/contract';
import { RemoteError } from '../../src-shared/contract/envelope';
import type { CliIo } from './io';
import { readSpecText } from './read-spec';
import { ProgressDisplay, summaryTable } from './progress';
import { ServerClient } from './server-client';
import { FINISHED_RUN_STATUSES, isIn } from '../../src-shared/protocol/event-states';

const WAITING_FOR_A_PERSON = new Set(['review']);

export async function runOnServer(file: string, opts: { url: string; token?: string; workspace: string | null; json: boolean }, io: CliIo): Promise<number> {
  const refused = (issues: readonly string[]): number => {
    for (const issue of issues) io.stderr.write(issue + '\n');
    io.stderr.write(`${file}: invalid spec; nothing was run\n`);
    return 2;
  };
  const read = readSpecText(file, io.cwd);
  if (read.text === null) return refused([read.issue]);
  const { file: full, text } = read;
  const client = await ServerClient.connect(opts.url, opts.token);
  try {
    let check: { ok: boolean; issues?: string[]; warnings?: string[] };
    try {
      check = await client.call<{ ok: boolean; issues?: string[]; warnings?: string[] }>('specs.validate', { text, filename: full, workspace: opts.workspace });
    } catch (e) {
      // The host refuses the input itself (a spec text over its size limit): by field, exit 2.
      if (e instanceof RemoteError && e.code === 'invalid_input') return refused(e.body.issues ?? [e.message]);
      throw e;
    }
    if (!check.ok) return refused(check.issues ?? []);
    for (const w of check.warnings ?? []) io.stderr.write(`warning: ${w}\n`);
    let runId: string;
    try {
      ({ runId } = await client.call<{ runId: string }>('specs.launch', { text, filename: full, workspace: opts.workspace }));
    } catch (e) {
      // Refused for what the spec says (its run id is taken, or it changed meaning since the check):
      // exit 2 with each problem by field, as for a spec refused by the check.
      if (!(e instanceof RemoteError) || (e.code !== 'invalid_input' && e.code !== 'conflict')) throw e;
      return refused(e.body.issues ?? [e.message]);
    }
    io.stderr.write(`run ${runId} (on ${new URL(opts.url).host})\n`);
    const display = new ProgressDisplay(io.stderr as NodeJS.WritableStream & { isTTY?: boolean });
    let view: { run: RunSummary; tasks: TaskRow[] };
    for (;;) {
      view = await client.call<{ run: RunSummary; tasks: TaskRow[] }>('runs.get', { runId });
      display.render(view.run.name, view.tasks);
      // A task "no worker offers" may still be taken by a remote agent that joins the host: only
      // finished tasks and tasks waiting for a person end the wait.
      const idle = view.tasks.every((t) => ['passed', 'failed', 'timeout', 'skipped', 'cancelled'].includes(t.state) || WAITING_FOR_A_PERSON.has(t.state));
      if (isIn(FINISHED_RUN_STATUSES, view.run.status) || idle) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const receipts = await client.call<Array<Record<string, unknown>>>('tasks.receipts', { runId });
    io.stderr.write('\n' + summaryTable(view.tasks, receipts));
    // The same line an embedded `shoal run --json` prints, made by the host from its store.
    if (opts.json) io.stdout.write((await client.call<{ json: string }>('runs.export', { runId })).json + '\n');
    return view.tasks.every((t) => t.state === 'passed') ? 0 : 1;
  } finally {
    client.close();
  }
}
