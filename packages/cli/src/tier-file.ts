import { isPair, isScalar, parseDocument, visit } from 'yaml';

/** Fields whose numbers are integers on the wire (not amounts): they stay JSON numbers. */
const INTEGER_FIELDS = new Set(['token_unit']);

const NUMERAL = /^\+?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A non-negative decimal numeral (`1.50`, `.5`, `+2`, `1.2e-3`) as the plain decimal string it
 * names, digit for digit; undefined for anything else (negative, hex, `.inf`, an absurd exponent),
 * which is left as the number the parser read.
 */
export function exactDecimal(source: string): string | undefined {
  const match = NUMERAL.exec(source.trim());
  if (!match) return undefined;
  const [, whole = '', fraction = '', exponent] = match;
  if (whole === '' && fraction === '') return undefined;
  if (exponent === undefined) return `${whole || '0'}${fraction ? `.${fraction}` : ''}`;
  const shift = Number(exponent);
  if (Math.abs(shift) > 100) return undefined;
  const digits = `${whole}${fraction}`;
  // The decimal point sits after `point` digits of `digits`.
  const point = whole.length + shift;
  let integer: string;
  let decimals: string;
  if (point <= 0) [integer, decimals] = ['0', `${'0'.repeat(-point)}${digits}`];
  else if (point >= digits.length)
    [integer, decimals] = [`${digits}${'0'.repeat(point - digits.length)}`, ''];
  else [integer, decimals] = [digits.slice(0, point), digits.slice(point)];
  integer = integer.replace(/^0+(?=\d)/, '');
  return decimals ? `${integer}.${decimals}` : integer;
}

/** Valid JSON the YAML parser cannot read (a key over 1024 characters): its numbers' text is out of reach. */
export class UnreadableNumbers extends Error {}

/**
 * Reads a tier file, YAML or JSON, keeping every amount exactly as written. Parsed the usual way a
 * number is a binary double (`1234567.123456789012` would reach the server as 1234567.123456789):
 * here each numeric scalar is sent as its source text, a decimal string, which the API takes for
 * every amount. `token_unit` stays a number. Throws the parser's error for a broken file.
 */
export function parseTierText(text: string, format: 'yaml' | 'json'): unknown {
  // JSON.parse decides what is valid JSON (and words the error); the YAML parser, which reads JSON
  // too, then gives each number's source text.
  if (format === 'json') JSON.parse(text);
  const document = parseDocument(text, format === 'json' ? { schema: 'json', uniqueKeys: false } : {});
  const [error] = document.errors;
  if (error) throw format === 'json' ? new UnreadableNumbers(error.message.split('\n')[0]) : error;
  visit(document, {
    Scalar(key, node, path) {
      if (typeof node.value !== 'number' || key === 'key' || node.source === undefined) return;
      const parent = path[path.length - 1];
      if (isPair(parent) && isScalar(parent.key) && INTEGER_FIELDS.has(String(parent.key.value))) return;
      const exact = exactDecimal(node.source);
      if (exact !== undefined) node.value = exact;
    },
  });
  return document.toJS();
}
