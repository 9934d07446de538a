import { describe, expect, it } from 'vitest';
import { createTestMeter } from './testing.js';
import type { UsageAttribution } from './usage.js';
import {
  applyAttributionOverrides,
  baseAttribution,
  describeValue,
  isContractIdentifier,
  isContractTierId,
  isMeter,
  isPlainObject,
  resolveWrapperSettings,
  validateAttributionOptions,
} from './wrapper-options.js';

class OptionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
const invalid = (field: string, message: string) => new OptionError(field, message);

function refusal(options: Record<string, unknown>): { field: string; message: string } | undefined {
  try {
    validateAttributionOptions(options, invalid);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(OptionError);
    const { field, message } = error as OptionError;
    return { field, message };
  }
}

const BASE = { agent_id: 'support-bot', action: 'answer' };

describe('contract patterns', () => {
  it('Identifier: 1 to 128 code points, no control characters', () => {
    expect(isContractIdentifier('a')).toBe(true);
    expect(isContractIdentifier('x'.repeat(128))).toBe(true);
    expect(isContractIdentifier('x'.repeat(129))).toBe(false);
    // 128 emoji are 256 UTF-16 units but 128 characters, as the server's JSON Schema counts them.
    expect(isContractIdentifier('😀'.repeat(128))).toBe(true);
    expect(isContractIdentifier('😀'.repeat(129))).toBe(false);
    expect(isContractIdentifier('')).toBe(false);
    expect(isContractIdentifier('tab\there')).toBe(false);
    expect(isContractIdentifier('del\u007F')).toBe(false);
    expect(isContractIdentifier('é ü 名前')).toBe(true);
    expect(isContractIdentifier(7)).toBe(false);
  });

  it('TierId: lower-case letters, digits and _.-, starting with a letter or digit, up to 64', () => {
    expect(isContractTierId('pro')).toBe(true);
    expect(isContractTierId('enterprise_v2.1-eu')).toBe(true);
    expect(isContractTierId('p'.repeat(64))).toBe(true);
    expect(isContractTierId('p'.repeat(65))).toBe(false);
    expect(isContractTierId('Pro')).toBe(false);
    expect(isContractTierId('-pro')).toBe(false);
    expect(isContractTierId('pro tier')).toBe(false);
    expect(isContractTierId('')).toBe(false);
    expect(isContractTierId(undefined)).toBe(false);
  });
});

describe('describeValue()', () => {
  it('shows short strings quoted and escaped, cuts long ones, never dumps an object', () => {
    expect(describeValue('a\nb')).toBe('"a\\nb"');
    expect(describeValue('x'.repeat(41))).toBe(`"${'x'.repeat(40)}…"`);
    expect(describeValue({ secret: 'sk-123' })).toBe('an object');
    expect(describeValue([1])).toBe('an array');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(42)).toBe('42');
  });
});

describe('isPlainObject() and isMeter()', () => {
  it('accepts object literals and null-prototype objects only', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(new Map())).toBe(false);
    expect(isPlainObject(null)).toBe(false);
  });

  it('recognizes a Meter by track() and currentContext()', () => {
    expect(isMeter(createTestMeter())).toBe(true);
    expect(isMeter({ track: () => 'id' })).toBe(false);
    expect(isMeter(null)).toBe(false);
  });
});

describe('validateAttributionOptions()', () => {
  it('returns the attribution and onError of valid options', () => {
    const onError = () => {};
    expect(
      validateAttributionOptions(
        { ...BASE, customer_id: 'cus_1', tier: 'pro', metadata: { app: 'help' }, onError, other: 1 },
        invalid,
      ),
    ).toEqual({
      agentId: 'support-bot',
      action: 'answer',
      customerId: 'cus_1',
      tier: 'pro',
      metadata: { app: 'help' },
      onError,
    });
    expect(validateAttributionOptions(BASE, invalid)).toEqual({
      agentId: 'support-bot',
      action: 'answer',
      customerId: undefined,
      tier: undefined,
      metadata: undefined,
      onError: undefined,
    });
  });

  it.each([
    [
      { action: 'a' },
      'agent_id',
      'Expected `agent_id` to be a string of 1 to 128 characters without control characters, got undefined.',
    ],
    [
      { agent_id: 'a', action: null },
      'action',
      'Expected `action` to be a string of 1 to 128 characters without control characters, got null.',
    ],
    [
      { ...BASE, customer_id: '' },
      'customer_id',
      'Expected `customer_id` to be a string of 1 to 128 characters without control characters, got "".',
    ],
    [
      { ...BASE, tier: 'Gold' },
      'tier',
      'Expected `tier` to be a tier id (lower-case letters, digits and `_.-`, up to 64 characters), got "Gold".',
    ],
    [{ ...BASE, metadata: [] }, 'metadata', 'Expected `metadata` to be a plain object, got an array.'],
    [{ ...BASE, onError: true }, 'onError', 'Expected `onError` to be a function, got true.'],
  ])('refuses %j naming `%s`, through the caller’s factory', (options, field, message) => {
    expect(refusal(options)).toEqual({ field, message });
  });

  it('refuses metadata of more than 64 keys', () => {
    const keys = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, 1]));
    expect(refusal({ ...BASE, metadata: keys(64) })).toBeUndefined();
    expect(refusal({ ...BASE, metadata: keys(65) })).toEqual({
      field: 'metadata',
      message: 'Expected `metadata` to have at most 64 keys, got 65.',
    });
  });

  it('names the first bad option in field order', () => {
    expect(refusal({ agent_id: '', action: '', tier: 'X' })?.field).toBe('agent_id');
    expect(refusal({ ...BASE, tier: 'X', metadata: 1, onError: 1 })?.field).toBe('tier');
  });
});

describe('resolveWrapperSettings()', () => {
  const reported: unknown[] = [];
  const errors = {
    invalidMeter: (field: string, message: string) => new OptionError(`meter:${field}`, message),
    invalidOption: invalid,
    defaultOnError: (error: unknown) => reported.push(error),
  };

  it('refuses a non-Meter with the meter factory and a non-object with the option factory', () => {
    expect(() => resolveWrapperSettings({ track() {} }, BASE, errors)).toThrow(
      expect.objectContaining({
        field: 'meter:meter',
        message:
          'Expected `meter` to be an agentmeter Meter (with `track()` and `currentContext()`), got an object.',
      }),
    );
    expect(() => resolveWrapperSettings(createTestMeter(), 'support-bot', errors)).toThrow(
      expect.objectContaining({
        field: 'options',
        message: 'Expected `options` to be an object with `agent_id` and `action`, got "support-bot".',
      }),
    );
    expect(() => resolveWrapperSettings(createTestMeter(), { ...BASE, tier: 'Pro' }, errors)).toThrow(
      expect.objectContaining({ field: 'tier' }),
    );
  });

  it('returns the settings, with the default onError when none is given, and the options object', () => {
    const meter = createTestMeter();
    const options = { ...BASE, captureContent: true };
    const resolved = resolveWrapperSettings(meter, options, errors);
    expect(resolved.options).toBe(options);
    expect(resolved.settings).toMatchObject({ meter, agentId: 'support-bot', action: 'answer' });
    resolved.settings.onError('boom');
    expect(reported).toEqual(['boom']);
    const own = () => {};
    expect(resolveWrapperSettings(meter, { ...BASE, onError: own }, errors).settings.onError).toBe(own);
  });
});

describe('baseAttribution() and applyAttributionOverrides()', () => {
  const settings = {
    agentId: 'support-bot',
    action: 'answer',
    customerId: 'cus_default',
    tier: 'pro',
    metadata: { app: 'help' },
  };

  it('takes agent_id, action and customer_id from the context over the settings', () => {
    const meter = createTestMeter();
    expect(baseAttribution({ ...settings, meter })).toEqual({
      agent_id: 'support-bot',
      action: 'answer',
      customer_id: 'cus_default',
      tier: 'pro',
      metadata: { app: 'help' },
    });
    const inContext = meter.withContext({ customer_id: 'cus_ctx', action: 'triage' }, () =>
      baseAttribution({ ...settings, tier: undefined, metadata: undefined, meter }),
    );
    expect(inContext).toEqual({ agent_id: 'support-bot', action: 'triage', customer_id: 'cus_ctx' });
  });

  it('applies valid per-call values and hands each invalid one to reject', () => {
    const attribution: UsageAttribution = { agent_id: 'a', action: 'b', tier: 'pro' };
    const rejected: [string, string][] = [];
    applyAttributionOverrides(attribution, {
      source: {
        agentmeter_customer_id: 'cus_run',
        agentmeter_action: 42,
        agentmeter_tier: 'Gold',
        other: 'x',
      },
      keyPrefix: 'agentmeter_',
      fieldPrefix: 'metadata.',
      reject: (field, message) => rejected.push([field, message]),
    });
    expect(attribution).toEqual({ agent_id: 'a', action: 'b', customer_id: 'cus_run', tier: 'pro' });
    expect(rejected).toEqual([
      [
        'metadata.agentmeter_action',
        'Expected `metadata.agentmeter_action` to be a string of 1 to 128 characters without control characters, got 42.',
      ],
      [
        'metadata.agentmeter_tier',
        'Expected `metadata.agentmeter_tier` to be a tier id (lower-case letters, digits and `_.-`, up to 64 characters), got "Gold".',
      ],
    ]);
  });
});
