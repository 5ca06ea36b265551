// A spec the person is looking at before launching it: where it came from, its text (editable in
// the preview) and the workspace folder it will run in.
export const SPEC_EXTENSIONS = ['.json', '.yaml', '.yml', '.toml'] as const;

export interface Draft {
  key: string;
  filename: string;
  text: string;
  workspace: string;
  source: 'file' | 'paste' | 'example';
}

let counter = 0;

export function newDraft(filename: string, text: string, source: Draft['source'], workspace = lastWorkspace()): Draft {
  counter += 1;
  return { key: `${Date.now().toString(36)}-${counter}`, filename, text, workspace, source };
}

export function isSpecFile(name: string): boolean {
  const lower = name.toLowerCase();
  return SPEC_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Pasted text with no file name: the name only tells the parser the format, and the run its default name. */
export function pastedFilename(text: string): string {
  const first = text.trimStart()[0];
  return first === '{' || first === '[' && !/^\s*\[\[?[\w.-]+\]\]?\s*$/m.test(text) ? 'pasted-spec.json'
    : /^\s*\[\[?[\w."-]+\]\]?\s*$/m.test(text) || /^\s*[\w"-]+\s*=\s*\S/m.test(text) ? 'pasted-spec.toml' : 'pasted-spec.yaml';
}

// The last workspace a run was launched in, offered for the next one. A convenience of this
// window only: the run itself records its workspace in the store.
const WORKSPACE_KEY = 'shoal.lastWorkspace';

export function lastWorkspace(): string {
  try {
    return localStorage.getItem(WORKSPACE_KEY) ?? '';
  } catch {
    return '';
  }
}

export function rememberWorkspace(workspace: string): void {
  try {
    if (workspace.trim()) localStorage.setItem(WORKSPACE_KEY, workspace.trim());
  } catch {
    // Storage unavailable: the field just starts empty next time.
  }
}
