// The spec's text, editable, with line numbers and the lines that have problems marked, so a person
// can fix a spec right in the preview. No wrapping: line N of the text is row N of the gutter. Tab
// is left to move focus (keyboard users must be able to leave the field); indent with spaces.
import { forwardRef, useImperativeHandle, useMemo, useRef, useState } from 'react';

export interface SpecEditorHandle {
  /** Puts the caret at the start of a 1-based line and scrolls it into view. */
  goToLine(line: number): void;
}

const LINE_H = 19;

export const SpecEditor = forwardRef<SpecEditorHandle, {
  text: string;
  onChange: (text: string) => void;
  problemLines: ReadonlyMap<number, string[]>;
  label: string;
}>(function SpecEditor({ text, onChange, problemLines, label }, ref) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [scroll, setScroll] = useState({ top: 0, left: 0 });
  const lineCount = useMemo(() => text.split('\n').length, [text]);

  useImperativeHandle(ref, () => ({
    goToLine(line) {
      const el = area.current;
      if (!el) return;
      const lines = el.value.split('\n');
      let at = 0;
      for (let i = 0; i < Math.min(line - 1, lines.length); i++) at += lines[i]!.length + 1;
      el.focus();
      el.setSelectionRange(at, at + (lines[line - 1]?.length ?? 0));
      el.scrollTop = Math.max(0, (line - 4) * LINE_H);
    },
  }), []);

  return (
    <div className="spec-editor" style={{ ['--line-h' as string]: `${LINE_H}px` }}>
      <div className="spec-gutter" aria-hidden="true">
        <div style={{ transform: `translateY(${-scroll.top}px)` }}>
          {Array.from({ length: lineCount }, (_, i) => {
            const problems = problemLines.get(i + 1);
            return <div key={i} className="spec-gutter-line" data-problem={problems ? true : undefined} title={problems?.join('\n')}>{i + 1}</div>;
          })}
        </div>
      </div>
      <div className="spec-text">
        <div className="spec-marks" aria-hidden="true" style={{ transform: `translateY(${-scroll.top}px)` }}>
          {[...problemLines.keys()].map((line) => <div key={line} className="spec-mark" style={{ top: (line - 1) * LINE_H }} />)}
        </div>
        <textarea ref={area} className="spec-textarea" value={text} spellCheck={false} wrap="off" aria-label={label}
          autoCapitalize="off" autoCorrect="off" data-testid="spec-editor"
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, left: e.currentTarget.scrollLeft })} />
      </div>
    </div>
  );
});
