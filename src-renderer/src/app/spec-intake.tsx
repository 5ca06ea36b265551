// Task specs come in three ways: dropped anywhere on the window (several files at once), picked
// with Open, or pasted (Ctrl/Cmd+V anywhere outside a text field). All of them end in the launch
// preview; nothing is created until the person launches. Dropping a file must never make the
// window navigate to it, so the whole window is a drop target.
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { decodeSpecBytes } from '../../../src-shared/protocol/spec-bytes';
import { isSpecFile, newDraft, SPEC_EXTENSIONS, pastedFilename, type Draft } from '../features/launch/drafts';
import { ExamplesDialog } from '../features/launch/ExamplesGallery';
import { IntakeContext, useSpecIntake, type SpecIntake } from '../features/launch/intake-context';
import { LaunchDialog } from '../features/launch/LaunchDialog';
import { DropIcon } from '../ui/icons';
import { isTyping } from '../ui/is-typing';
import { useToast } from '../ui/Toaster';

export { SPEC_EXTENSIONS, useSpecIntake };

/** Spec files are small; anything bigger is not one (the host refuses over 5 MB too). */
const MAX_SPEC_BYTES = 5_000_000;

function hasFiles(event: DragEvent): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes('Files');
}

export function SpecIntakeProvider({ children }: { children: ReactNode }) {
  const toast = useToast();
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [active, setActive] = useState('');
  const [examples, setExamples] = useState(false);

  const add = useCallback((incoming: Draft[]) => {
    if (incoming.length === 0) return;
    setExamples(false);
    setDrafts((list) => [...list, ...incoming]);
    setActive(incoming[0]!.key);
  }, []);

  const receive = useCallback(async (files: File[]) => {
    const specs: Draft[] = [];
    for (const file of files) {
      if (!isSpecFile(file.name)) toast(`"${file.name}" is not a task spec: Shoal reads JSON, YAML or TOML files (.json, .yaml, .yml, .toml).`, 'failed');
      else if (file.size > MAX_SPEC_BYTES) toast(`"${file.name}" is larger than 5 MB, too big for a task spec.`, 'failed');
      else {
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(await file.arrayBuffer());
        } catch {
          toast(`Could not read "${file.name}".`, 'failed');
          continue;
        }
        // As `shoal run` reads it: UTF-8 only (file.text() turned other bytes into "�" silently).
        const decoded = decodeSpecBytes(bytes);
        if (decoded.ok) specs.push(newDraft(file.name, decoded.text, 'file'));
        else toast(`"${file.name}" is ${decoded.problem}.`, 'failed');
      }
    }
    add(specs);
  }, [add, toast]);

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
      if (files.length > 0) void receive(files);
    };
    const onPaste = (e: ClipboardEvent) => {
      if (isTyping(e.target) || !e.clipboardData) return;
      const files = Array.from(e.clipboardData.files);
      const text = e.clipboardData.getData('text/plain');
      if (files.length > 0) {
        e.preventDefault();
        void receive(files);
      } else if (text.trim() !== '') {
        e.preventDefault();
        add([newDraft(pastedFilename(text), text, 'paste')]);
      }
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    window.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
      window.removeEventListener('paste', onPaste);
    };
  }, [receive, add]);

  const intake = useMemo<SpecIntake>(() => ({
    open: () => input.current?.click(),
    addText: (filename, text, source) => add([newDraft(filename, text, source)]),
    showExamples: () => setExamples(true),
  }), [add]);

  const remove = useCallback((key: string) => setDrafts((list) => {
    const rest = list.filter((d) => d.key !== key);
    setActive((current) => (current === key ? rest[0]?.key ?? '' : current));
    return rest;
  }), []);

  return (
    <IntakeContext.Provider value={intake}>
      {children}
      <input ref={input} type="file" hidden multiple accept={SPEC_EXTENSIONS.join(',')} data-testid="spec-file-input"
        onChange={(e) => {
          void receive(Array.from(e.target.files ?? []));
          e.target.value = '';
        }} />
      {drafts.length > 0 && (
        <LaunchDialog drafts={drafts} active={active} onSelect={setActive} onRemove={remove} onClose={() => setDrafts([])}
          onChange={(d) => setDrafts((list) => list.map((x) => (x.key === d.key ? d : x)))} />
      )}
      {examples && drafts.length === 0 && <ExamplesDialog onClose={() => setExamples(false)} />}
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-card"><DropIcon size={24} /><strong>Drop to start a run</strong><span>JSON, YAML or TOML task specs — several at once is fine</span></div>
        </div>
      )}
    </IntakeContext.Provider>
  );
}
