// What a section shows before it has anything: what will appear here and what to do next.
import type { ReactNode } from 'react';

export function EmptyState({ icon, title, children, testId }: { icon: ReactNode; title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="empty" data-testid={testId ?? 'empty-state'} aria-label={title}>
      <div className="empty-icon" aria-hidden="true">{icon}</div>
      <h2 className="empty-title">{title}</h2>
      <div className="empty-body">{children}</div>
    </section>
  );
}
