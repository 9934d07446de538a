import { PricingError } from './errors.js';

let known: Set<string> | undefined;

function knownCurrencies(): Set<string> {
  if (!known) {
    // ISO 4217 codes the runtime's ICU knows; Node ships full ICU.
    const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
    known = new Set(
      intl.supportedValuesOf ? intl.supportedValuesOf('currency') : ['USD', 'EUR', 'GBP', 'JPY'],
    );
  }
  return known;
}

/** Validates an ISO 4217 currency code (`USD`), refusing unknown ones. */
export function parseCurrency(value: unknown, field = 'currency'): string {
  if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value)) {
    throw new PricingError(
      'unknown_currency',
      field,
      `Expected \`${field}\` to be an ISO 4217 code like "USD", got ${JSON.stringify(value)}.`,
    );
  }
  if (!knownCurrencies().has(value)) {
    throw new PricingError('unknown_currency', field, `Unknown currency "${value}" in \`${field}\`.`);
  }
  return value;
}
