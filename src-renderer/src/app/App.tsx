// The shell: sidebar, header with connection state, and the routed view. Everything inside talks
// to main only through the contract hooks in ../transport.
import { ApprovalDialogHost } from '../features/approvals/ApprovalDialogHost';
import { DesktopNotifications } from '../features/notifications/DesktopNotifications';
import { Toaster } from '../ui/Toaster';
import { ConnectionBanner } from './ConnectionBanner';
import { Header } from './Header';
import { RouteView } from './sections';
import { Sidebar } from './Sidebar';
import { SpecIntakeProvider } from './spec-intake';
import { useConnectionState } from './use-connection-state';
import { useGoShortcuts } from './use-go-shortcuts';
import { useCanonicalHash, useRoute } from './use-route';
import { useThemeSync } from './use-theme-sync';

export function App() {
  const route = useRoute();
  useCanonicalHash(route);
  const connection = useConnectionState();
  useThemeSync();
  useGoShortcuts();
  return (
    <Toaster>
      <DesktopNotifications />
      <ApprovalDialogHost />
      <SpecIntakeProvider>
        <a className="skip-link" href="#content" onClick={(e) => {
          e.preventDefault();
          document.getElementById('content')?.focus();
        }}>Skip to content</a>
        <div className="shell">
          <Sidebar current={route.section} />
          <div className="main">
            <Header route={route} connection={connection} />
            {connection.lost && <ConnectionBanner />}
            <main id="content" className="content" tabIndex={-1} data-section={route.section}>
              <RouteView key={`${route.section}/${route.params.join('/')}`} route={route} />
            </main>
          </div>
        </div>
      </SpecIntakeProvider>
    </Toaster>
  );
}
