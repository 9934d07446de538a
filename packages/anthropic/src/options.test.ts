import { describe, expect, it } from 'vitest';
import { AnthropicMeterError } from './errors.js';
import { createClient } from './test-fixtures.js';
import { createSpyMeter } from './test-support.js';
import { withMeter } from './with-meter.js';

const OPTIONS = { agent_id: 'support-bot', action: 'reply' };

describe('options', () => {
  const meter = createSpyMeter();

  it.each([
    [
      { action: 'reply' },
      'agent_id',
      'Expected `agent_id` to be a string of 1 to 128 characters without control characters, got undefined.',
    ],
    [
      { agent_id: 'a', action: '' },
      'action',
      'Expected `action` to be a string of 1 to 128 characters without control characters, got "".',
    ],
    [
      { ...OPTIONS, customer_id: 42 },
      'customer_id',
      'Expected `customer_id` to be a string of 1 to 128 characters without control characters, got 42.',
    ],
    [
      { ...OPTIONS, tier: 'Pro Tier' },
      'tier',
      'Expected `tier` to be a tier id (lower-case letters, digits and `_.-`, up to 64 characters), got "Pro Tier".',
    ],
    [
      { ...OPTIONS, tier: 'p'.repeat(65) },
      'tier',
      `Expected \`tier\` to be a tier id (lower-case letters, digits and \`_.-\`, up to 64 characters), got "${'p'.repeat(40)}…".`,
    ],
    [{ ...OPTIONS, metadata: [] }, 'metadata', 'Expected `metadata` to be a plain object, got an array.'],
    [
      { ...OPTIONS, captureContent: 'yes' },
      'captureContent',
      'Expected `captureContent` to be a boolean, got "yes".',
    ],
    [{ ...OPTIONS, meterErrors: 1 }, 'meterErrors', 'Expected `meterErrors` to be a boolean, got 1.'],
    // A typo is refused, not dropped: the charge would lose its customer.
    [
      { ...OPTIONS, customerId: 'cus_42' },
      'customerId',
      'Unknown option `customerId`; did you mean `customer_id`?',
    ],
    [
      { ...OPTIONS, streamUsage: false },
      'streamUsage',
      expect.stringMatching(
        /^Unknown option `streamUsage`\. Known options: `agent_id`, `action`, `customer_id`, `tier`, `metadata`, `onError`, `captureContent`, `meterErrors`\.$/,
      ),
    ],
  ])('refuses %j naming `%s`', (options, field, message) => {
    const attempt = () => withMeter(createClient(), meter, options as never);
    expect(attempt).toThrow(expect.objectContaining({ message }));
    try {
      attempt();
    } catch (error) {
      expect(AnthropicMeterError.isInstance(error)).toBe(true);
      expect((error as AnthropicMeterError).field).toBe(field);
      expect((error as AnthropicMeterError).code).toBe('invalid_option');
    }
  });

  it('refuses a metadata object with more than 64 keys', () => {
    const metadata = Object.fromEntries(Array.from({ length: 65 }, (_, index) => [`k${index}`, index]));
    expect(() => withMeter(createClient(), meter, { ...OPTIONS, metadata })).toThrow(
      'Expected `metadata` to have at most 64 keys, got 65.',
    );
  });

  it('refuses something that is not a client (invalid_client) or not a meter (invalid_meter)', () => {
    expect(() => withMeter({} as never, meter, OPTIONS)).toThrow(
      expect.objectContaining({
        name: 'AnthropicMeterError',
        code: 'invalid_client',
        field: 'client',
        message:
          'Expected `client` to be an @anthropic-ai/sdk client (with `messages.create()`), got an object.',
      }),
    );
    expect(() => withMeter(createClient(), {} as never, OPTIONS)).toThrow(
      expect.objectContaining({
        name: 'AnthropicMeterError',
        code: 'invalid_meter',
        field: 'meter',
        message:
          'Expected `meter` to be an agentmeter Meter (with `track()` and `currentContext()`), got an object.',
      }),
    );
  });
});
