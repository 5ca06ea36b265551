// MCP server handlers: settings, status, restart, connection check.
import { ShoalError } from '../../../../src-shared/contract';
import type { mcpMethods } from '../../../../src-shared/contract/methods/mcp';
import type { McpServerView } from '../../../../src-shared/contract/runtime-views';
import type { McpServerView as ManagerView } from '../../mcp/mcp-manager';
import type { CoreServices } from '../services';
import type { Handler } from '../dispatch';

function view(v: ManagerView): McpServerView {
  const c = v.config;
  return {
    name: c.name, transport: c.transport, enabled: c.enabled, status: v.status, error: v.error, tools: v.tools,
    command: c.transport === 'stdio' ? c.command : null, args: c.transport === 'stdio' ? c.args : [], cwd: c.transport === 'stdio' ? c.cwd : null,
    url: c.transport === 'http' ? c.url : null, envKeys: c.transport === 'stdio' ? c.envKeys : [], headerKeys: c.transport === 'http' ? c.headerKeys : [],
  };
}

export function mcpHandlers(core: CoreServices): { [M in keyof typeof mcpMethods]: Handler<M> } {
  const mcp = core.runtime.mcp;
  return {
    'mcp.list': () => ({ servers: mcp.list().map(view), summary: mcp.summary() }),
    'mcp.save': async ({ previousName, server }) => view(await mcp.save(server, previousName)),
    'mcp.delete': async ({ name }) => {
      if (!(await mcp.remove(name))) throw new ShoalError('not_found', `No MCP server named "${name}".`);
      return { ok: true };
    },
    'mcp.restart': async ({ name }) => {
      const v = await mcp.start(name);
      if (!v) throw new ShoalError('not_found', `No MCP server named "${name}".`);
      return view(v);
    },
    'mcp.check': ({ previousName, server }) => mcp.check(server, previousName),
  };
}
