import { afterEach, describe, expect, it, vi } from 'vitest';

// Counts what the contract module asks of Ajv: instances made, schema fragments compiled, and
// components looked up (getSchema compiles a component the first time it is asked for).
const seen = { instances: 0, compiles: 0, components: [] as string[] };

async function countingAjv() {
  vi.resetModules();
  seen.instances = 0;
  seen.compiles = 0;
  seen.components = [];
  vi.doMock('ajv/dist/2020.js', async (importOriginal) => {
    const original = await importOriginal<typeof import('ajv/dist/2020.js')>();
    class CountingAjv extends original.Ajv2020 {
      constructor(...args: ConstructorParameters<typeof original.Ajv2020>) {
        super(...args);
        seen.instances++;
        const compile = this.compile.bind(this);
        this.compile = ((...schema: Parameters<typeof compile>) => {
          seen.compiles++;
          return compile(...schema);
        }) as typeof compile;
        const getSchema = this.getSchema.bind(this);
        this.getSchema = ((key: string) => {
          // Ajv looks up its own meta-schemas through here too; only the spec's components count.
          if (key.includes('#/components/schemas/')) seen.components.push(key.replace(/^.*\//, ''));
          return getSchema(key);
        }) as typeof getSchema;
      }
    }
    return { ...original, Ajv2020: CountingAjv, default: CountingAjv };
  });
}

afterEach(() => {
  vi.doUnmock('ajv/dist/2020.js');
  vi.resetModules();
});

describe('the contract validators', () => {
  it('are not compiled when the server package is imported, not even the Ajv instance is made', async () => {
    await countingAjv();
    const server = await import('./index.js');
    await import('./contract.js');
    await import('./routes/index.js');
    expect(server.operations.length).toBeGreaterThan(0);
    expect(seen).toEqual({ instances: 0, compiles: 0, components: [] });
  });

  it('compile a component schema on its first validation, once, and keep it', async () => {
    await countingAjv();
    const { schemaValidator } = await import('./contract.js');
    const validateEvent = schemaValidator('MeterEvent');
    expect(seen.instances).toBe(0);

    expect(validateEvent({ agent_id: 'a' })).toBe(false);
    expect(validateEvent.errors?.length).toBeGreaterThan(0);
    expect(seen.instances).toBe(1);
    expect(seen.components).toEqual(['MeterEvent']);

    expect(validateEvent({ agent_id: 'a', action: 'b' })).toBe(true);
    expect(validateEvent.errors).toBeNull();
    expect(schemaValidator('MeterEvent')).toBe(validateEvent);
    expect(seen.components).toEqual(['MeterEvent']);
    expect(seen.instances).toBe(1);
  });

  it('refuse an unknown component name when first used, not when made', async () => {
    await countingAjv();
    const { schemaValidator } = await import('./contract.js');
    const validateNothing = schemaValidator('NoSuchSchema');
    expect(() => validateNothing({})).toThrow('openapi.yaml has no schema NoSuchSchema');
  });

  it("compile an operation's body validator on first use, once per operation", async () => {
    await countingAjv();
    const { operationById } = await import('./contract.js');
    const body = operationById('meterBatch').requestBody;
    if (!body) throw new Error('meterBatch has a request body');
    expect(seen.compiles).toBe(0);

    const validate = body();
    expect(seen.compiles).toBe(1);
    expect(validate({ events: 'not a list' })).toBe(false);
    expect(body()).toBe(validate);
    expect(seen.compiles).toBe(1);
    expect(seen.instances).toBe(1);
  });
});
