import { EmptyState } from '../../ui/EmptyState';
import { DropIcon } from '../../ui/icons';
import { OpenSpecButton } from './OpenSpecButton';
import { SpecExample } from './SpecExample';

export function RunsEmptyState() {
  return (
    <EmptyState testId="runs-empty" icon={<DropIcon size={22} />} title="Start your first run">
      <p>
        Drop a task spec — <strong>JSON</strong>, <strong>YAML</strong> or <strong>TOML</strong> — anywhere on this window,
        or open one. Shoal queues its tasks, leases them to your workers and verifies every result.
      </p>
      <div className="empty-actions"><OpenSpecButton primary /></div>
      <SpecExample />
    </EmptyState>
  );
}
