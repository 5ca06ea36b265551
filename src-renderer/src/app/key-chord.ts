// The "g" of a two-key navigation chord (g r, g a, …) is shared state: while it is armed the next key
// belongs to the chord, so no single-key shortcut elsewhere (the approval dialog's A, S, D, …) may act
// on it.
const CHORD_MS = 1500;
let armedAt = 0;

export function armChord(): void {
  armedAt = Date.now();
}

export function disarmChord(): void {
  armedAt = 0;
}

/** True while a chord's first key was pressed and its second is still awaited. */
export function chordPending(): boolean {
  return armedAt !== 0 && Date.now() - armedAt < CHORD_MS;
}
