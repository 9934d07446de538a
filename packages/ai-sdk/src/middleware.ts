import type { Meter } from '@agentmeter/sdk';
import { resolveWrapperSettings, runOuterLayer } from '@agentmeter/sdk/integration';
import type { LanguageModelMiddleware } from 'ai';
import { MeteredStep } from './call.js';
import { MIDDLEWARE_SPEC } from './options.js';
import { observeStream } from './stream.js';
import type { MeterMiddlewareOptions } from './types.js';

/**
 * Language-model middleware that meters every model step: one meter event per `doGenerate` /
 * `doStream` call, so a multi-step `generateText` bills each step with its own usage. Use it with
 * `wrapLanguageModel({ model, middleware: meterMiddleware(meter, options) })`.
 *
 * The inner call runs as an outer layer: if the model's client is itself wrapped by a provider-level
 * agentmeter wrapper, that wrapper meters the call and this middleware does not.
 */
export function meterMiddleware(meter: Meter, options: MeterMiddlewareOptions): LanguageModelMiddleware {
  const settings = resolveWrapperSettings(meter, options, MIDDLEWARE_SPEC);
  return {
    specificationVersion: 'v3',
    wrapGenerate: async ({ doGenerate, params, model }) => {
      const step = new MeteredStep(settings, model, params.providerOptions, false);
      return runOuterLayer(async (scope) => {
        let result: Awaited<ReturnType<typeof doGenerate>>;
        try {
          result = await doGenerate();
        } catch (error) {
          step.fail(error, scope);
          throw error;
        }
        const outcome: Parameters<MeteredStep['finish']>[0] = {
          usage: result.usage,
          providerMetadata: result.providerMetadata,
          scope,
        };
        if (result.response?.id) outcome.responseId = result.response.id;
        if (result.response?.modelId) outcome.responseModel = result.response.modelId;
        step.finish(outcome);
        return result;
      });
    },
    wrapStream: async ({ doStream, params, model }) => {
      const step = new MeteredStep(settings, model, params.providerOptions, true);
      // The stream is piped from inside the outer-layer scope, so the provider client's reads (and
      // a provider-level wrapper metering them) run in that scope too.
      return runOuterLayer(async (scope) => {
        let result: Awaited<ReturnType<typeof doStream>>;
        try {
          result = await doStream();
        } catch (error) {
          step.fail(error, scope);
          throw error;
        }
        return {
          ...result,
          stream: result.stream.pipeThrough(observeStream(step, scope, params.abortSignal)),
        };
      });
    },
  };
}
