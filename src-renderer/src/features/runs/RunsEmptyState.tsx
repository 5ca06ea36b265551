import { EmptyState } from '../../ui/EmptyState';
import { DropIcon } from '../../ui/icons';
import { ExamplesGallery } from '../launch/ExamplesGallery';
import { OpenSpecButton } from './OpenSpecButton';
import { SpecExample } from './SpecExample';
import './runs.css';

export function RunsEmptyState() {
  return (
    <EmptyState testId="runs-empty" icon={<DropIcon size={22} />} title="Start your first run">
      <p>
        Drop a task spec — <strong>JSON</strong>, <strong>YAML</strong> or <strong>TOML</strong> — anywhere on this window,
        or open one. Shoal queues its tasks, leases them to your workers and verifies every result.
      </p>
      <div className="empty-actions"><OpenSpecButton primary /></div>
      <p className="empty-paste-hint">Spec text on the clipboard? Press <kbd className="kbd">Ctrl</kbd> <kbd className="kbd">V</kbd> anywhere here.</p>
      <section className="runs-gallery" aria-labelledby="gallery-title">
        <h3 id="gallery-title" className="runs-gallery-title">Or try an example</h3>
        <ExamplesGallery />
      </section>
      <SpecExample />
    </EmptyState>
  );
}
