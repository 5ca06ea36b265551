import { EmptyState } from '../../ui/EmptyState';
import { ApprovalsIcon } from '../../ui/icons';

export function ApprovalsView() {
  return (
    <EmptyState testId="approvals-empty" icon={<ApprovalsIcon size={22} />} title="Nothing waiting for you">
      <p>
        When an agent wants to run a command that its exec policy does not allow on its own, it stops and asks here.
        You will see the command, where it would run and why — approve it once, or deny it.
      </p>
    </EmptyState>
  );
}
