import { EmptyState } from '../../ui/EmptyState';
import { JobsIcon } from '../../ui/icons';

export function JobsView() {
  return (
    <EmptyState testId="jobs-empty" icon={<JobsIcon size={22} />} title="No background jobs">
      <p>
        Jobs are the work Shoal does behind the scenes — leasing tasks, retries with backoff, scoring results,
        sending alerts. Each shows its state, attempts and history here, so a stuck retry is never silent.
      </p>
    </EmptyState>
  );
}
