// The strip under the header: what this list is, and the view's own actions on the right.
import type { ReactNode } from 'react';

export function PageToolbar({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <div className="toolbar">
      <div className="toolbar-text">{children}</div>
      {actions && <div className="toolbar-actions">{actions}</div>}
    </div>
  );
}
