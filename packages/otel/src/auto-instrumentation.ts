import type { Meter } from '@agentmeter/sdk';
import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { SCOPE_VERSION } from './semconv.js';

/** Attribution of every auto-metered call (a surrounding `meter.withContext()` overrides it per call). */
export interface AutoMeterAttribution {
  agent_id: string;
  action: string;
  customer_id?: string;
}

/** A provider wrapper's `withMeter(client, meter, options)`. */
export type ClientWrapper = (client: never, meter: Meter, options: AutoMeterAttribution) => object;

export interface AutoMeterOptions {
  meter: Meter;
  attribution: AutoMeterAttribution;
  /** The wrappers to meter with: `withMeter` of `@agentmeter/openai` and of `@agentmeter/anthropic`; a package without one is not metered (and says so). */
  wrappers: { openai?: ClientWrapper | undefined; anthropic?: ClientWrapper | undefined };
  /** Where the one-time warnings go. Default: `console.warn`. */
  warn?: (message: string) => void;
}

type AnyClass = abstract new (...args: never[]) => object;

interface Target {
  /** The package, as `require()` and `import` name it. */
  module: string;
  /** Its wrapper, in `AutoMeterOptions.wrappers`, and the package that provides it. */
  wrapper: 'openai' | 'anthropic';
  /** The client class export. */
  main: string;
  /** True when an instance has the methods the wrapper meters. */
  hasShape(instance: Record<string, unknown>): boolean;
}

const get = (object: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (value, key) =>
      typeof value === 'object' || typeof value === 'function' ? (value as never)?.[key] : undefined,
    object,
  );

const TARGETS: Target[] = [
  {
    module: 'openai',
    wrapper: 'openai',
    main: 'OpenAI',
    hasShape: (client) =>
      typeof get(client, 'chat', 'completions', 'create') === 'function' ||
      typeof get(client, 'responses', 'create') === 'function',
  },
  {
    module: '@anthropic-ai/sdk',
    wrapper: 'anthropic',
    main: 'Anthropic',
    hasShape: (client) => typeof get(client, 'messages', 'create') === 'function',
  },
];

const isClass = (value: unknown): value is AnyClass =>
  typeof value === 'function' && typeof (value as { prototype?: unknown }).prototype === 'object';

/**
 * Meters every `openai` and `@anthropic-ai/sdk` client the process creates, whether the app loads them
 * with `require()` (require-in-the-middle) or `import` (import-in-the-middle, registered by
 * `@agentmeter/otel/register`): the client classes a package exports are replaced by proxies whose
 * instances are wrapped with the provider's `withMeter()` as they are constructed. Any version is
 * accepted: the shape of the exports and of each client is checked instead, and when it is not what the
 * wrapper meters, a warning says so, once, and the client is left as it is.
 */
export class AutoMeterInstrumentation extends InstrumentationBase {
  #settings: Required<AutoMeterOptions> | undefined;
  readonly #warned = new Set<string>();
  /** The classes an ES namespace had before it was patched, to give back on `disable()`. */
  readonly #originals = new WeakMap<object, Map<PropertyKey, unknown>>();

  constructor(options: AutoMeterOptions) {
    super('@agentmeter/otel/auto', SCOPE_VERSION, { enabled: false });
    this.#settings = { warn: (message) => console.warn(message), ...options };
    this.enable();
  }

  protected init() {
    return TARGETS.map(
      (target) =>
        new InstrumentationNodeModuleDefinition(
          target.module,
          ['*'],
          (exports: unknown, version?: string) => this.#patch(target, exports, version),
          (exports: unknown) => this.#unpatch(exports),
        ),
    );
  }

  #warn(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#settings?.warn(
      `[agentmeter] WARNING: ${message} Calls through it are NOT metered. Wrap the client yourself with withMeter() from @agentmeter/${key.split(':')[0] === 'openai' ? 'openai' : 'anthropic'}.`,
    );
  }

  /** A proxy of a client class whose instances are metered. */
  #meteredClass(target: Target, Original: AnyClass, version: string | undefined): AnyClass {
    const label = `${target.module}@${version ?? 'unknown'}`;
    return new Proxy(Original, {
      construct: (klass, args, newTarget) => {
        const instance = Reflect.construct(klass as never, args, newTarget) as Record<string, unknown>;
        const settings = this.#settings;
        if (!settings || !this.isEnabled()) return instance;
        if (!target.hasShape(instance)) {
          this.#warn(
            `${target.module}:shape`,
            `${label}: a ${Original.name} client has none of the methods agentmeter meters.`,
          );
          return instance;
        }
        try {
          const wrap = settings.wrappers[target.wrapper];
          return wrap ? wrap(instance as never, settings.meter, { ...settings.attribution }) : instance;
        } catch (error) {
          this.#warn(
            `${target.module}:wrap`,
            `${label}: a ${Original.name} client could not be wrapped (${String(error)}).`,
          );
          return instance;
        }
      },
    });
  }

  #patch(target: Target, exports: unknown, version: string | undefined): unknown {
    const label = `${target.module}@${version ?? 'unknown'}`;
    if (!this.#settings?.wrappers[target.wrapper]) {
      this.#warn(
        `${target.module}:missing`,
        `${label} is loaded but @agentmeter/${target.wrapper} is not installed.`,
      );
      return exports;
    }
    const Main = get(exports, target.main) ?? get(exports, 'default');
    if (!isClass(Main)) {
      this.#warn(`${target.module}:exports`, `${label} exports no \`${target.main}\` client class.`);
      return exports;
    }
    // The main class and every exported subclass of it (AzureOpenAI, …).
    const replaced = new Map<PropertyKey, AnyClass>();
    const proxies = new Map<AnyClass, AnyClass>();
    for (const key of Reflect.ownKeys(exports as object)) {
      const value = get(exports, key as string);
      if (!isClass(value) || !(value === Main || value.prototype instanceof Main)) continue;
      let proxy = proxies.get(value);
      if (!proxy) {
        proxy = this.#meteredClass(target, value, version);
        proxies.set(value, proxy);
      }
      replaced.set(key, proxy);
    }
    const MainProxy = proxies.get(Main)!;
    if ((exports as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'Module') {
      // An ES module namespace (import-in-the-middle): its bindings are reassigned in place.
      const namespace = exports as Record<PropertyKey, unknown>;
      const originals = new Map<PropertyKey, unknown>();
      for (const [key, proxy] of replaced) {
        originals.set(key, namespace[key]);
        namespace[key] = proxy;
      }
      this.#originals.set(namespace, originals);
      return exports;
    }
    // CommonJS: the exports object's getters cannot be redefined, so `require()` gets a proxy of it;
    // `module.exports` is itself callable (`new (require('openai'))()`), so calls construct the metered class.
    return new Proxy(exports as object, {
      get: (object, key, receiver) =>
        replaced.has(key) ? replaced.get(key) : Reflect.get(object, key, receiver),
      apply: (_function, _this, args) => Reflect.construct(MainProxy, args),
      construct: (_function, args) => Reflect.construct(MainProxy, args),
    });
  }

  #unpatch(exports: unknown): void {
    // ES namespaces get their classes back; CommonJS proxies stop metering once disabled (see construct).
    const originals =
      typeof exports === 'object' && exports !== null ? this.#originals.get(exports) : undefined;
    if (!originals) return;
    const namespace = exports as Record<PropertyKey, unknown>;
    for (const [key, original] of originals) namespace[key] = original;
    this.#originals.delete(namespace);
  }
}
