// A minimal task spec in each format Shoal reads, so a new user can copy one and drop it back in.
import { useId, useState, type KeyboardEvent } from 'react';

const EXAMPLES = {
  YAML: `name: tidy-repo
task_specs:
  - id: lint
    name: Fix lint warnings
    instructions: Run the linter and fix every warning.
    scorer: { kind: exit_code }`,
  JSON: `{
  "name": "tidy-repo",
  "task_specs": [{
    "id": "lint",
    "name": "Fix lint warnings",
    "instructions": "Run the linter and fix every warning.",
    "scorer": { "kind": "exit_code" }
  }]
}`,
  TOML: `name = "tidy-repo"

[[task_specs]]
id = "lint"
name = "Fix lint warnings"
instructions = "Run the linter and fix every warning."
scorer = { kind = "exit_code" }`,
} as const;

type Format = keyof typeof EXAMPLES;
const FORMATS = Object.keys(EXAMPLES) as Format[];

export function SpecExample() {
  const [format, setFormat] = useState<Format>('YAML');
  const id = useId();

  // Arrow keys move between tabs (the WAI-ARIA tabs pattern); Tab moves on to the panel.
  function onKeyDown(e: KeyboardEvent<HTMLDivElement>): void {
    const delta = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!delta) return;
    e.preventDefault();
    const next = FORMATS[(FORMATS.indexOf(format) + delta + FORMATS.length) % FORMATS.length]!;
    setFormat(next);
    document.getElementById(`${id}-${next}`)?.focus();
  }

  return (
    <div className="example">
      <div className="example-tabs" role="tablist" aria-label="Example format" onKeyDown={onKeyDown}>
        {FORMATS.map((f) => (
          <button key={f} id={`${id}-${f}`} type="button" role="tab" className="example-tab" aria-selected={f === format}
            aria-controls={`${id}-panel`} tabIndex={f === format ? 0 : -1} onClick={() => setFormat(f)}>
            {f}
          </button>
        ))}
        <span className="example-file">tidy-repo.{format.toLowerCase()}</span>
      </div>
      <pre id={`${id}-panel`} role="tabpanel" aria-labelledby={`${id}-${format}`} tabIndex={0} className="example-code"><code>{EXAMPLES[format]}</code></pre>
    </div>
  );
}
