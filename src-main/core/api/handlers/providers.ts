// Model provider handlers. Keys are accepted and sealed, never returned.
import { ShoalError } from '../../../../src-shared/contract';
import type { providerMethods } from '../../../../src-shared/contract/methods/providers';
import { checkProvider } from '../../providers/check-provider';
import { checkKeyFollows, checkKeyTransport, normalizeBaseUrl } from '../../providers/provider-registry';
import type { CoreServices } from '../services';
import type { Handler } from '../dispatch';

export function providerHandlers(core: CoreServices): { [M in keyof typeof providerMethods]: Handler<M> } {
  const registry = core.runtime.providers;
  return {
    'providers.list': () => registry.list(),
    'providers.save': (input) => registry.save(input),
    'providers.delete': ({ id }) => {
      if (!registry.delete(id)) throw new ShoalError('not_found', `No model provider with id "${id}".`);
      return { ok: true };
    },
    'providers.check': async ({ id, name, baseUrl, model, apiKey }) => {
      const saved = id ? registry.resolve(id) : null;
      if (id && (!saved || saved.config.id !== id)) throw new ShoalError('not_found', `No model provider with id "${id}".`);
      const url = baseUrl ?? saved?.config.baseUrl;
      const m = model?.trim() || saved?.config.model;
      if (!url) throw new ShoalError('invalid_input', 'baseUrl: required', ['baseUrl: required']);
      if (!m) throw new ShoalError('invalid_input', 'model: required', ['model: required']);
      const config = { id: id ?? 'unsaved', name: name?.trim() || saved?.config.name || 'The provider', baseUrl: normalizeBaseUrl(url), model: m };
      // A key typed in the form wins; otherwise the stored one (the form never has it), but only
      // for the server it was saved for.
      if (saved) checkKeyFollows(saved.config, config.baseUrl, apiKey, registry.hasStoredKey(saved.config.id));
      const key = apiKey === undefined ? (saved?.apiKey ?? null) : apiKey;
      if (key) checkKeyTransport(config.baseUrl);
      return checkProvider(config, key);
    },
  };
}
