// The bundled examples/ specs, each one click away from the launch preview.
import { useSpecIntake } from './intake-context';
import { useShoalQuery } from '../../transport/query';
import { Dialog } from '../../ui/Dialog';
import { ErrorNotice } from '../../ui/QueryStatus';
import './launch.css';

export function ExamplesGallery({ onPicked }: { onPicked?: () => void }) {
  const examples = useShoalQuery('specs.examples', {}, { staleTime: Infinity });
  const intake = useSpecIntake();
  if (examples.isError) return <ErrorNotice title="Could not load the examples" error={examples.error} onRetry={() => void examples.refetch()} />;
  if (!examples.data) return <div className="gallery" aria-busy="true" />;
  if (examples.data.length === 0) return <p className="muted">This installation has no example specs.</p>;
  return (
    <ul className="gallery" aria-label="Example specs" data-testid="examples-gallery">
      {examples.data.map((ex) => (
        <li key={ex.filename} className="gallery-card">
          <div className="gallery-text">
            <span className="gallery-title">{ex.title}</span>
            <span className="gallery-desc">{ex.description}</span>
          </div>
          <div className="gallery-foot">
            <code className="gallery-file">{ex.filename}</code>
            <button type="button" className="button button-small" aria-label={`Try ${ex.title}`} onClick={() => {
              intake.addText(ex.filename, ex.text, 'example');
              onPicked?.();
            }}>Try it</button>
          </div>
        </li>
      ))}
    </ul>
  );
}

export function ExamplesDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Example specs" onClose={onClose} testId="examples-dialog">
      <div className="pad">
        <p className="muted gallery-intro">Each runs on any machine with the shell agent. Try one to see its preview; nothing runs until you launch it.</p>
        <ExamplesGallery onPicked={onClose} />
      </div>
    </Dialog>
  );
}
