// `shoal receipt [RUN] TASK --markdown [--db PATH]`: one task's evidence (what ran, verdict, tests,
// files, attempts, approvals, candidates, landing) as Markdown. Without RUN, the newest run that has
// a task with that id.
import { DB_OPTION, parseCommand, type CommandDoc } from '../args';
import { UsageError, type CliIo } from '../io';
import { openCore } from '../open-core';
import { evidenceMarkdown, gatherEvidence } from '../../core/landing/receipt';

export const doc: CommandDoc = {
  usage: 'receipt [RUN] TASK [options]',
  maxArgs: 2,
  summary: "One task's evidence: what ran, the verdict, tests, files, attempts, approvals, candidates and landing.",
  options: {
    markdown: { type: 'boolean', help: 'as Markdown, ready for a pull request (the default)' },
    json: { type: 'boolean', help: 'as JSON' },
    db: DB_OPTION,
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseCommand(args, doc);
  const [a, b] = positional;
  if (!a) throw new UsageError('which task? e.g. `shoal receipt run-123 lint --markdown`');
  const core = openCore(flags, io);
  try {
    let runId = b ? a : null;
    const taskId = b ?? a;
    if (!runId) {
      runId = core.store.db.prepare<[string], { run_id: string }>(
        `SELECT t.run_id FROM tasks t JOIN runs r ON r.id = t.run_id WHERE t.task_id = ? ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1`).get(taskId)?.run_id ?? null;
      if (!runId) throw new UsageError(`no run has a task "${taskId}"`);
    }
    const evidence = gatherEvidence(core.store, runId, taskId);
    if (!evidence) throw new UsageError(`no task "${taskId}" in run "${runId}"`);
    io.stdout.write(flags.get('json') ? JSON.stringify(evidence) + '\n' : evidenceMarkdown(core.store, runId, taskId));
    return 0;
  } finally {
    core.close();
  }
}
