// The matrix: which layers a user combines around a model call, and what agentmeter must charge for it.
// Each cell makes CALLS_PER_CELL calls and expects exactly that many charges, each with the provider's
// token counts, or, where nothing that reaches agentmeter knows the call's usage, one `usage_missing`
// event per call.
import {
  type CallTokens,
  chatTokens,
  embeddingTokens,
  ID_STYLES,
  type IdStyle,
  messagesTokens,
} from './provider-mock.js';

export const CALLS_PER_CELL = 3;

/** What the user's code calls the model through, and what else is installed around it. */
export type RowName =
  | 'openai-wrapper'
  | 'anthropic-wrapper'
  | 'langchain-handler'
  | 'ai-sdk-middleware'
  | 'openllmetry-openai'
  | 'openllmetry-anthropic'
  | 'openllmetry-anthropic-only'
  | 'openinference-openai'
  | 'two-instrumentations-openai'
  | 'anthropic-sdk-spans'
  | 'ai-sdk-telemetry';

export type Mode = 'plain' | 'stream' | 'embed';

/**
 * `wrapper`: the row's other agentmeter layer (see each row), with spans (if any) reaching agentmeter by
 * no path; `otlp`: spans exported with the OTLP exporter to `/v1/traces`; `processor`: spans given to
 * `AgentmeterSpanProcessor` in process; `meter-first` / `spans-first`: which reaches the server first,
 * the Meter's events or the exported spans; `all`: wrapper, OTLP and the processor together.
 */
export type Combo =
  | 'alone'
  | 'wrapper'
  | 'otlp'
  | 'processor'
  | 'otlp+processor'
  | 'wrapper+otlp:meter-first'
  | 'wrapper+otlp:spans-first'
  | 'wrapper+processor'
  | 'all';

/** The client library the calls go through. */
export type Api = 'openai' | 'anthropic' | 'langchain' | 'ai-sdk';

/** Which OpenTelemetry instrumentation makes model-call spans. */
export type Instrumentation =
  | 'none'
  | 'openllmetry-openai'
  | 'openllmetry-anthropic'
  | 'openinference-openai'
  /** OpenLLMetry and OpenInference both patched onto the openai client: two spans of each call. */
  | 'openllmetry+openinference-openai'
  | 'ai-sdk-telemetry';

export interface RowSpec {
  name: RowName;
  api: Api;
  modes: Mode[];
  combos: Combo[];
  /** What `wrapper` adds in this row. */
  wrapperIs: string;
  /** The agentmeter layer that meters on its own in this row (none: only spans reach agentmeter). */
  base: { providerWrappers: number; framework: boolean };
  instrumentation: Instrumentation;
  /** The Anthropic SDK's own spans are on (whenever a tracer provider is registered). */
  anthropicSdkSpans: boolean;
}

const SPAN_COMBOS: Combo[] = [
  'wrapper',
  'otlp',
  'processor',
  'otlp+processor',
  'wrapper+otlp:meter-first',
  'wrapper+otlp:spans-first',
  'wrapper+processor',
  'all',
];

export const ROWS: RowSpec[] = [
  {
    name: 'openai-wrapper',
    api: 'openai',
    modes: ['plain', 'stream', 'embed'],
    // With no instrumentation, the only span is the caller's (a request span around the calls).
    combos: ['alone', 'wrapper', 'otlp', 'processor'],
    wrapperIs: '@agentmeter/openai withMeter applied a second time (a library and the app both wrap)',
    base: { providerWrappers: 1, framework: false },
    instrumentation: 'none',
    anthropicSdkSpans: false,
  },
  {
    name: 'anthropic-wrapper',
    api: 'anthropic',
    modes: ['plain', 'stream'],
    // With a tracer provider, the Anthropic SDK's own spans appear: the anthropic-sdk-spans row.
    combos: ['alone', 'wrapper'],
    wrapperIs: '@agentmeter/anthropic withMeter applied a second time',
    base: { providerWrappers: 1, framework: false },
    instrumentation: 'none',
    anthropicSdkSpans: false,
  },
  {
    name: 'langchain-handler',
    api: 'langchain',
    modes: ['plain', 'stream'],
    combos: ['alone', 'wrapper', 'otlp', 'processor', 'all'],
    wrapperIs: "@agentmeter/openai withMeter on ChatOpenAI's openai client; spans: OpenLLMetry openai",
    base: { providerWrappers: 0, framework: true },
    instrumentation: 'openllmetry-openai',
    anthropicSdkSpans: false,
  },
  {
    name: 'ai-sdk-middleware',
    api: 'ai-sdk',
    modes: ['plain', 'stream'],
    // With the AI SDK's telemetry on: the ai-sdk-telemetry row.
    combos: ['alone'],
    wrapperIs: '(none)',
    base: { providerWrappers: 0, framework: true },
    instrumentation: 'none',
    anthropicSdkSpans: false,
  },
  {
    name: 'openllmetry-openai',
    api: 'openai',
    modes: ['plain', 'stream'],
    combos: SPAN_COMBOS,
    wrapperIs: '@agentmeter/openai withMeter',
    base: { providerWrappers: 0, framework: false },
    instrumentation: 'openllmetry-openai',
    anthropicSdkSpans: false,
  },
  {
    name: 'openllmetry-anthropic',
    api: 'anthropic',
    modes: ['plain', 'stream'],
    combos: SPAN_COMBOS,
    wrapperIs: '@agentmeter/anthropic withMeter (the Anthropic SDK spans too, as it does by default)',
    base: { providerWrappers: 0, framework: false },
    instrumentation: 'openllmetry-anthropic',
    anthropicSdkSpans: true,
  },
  {
    name: 'openllmetry-anthropic-only',
    api: 'anthropic',
    modes: ['plain', 'stream'],
    // The Anthropic SDK's own spans turned off, so OpenLLMetry's span is the only one with usage.
    combos: ['otlp', 'processor', 'wrapper+otlp:spans-first'],
    wrapperIs: '@agentmeter/anthropic withMeter',
    base: { providerWrappers: 0, framework: false },
    instrumentation: 'openllmetry-anthropic',
    anthropicSdkSpans: false,
  },
  {
    name: 'openinference-openai',
    api: 'openai',
    modes: ['plain', 'stream', 'embed'],
    combos: SPAN_COMBOS,
    wrapperIs: '@agentmeter/openai withMeter',
    base: { providerWrappers: 0, framework: false },
    instrumentation: 'openinference-openai',
    anthropicSdkSpans: false,
  },
  {
    name: 'two-instrumentations-openai',
    api: 'openai',
    modes: ['plain', 'stream', 'embed'],
    // OpenLLMetry is patched first, OpenInference over it: OpenInference's span is the outer one.
    combos: ['otlp', 'processor', 'otlp+processor', 'wrapper+otlp:spans-first', 'all'],
    wrapperIs: '@agentmeter/openai withMeter',
    base: { providerWrappers: 0, framework: false },
    instrumentation: 'openllmetry+openinference-openai',
    anthropicSdkSpans: false,
  },
  {
    name: 'anthropic-sdk-spans',
    api: 'anthropic',
    modes: ['plain', 'stream'],
    combos: SPAN_COMBOS,
    wrapperIs: '@agentmeter/anthropic withMeter',
    base: { providerWrappers: 0, framework: false },
    instrumentation: 'none',
    anthropicSdkSpans: true,
  },
  {
    name: 'ai-sdk-telemetry',
    api: 'ai-sdk',
    modes: ['plain', 'stream', 'embed'],
    combos: SPAN_COMBOS,
    wrapperIs: '@agentmeter/ai-sdk meterMiddleware',
    base: { providerWrappers: 0, framework: false },
    instrumentation: 'ai-sdk-telemetry',
    anthropicSdkSpans: false,
  },
];

/** Everything one cell sets up. */
export interface Layers {
  providerWrappers: number;
  framework: boolean;
  instrumentation: Instrumentation;
  anthropicSdkSpans: boolean;
  /** A tracer provider is registered globally (spans exist, whether or not they reach agentmeter). */
  tracing: boolean;
  otlp: boolean;
  processor: boolean;
  /**
   * What reaches the server first when both the Meter's events and exported spans do. The OTLP exporter
   * sends OTLP/JSON (exporter-trace-otlp-http) in `meter-first` cells and protobuf (exporter-trace-otlp-proto)
   * everywhere else, so both of the server's decoders are in the matrix.
   */
  order: 'meter-first' | 'spans-first';
}

export interface Cell {
  id: string;
  row: RowSpec;
  mode: Mode;
  ids: IdStyle;
  combo: Combo;
  layers: Layers;
  /** Per call: `input/output`, or `usage_missing`; sorted. */
  expected: string[];
}

export function layersOf(row: RowSpec, combo: Combo): Layers {
  const spansOnly = row.base.providerWrappers === 0 && !row.base.framework;
  const withWrapper = combo === 'wrapper' || combo.startsWith('wrapper+') || combo === 'all';
  const otlp =
    combo === 'otlp' || combo === 'otlp+processor' || combo.startsWith('wrapper+otlp') || combo === 'all';
  const processor =
    combo === 'processor' || combo === 'otlp+processor' || combo === 'wrapper+processor' || combo === 'all';
  const layers: Layers = {
    providerWrappers: row.base.providerWrappers,
    framework: row.base.framework,
    instrumentation: 'none',
    anthropicSdkSpans: false,
    tracing: otlp || processor,
    otlp,
    processor,
    order: combo === 'wrapper+otlp:meter-first' ? 'meter-first' : 'spans-first',
  };
  if (withWrapper) {
    if (row.name === 'ai-sdk-telemetry') layers.framework = true;
    else layers.providerWrappers += 1;
  }
  // In the wrapper rows, combos with spans add the row's instrumentation (none for the openai wrapper:
  // its spans are the caller's only); in the span rows, the instrumentation is always on, with a tracer
  // provider registered even when its spans reach agentmeter by no path.
  if (spansOnly) {
    layers.tracing = true;
    layers.instrumentation = row.instrumentation;
    layers.anthropicSdkSpans = row.anthropicSdkSpans;
  } else if (layers.tracing) {
    layers.instrumentation = row.instrumentation;
    layers.anthropicSdkSpans = row.anthropicSdkSpans;
  }
  return layers;
}

/** Whether spans of this kind of call carry its token counts. */
function spansHaveUsage(layers: Layers, mode: Mode): boolean {
  if (layers.anthropicSdkSpans) return true;
  switch (layers.instrumentation) {
    case 'openllmetry-openai':
      // Its stream wrapper reads no usage from the chunks (it counts nothing unless enrichTokens estimates).
      return mode === 'plain';
    case 'openllmetry-anthropic':
      return true;
    case 'openinference-openai':
    case 'openllmetry+openinference-openai':
      // No usage on streamed chat spans, nor on embedding spans.
      return mode === 'plain';
    case 'ai-sdk-telemetry':
      return true;
    case 'none':
      return false;
  }
}

function tokensOf(api: Api, mode: Mode): (k: number) => CallTokens {
  if (mode === 'embed') return embeddingTokens;
  return api === 'anthropic' ? messagesTokens : chatTokens;
}

export function expectedOf(row: RowSpec, mode: Mode, layers: Layers): string[] {
  const inProcess = layers.providerWrappers > 0 || layers.framework;
  const spansReach =
    (layers.otlp || layers.processor) && (layers.instrumentation !== 'none' || layers.anthropicSdkSpans);
  const known = inProcess || (spansReach && spansHaveUsage(layers, mode));
  const tokens = tokensOf(row.api, mode);
  const expected: string[] = [];
  for (let k = 0; k < CALLS_PER_CELL; k++) {
    if (known) {
      const { input, output } = tokens(k);
      expected.push(`${input}/${output}`);
    } else expected.push('usage_missing');
  }
  return expected.sort();
}

/** Modes and combos a row leaves out, and why (listed in the report). */
export const LEFT_OUT: string[] = [
  'anthropic-* × embed: Anthropic has no embeddings API.',
  'langchain-handler × embed, ai-sdk-middleware × embed: the handler and the middleware meter chat models only (LangChain embeddings emit no callbacks; the AI SDK middleware is a language-model middleware).',
  'openllmetry-openai × embed: OpenLLMetry 0.27 does not instrument embeddings.create (no span: nothing reaches agentmeter but a wrapper).',
  'ai-sdk-telemetry × embed × wrapper combos: no agentmeter layer meters AI SDK embeddings in process.',
  'span rows × alone: an instrumentation alone sends nothing to agentmeter (its spans need the OTLP exporter or the span processor).',
  'ai-sdk-middleware × wrapper: no provider client under @ai-sdk/openai to wrap (its own fetch); the middleware with telemetry on is the ai-sdk-telemetry row.',
  "anthropic-wrapper × spans: a tracer provider turns on the Anthropic SDK's own spans: the anthropic-sdk-spans row.",
  'embed × id styles: OpenAI embeddings responses carry no id, so embed cells run once (style `none`).',
  "openllmetry-anthropic-only: otlp, processor and wrapper+otlp:spans-first only (the row is there to read OpenLLMetry's Anthropic input meaning; the full combos run with the SDK spans on).",
  'two-instrumentations-openai: the wrapper-only, meter-first and wrapper+processor combos (each instrumentation runs them alone in its own row).',
];

export function cellsOf(rows: RowSpec[] = ROWS): Cell[] {
  const cells: Cell[] = [];
  for (const row of rows) {
    for (const mode of row.modes) {
      for (const combo of row.combos) {
        const layers = layersOf(row, combo);
        if (mode === 'embed' && row.name === 'ai-sdk-telemetry' && layers.framework) continue;
        for (const ids of mode === 'embed' ? (['none'] as IdStyle[]) : ID_STYLES) {
          cells.push({
            id: `${row.name} | ${mode} | ${ids} | ${combo}`,
            row,
            mode,
            ids,
            combo,
            layers,
            expected: expectedOf(row, mode, layers),
          });
        }
      }
    }
  }
  return cells;
}
