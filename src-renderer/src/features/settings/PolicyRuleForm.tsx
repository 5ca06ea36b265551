// Adding or editing one rule. Main validates it (a bad field comes back named, e.g.
// `rule.prefix: only exec_shell rules match a command prefix`) and nothing is saved until it is right.
import { useState, type FormEvent } from 'react';
import { RemoteError } from '../../../../src-shared/contract/envelope';
import { BUILTIN_TOOLS, POLICY_ACTIONS, type PolicyAction, type PolicyRule } from '../../../../src-shared/contract/methods/policy';
import { useShoalMutation } from '../../transport/query';

export function PolicyRuleForm({ rule, onDone }: { rule: PolicyRule | null; onDone: () => void }) {
  const save = useShoalMutation('approvals.rules.save');
  const [form, setForm] = useState({
    id: rule?.id ?? '', tool: rule?.tool ?? 'exec_shell', prefix: rule?.prefix ?? '', path: rule?.path ?? '',
    workspace: rule?.workspace ?? '', action: rule?.action ?? ('ask' as PolicyAction), note: rule?.note ?? '',
  });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const issues = save.error instanceof RemoteError ? save.error.body.issues ?? [] : [];
  const issueFor = (field: string) => {
    const line = issues.find((i) => i.startsWith(`rule.${field}:`) || i.startsWith(`${field}:`));
    return line?.slice(line.indexOf(':') + 2);
  };
  const shell = form.tool === 'exec_shell';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const id = form.id.trim() || suggestId(form);
    const next: PolicyRule = {
      id, tool: form.tool.trim(), action: form.action,
      // Only the field shown for the tool: a path typed before switching the tool to exec_shell (or a
      // prefix before switching away) would make a rule that never matches.
      ...(shell && form.prefix.trim() ? { prefix: form.prefix.trim() } : {}),
      ...(!shell && form.path.trim() ? { path: form.path.trim() } : {}),
      ...(form.workspace.trim() ? { workspace: form.workspace.trim() } : {}),
      ...(form.note.trim() ? { note: form.note.trim() } : {}),
    };
    save.mutate({ rule: next, isNew: rule === null, ...(rule && rule.id !== id ? { previousId: rule.id } : {}) }, { onSuccess: onDone });
  };

  const field = (k: 'id' | 'prefix' | 'path' | 'workspace' | 'note', label: string, hint: string, placeholder = '') => (
    <label className="field">
      <span className="field-label">{label}</span>
      <input className="input" name={k} value={form[k]} onChange={set(k)} placeholder={placeholder} aria-invalid={issueFor(k) ? true : undefined} />
      {issueFor(k) ? <span className="setting-error">{issueFor(k)}</span> : <span className="field-hint">{hint}</span>}
    </label>
  );

  return (
    <form className="policy-form" onSubmit={submit} aria-label={rule ? `Edit rule ${rule.id}` : 'New rule'} data-testid="policy-rule-form">
      <div className="policy-form-grid">
        <label className="field">
          <span className="field-label">Action</span>
          <select className="input" name="action" value={form.action} onChange={set('action')}>
            {POLICY_ACTIONS.map((a) => <option key={a} value={a}>{a === 'allow' ? 'Allow' : a === 'ask' ? 'Ask a person' : 'Deny'}</option>)}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Tool</span>
          <input className="input" name="tool" list="policy-tools" value={form.tool} onChange={set('tool')} aria-invalid={issueFor('tool') ? true : undefined} />
          <datalist id="policy-tools">{BUILTIN_TOOLS.map((t) => <option key={t} value={t} />)}</datalist>
          {issueFor('tool') ? <span className="setting-error">{issueFor('tool')}</span> : <span className="field-hint">A built-in tool, an MCP tool (server__tool) or a glob (github__*).</span>}
        </label>
        {shell
          ? field('prefix', 'Command prefix', 'Word by word: “git push” matches “git push origin”, not “git status”.', 'git push')
          : field('path', 'Path', 'A glob inside the workdir (secrets/**), or an absolute path.', '**/*.env')}
        {field('workspace', 'Workspace (optional)', 'Only for work in this folder.', '/home/me/src/project')}
        {field('id', 'Name', 'A short id; left empty, one is made up.', 'ask-git-push')}
        {field('note', 'Note (optional)', 'Shown with the decision: why this rule exists.')}
      </div>
      {save.error && <p className="setting-error" role="alert">{save.error.message}</p>}
      <div className="policy-form-actions">
        <button type="submit" className="button button-primary" disabled={save.isPending}>{rule ? 'Save rule' : 'Add rule'}</button>
        <button type="button" className="button" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

function suggestId(form: { tool: string; prefix: string; path: string; action: string }): string {
  const what = form.prefix || form.path || form.tool;
  return `${form.action}-${what}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'rule';
}
