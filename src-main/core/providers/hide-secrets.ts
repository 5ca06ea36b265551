// Secrets a remote party may echo back (a proxy repeating the API key it was sent, an MCP server
// printing its token, an HTTP receiver naming its URL path) are cut out of any text a person or a
// log will see. One place for every channel: alerts, hooks, model providers, MCP servers.

/** `text` with every one of `secrets` replaced by `placeholder`, longest first, so a secret that
 *  contains another is hidden whole. */
export function hideSecrets(text: string, secrets: readonly string[], placeholder = '…'): string {
  let out = text;
  for (const s of [...secrets].filter((v) => v.length > 0).sort((a, b) => b.length - a.length)) out = out.split(s).join(placeholder);
  return out;
}
