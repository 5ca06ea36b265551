// How any view hands a spec to the launch preview (the provider lives in app/spec-intake.tsx).
import { createContext, useContext } from 'react';
import type { Draft } from './drafts';

export interface SpecIntake {
  /** Opens the system file picker for task specs (several may be picked). */
  open(): void;
  /** Previews spec text that did not come from a file picker: pasted, or an example. */
  addText(filename: string, text: string, source: Draft['source']): void;
  /** Shows the gallery of example specs. */
  showExamples(): void;
}

export const IntakeContext = createContext<SpecIntake>({ open: () => {}, addText: () => {}, showExamples: () => {} });

export function useSpecIntake(): SpecIntake {
  return useContext(IntakeContext);
}
