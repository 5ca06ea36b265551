// Where a stored secret is sent, for the rule that it goes only where it was saved for: a URL's
// scheme, host and port (a path change on the same server is the same place).

/** The URL's origin; the text itself when it is not a URL (then any change is a new place). */
export function urlOrigin(url: string): string {
  try {
    return new URL(url.trim()).origin;
  } catch {
    return url.trim();
  }
}
