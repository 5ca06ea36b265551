// Polls until a condition holds: tests wait for what a person would see, never for a fixed time.
export async function waitFor<T>(what: string, get: () => T | null | undefined | false, ms = 30_000, everyMs = 25): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
