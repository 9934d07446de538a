/** The deepest free-form JSON (`metadata`) may nest: objects and arrays inside it, counting itself. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether `value` nests objects and arrays deeper than `max` levels. Iterative, so a hostile value
 * cannot exhaust the stack here (JSON.stringify and other recursive walks would).
 */
export function nestsDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}
