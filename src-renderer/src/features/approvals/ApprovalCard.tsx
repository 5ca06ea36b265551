// What a person needs to decide: which task or thread asks, the command and where it would run,
// for a file write the diff, and the rule that stopped it with the reason.
import type { ApprovalView } from '../../../../src-shared/contract/methods/approvals';
import { placeText } from '../../../../src-shared/contract/worker-place';
import { hrefFor } from '../../app/use-route';
import { formatAbsolute, formatRelative } from '../../ui/format';
import { useNow } from '../../ui/use-now';
import { DiffPreview } from './DiffPreview';

export function ApprovalCard({ approval: a }: { approval: ApprovalView }) {
  const now = useNow(5000);
  const shell = a.tool === 'exec_shell';
  return (
    <div className="approval-card" data-testid="approval-card" data-approval-id={a.id}>
      <p className="approval-who">
        {a.runId && a.taskId
          ? <>Task <a href={hrefFor('runs', a.runId, a.taskId)}>{a.taskName ?? a.taskId}</a> <span className="muted">· attempt {a.attempt} · run {a.runId}</span></>
          : a.threadId ? <>Thread <a className="mono" href={hrefFor('threads', a.threadId)} data-testid="approval-thread">{a.threadId}</a></> : <>Thread</>}
        <span className="muted" title={formatAbsolute(a.createdAt)}> · asked {formatRelative(a.createdAt, now)}</span>
      </p>
      <div className="approval-field">
        <span className="approval-label">{shell ? 'Command' : 'Tool call'}</span>
        <pre className="approval-code" data-testid="approval-command">{shell ? <><span className="approval-prompt" aria-hidden="true">$ </span>{a.request.command}</> : a.request.command}</pre>
      </div>
      <div className="approval-field">
        <span className="approval-label">Working directory</span>
        <code className="approval-cwd" data-testid="approval-cwd">{a.request.cwd}</code>
        {a.runsOn && (
          <span className="approval-host muted" data-testid="approval-host">
            on {placeText(a.runsOn)}
          </span>
        )}
      </div>
      {a.diff && (
        <div className="approval-field">
          <span className="approval-label">Changes it would make</span>
          <DiffPreview text={a.diff} />
        </div>
      )}
      <div className="approval-why" data-testid="approval-rule">
        <span className="approval-label">Why you are asked</span>
        {a.request.matched_rule
          ? <p>Rule <code>{a.request.matched_rule}</code></p>
          : <p>No rule matched; the approval mode asks.</p>}
        <p className="muted">{a.request.reason}</p>
        {a.agentReason && <p>The agent says: <q>{a.agentReason}</q></p>}
      </div>
    </div>
  );
}
