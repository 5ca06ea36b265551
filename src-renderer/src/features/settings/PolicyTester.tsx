// "Which rule decides this?" Type a command (or pick a file tool and a path) and see the decision,
// the rule that made it and why, segment by segment for a chained command. Nothing runs.
import { useDeferredValue, useState } from 'react';
import { BUILTIN_TOOLS } from '../../../../src-shared/contract/methods/policy';
import { useShoalQuery } from '../../transport/query';
import { RuleAction } from './policy-rule-text';

export function PolicyTester() {
  const [tool, setTool] = useState<string>('exec_shell');
  const [subject, setSubject] = useState('');
  const deferred = useDeferredValue(subject);
  const shell = tool === 'exec_shell';
  const input = shell ? { tool, command: deferred } : { tool, path: deferred };
  const result = useShoalQuery('approvals.rules.test', input, { enabled: deferred.trim() !== '', staleTime: 0 });
  const d = deferred.trim() !== '' ? result.data : undefined;
  return (
    <div className="policy-tester" data-testid="policy-tester">
      <h3 className="policy-subtitle">Test a command</h3>
      <div className="policy-tester-row">
        <select className="input policy-tester-tool" aria-label="Tool" value={tool} onChange={(e) => setTool(e.target.value)}>
          {BUILTIN_TOOLS.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <input className="input mono" aria-label={shell ? 'Command to test' : 'Path to test'} placeholder={shell ? 'git status && git push origin main' : 'config/app.env'}
          value={subject} onChange={(e) => setSubject(e.target.value)} />
      </div>
      {result.error && deferred.trim() !== '' && <p className="setting-error" role="alert">{result.error.message}</p>}
      {d && (
        <div className="policy-verdict" data-testid="policy-verdict" data-action={d.action} aria-live="polite">
          <p className="policy-verdict-head">
            <RuleAction action={d.action} />
            {d.matchedRule ? <span>decided by <code>{d.matchedRule}</code> <span className="muted">({d.layer} rule “{d.ruleId}”)</span></span> : <span className="muted">no rule matches</span>}
          </p>
          <p className="muted policy-verdict-reason">{d.reason}</p>
          {d.segments.length > 1 && (
            <ol className="policy-segments">
              {d.segments.map((s, i) => (
                <li key={i}><RuleAction action={s.action} /> <code>{s.command}</code> <span className="muted">{s.matchedRule ?? 'no rule'}</span></li>
              ))}
            </ol>
          )}
        </div>
      )}
    </div>
  );
}
