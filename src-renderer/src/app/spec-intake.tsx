// Task specs come in two ways: dropped anywhere on the window, or picked with Open. Both end in
// `receive`. Dropping a file must never make the window navigate to it, so the whole window is a
// drop target.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { DropIcon } from '../ui/icons';
import { useToast } from '../ui/Toaster';

export const SPEC_EXTENSIONS = ['.json', '.yaml', '.yml', '.toml'] as const;

interface SpecIntake {
  /** Opens the system file picker for a task spec. */
  open(): void;
}

const IntakeContext = createContext<SpecIntake>({ open: () => {} });

export function useSpecIntake(): SpecIntake {
  return useContext(IntakeContext);
}

function isSpecFile(name: string): boolean {
  const lower = name.toLowerCase();
  return SPEC_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

function hasFiles(event: DragEvent): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes('Files');
}

export function SpecIntakeProvider({ children }: { children: ReactNode }) {
  const toast = useToast();
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);

  const receive = useCallback((files: File[]) => {
    for (const file of files) {
      if (!isSpecFile(file.name)) {
        toast(`"${file.name}" is not a task spec: Shoal reads JSON, YAML or TOML files.`, 'failed');
      } else {
        // Submitting a spec needs the runs submission method, which lands with the runs feature.
        toast(`Received "${file.name}". Starting runs from a spec is not available in this build yet.`);
      }
    }
  }, [toast]);

  useEffect(() => {
    let depth = 0; // dragenter/dragleave fire for every child element crossed
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setDragging(true);
    };
    const onLeave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (e: DragEvent) => {
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const files = Array.from(e.dataTransfer?.files ?? []);
      if (files.length > 0) receive(files);
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [receive]);

  const [intake] = useState<SpecIntake>(() => ({ open: () => input.current?.click() }));

  return (
    <IntakeContext.Provider value={intake}>
      {children}
      <input ref={input} type="file" hidden accept={SPEC_EXTENSIONS.join(',')} data-testid="spec-file-input"
        onChange={(e) => {
          receive(Array.from(e.target.files ?? []));
          e.target.value = '';
        }} />
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-card"><DropIcon size={24} /><strong>Drop to start a run</strong><span>JSON, YAML or TOML task spec</span></div>
        </div>
      )}
    </IntakeContext.Provider>
  );
}
