import { useShoalQuery } from '../../transport/query';
import { AlertChannelsSetting } from '../alerts/AlertChannelsSetting';
import { HooksSetting } from '../alerts/HooksSetting';
import '../alerts/alerts.css';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { AboutBlock } from './AboutBlock';
import { AgentListenerSetting } from './AgentListenerSetting';
import { AgentsSettings } from './AgentsSettings';
import { McpServersSettings } from './McpServersSettings';
import { NotificationsSetting } from './NotificationsSetting';
import { PolicySettings } from './PolicySettings';
import { ProvidersSettings } from './ProvidersSettings';
import { ThemeSetting } from './ThemeSetting';

export function SettingsView() {
  const settings = useShoalQuery('settings.get', {});
  return (
    <div className="settings">
      <section className="panel" aria-labelledby="settings-general">
        <h2 id="settings-general" className="panel-title">General</h2>
        {settings.isPending && <Loading label="Loading settings…" />}
        {settings.isError && <ErrorNotice title="Could not load settings" error={settings.error} onRetry={() => void settings.refetch()} />}
        {settings.data && (
          <>
            <ThemeSetting value={settings.data.theme} />
            <NotificationsSetting value={settings.data.notifications} />
          </>
        )}
      </section>
      <ProvidersSettings />
      <AgentsSettings />
      <McpServersSettings />
      <PolicySettings />
      <AlertChannelsSetting />
      <HooksSetting />
      <AgentListenerSetting />
      <section className="panel" aria-labelledby="settings-about">
        <h2 id="settings-about" className="panel-title">About</h2>
        <AboutBlock />
      </section>
    </div>
  );
}
