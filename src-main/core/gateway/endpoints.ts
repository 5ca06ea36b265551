// The gateway's two endpoints per attempt, both on 127.0.0.1 behind the attempt's secret:
// `/mcp/<secret>` (MCP Streamable HTTP: the tools, and Claude Code's permission-prompt tool) and
// `/hook/<secret>` (Claude Code's PreToolUse http hook: every tool call, before Claude runs it).

/** The hook endpoint of the attempt whose MCP endpoint is `mcpUrl`. */
export function hookUrlOf(mcpUrl: string): string {
  return mcpUrl.replace(/\/mcp\/([0-9a-f]+)\/?$/, '/hook/$1');
}

export const ENDPOINT_PATH = /^\/(mcp|hook)\/([0-9a-f]{16,})\/?$/;
