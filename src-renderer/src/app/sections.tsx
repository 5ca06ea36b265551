// The sidebar's sections: label, icon, the "g <key>" shortcut and the view each one shows.
import type { ComponentType, SVGProps } from 'react';
import { AlertsView } from '../features/alerts/AlertsView';
import { ApprovalsView } from '../features/approvals/ApprovalsView';
import { JobsView } from '../features/jobs/JobsView';
import { RunDetailView } from '../features/runs/RunDetailView';
import { RunsView } from '../features/runs/RunsView';
import { TaskView } from '../features/task/TaskView';
import { SettingsView } from '../features/settings/SettingsView';
import { ThreadsView } from '../features/threads/ThreadsView';
import { WorkersView } from '../features/workers/WorkersView';
import { AlertIcon, ApprovalsIcon, JobsIcon, RunsIcon, SettingsIcon, ThreadsIcon, WorkersIcon } from '../ui/icons';
import type { Route, SectionId } from './use-route';

export interface Section {
  id: SectionId;
  label: string;
  /** Second key of the "g <key>" shortcut. */
  key: string;
  icon: ComponentType<SVGProps<SVGSVGElement>>;
}

export const SECTIONS: readonly Section[] = [
  { id: 'runs', label: 'Runs', key: 'r', icon: RunsIcon },
  { id: 'workers', label: 'Workers', key: 'w', icon: WorkersIcon },
  { id: 'threads', label: 'Threads', key: 't', icon: ThreadsIcon },
  { id: 'jobs', label: 'Jobs', key: 'j', icon: JobsIcon },
  { id: 'approvals', label: 'Approvals', key: 'a', icon: ApprovalsIcon },
  { id: 'alerts', label: 'Alerts', key: 'l', icon: AlertIcon },
  { id: 'settings', label: 'Settings', key: 's', icon: SettingsIcon },
];

export function sectionOf(id: SectionId): Section {
  return SECTIONS.find((s) => s.id === id) ?? SECTIONS[0]!;
}

export function RouteView({ route }: { route: Route }) {
  switch (route.section) {
    case 'runs':
      if (route.params[0] && route.params[1]) return <TaskView runId={route.params[0]} taskId={route.params[1]} attempt={route.params[2] ? Number(route.params[2]) : null} />;
      return route.params[0] ? <RunDetailView runId={route.params[0]} /> : <RunsView />;
    case 'workers': return <WorkersView />;
    case 'threads': return <ThreadsView />;
    case 'jobs': return <JobsView />;
    case 'approvals': return <ApprovalsView />;
    case 'alerts': return <AlertsView />;
    case 'settings': return <SettingsView />;
  }
}
