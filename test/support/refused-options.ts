// The options every framework integration (`@agentmeter/ai-sdk`, `@agentmeter/langchain`) refuses at
// construction, each with the field and the message its error must name. Both validate through the
// SDK's `resolveWrapperSettings()`; each runs this whole table against its own constructor, so an
// integration that skipped a check, or let a bad value through, fails in its own tests.
import { expect } from 'vitest';

const defaults = { agent_id: 'support-bot', action: 'answer' };
const IDENTIFIER = 'a string of 1 to 128 characters without control characters';
const TIER_ID = 'a tier id (lower-case letters, digits and `_.-`, up to 64 characters)';

/** Options refused, the field named, the message: for `it.each`. */
export type RefusedOption = [options: Record<string, unknown>, field: string, message: string];

export const REFUSED_FRAMEWORK_OPTIONS: RefusedOption[] = [
  [{ action: 'a' }, 'agent_id', `Expected \`agent_id\` to be ${IDENTIFIER}, got undefined.`],
  [{ agent_id: 'a', action: 7 }, 'action', `Expected \`action\` to be ${IDENTIFIER}, got 7.`],
  [{ agent_id: 'a', action: '' }, 'action', `Expected \`action\` to be ${IDENTIFIER}, got "".`],
  [
    { ...defaults, customer_id: 'a\nb' },
    'customer_id',
    `Expected \`customer_id\` to be ${IDENTIFIER}, got "a\\nb".`,
  ],
  [{ ...defaults, tier: 'Pro' }, 'tier', `Expected \`tier\` to be ${TIER_ID}, got "Pro".`],
  [
    { ...defaults, tier: 'p'.repeat(65) },
    'tier',
    `Expected \`tier\` to be ${TIER_ID}, got "${'p'.repeat(40)}…".`,
  ],
  [{ ...defaults, metadata: 'x' }, 'metadata', 'Expected `metadata` to be a plain object, got "x".'],
  [{ ...defaults, metadata: [] }, 'metadata', 'Expected `metadata` to be a plain object, got an array.'],
  [{ ...defaults, onError: 1 }, 'onError', 'Expected `onError` to be a function, got 1.'],
  [{ ...defaults, onError: 'log' }, 'onError', 'Expected `onError` to be a function, got "log".'],
  [{ ...defaults, meterErrors: 'no' }, 'meterErrors', 'Expected `meterErrors` to be a boolean, got "no".'],
  // A typo is refused, not dropped: the charge would lose its customer.
  [
    { ...defaults, customerId: 'cus_42' },
    'customerId',
    'Unknown option `customerId`; did you mean `customer_id`?',
  ],
];

/** An integration's error class: its name, and its own `isInstance()` (which works across installs). */
export interface IntegrationErrorType {
  readonly name: string;
  isInstance(error: unknown): boolean;
}

/** `attempt` throws an error of `errorClass` (by name and by `isInstance()`) with this code, field and message. */
export function expectIntegrationError(
  attempt: () => unknown,
  errorClass: IntegrationErrorType,
  expected: { code: string; field: string; message: string },
): void {
  let threw = false;
  let thrown: unknown;
  try {
    attempt();
  } catch (error) {
    threw = true;
    thrown = error;
  }
  expect(threw, 'the call threw').toBe(true);
  expect(thrown).toMatchObject({ name: errorClass.name, ...expected });
  expect(errorClass.isInstance(thrown)).toBe(true);
}
