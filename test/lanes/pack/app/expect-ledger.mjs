// Asserts what the agentmeter server's ledger holds for one agent, through the API (GET /v1/events with
// the admin key): exactly the calls given, each one event with the token counts the fake provider
// reported, its provider and model, and the exact price of the lane's `default` tier (PACK_BASE_FEE, plus
// PACK_RATE_INPUT and PACK_RATE_OUTPUT per 1,000 tokens; decimal strings).
// Usage: node expect-ledger.mjs <agent_id> (<tokens_input> <tokens_output> <provider> <model>)...
const [agent, ...rest] = process.argv.slice(2);
const expected = [];
for (let index = 0; index + 4 <= rest.length; index += 4) {
  const [input, output, provider, model] = rest.slice(index, index + 4);
  expected.push({ input: Number(input), output: Number(output), provider, model });
}
if (!agent || expected.length === 0 || rest.length % 4 !== 0) {
  throw new Error('usage: expect-ledger.mjs <agent_id> (<input> <output> <provider> <model>)...');
}
const url = process.env.AGENTMETER_URL;
const key = process.env.AGENTMETER_ADMIN_KEY;

/** A decimal string as an integer number of 1e-12 units, exactly. */
function units(decimal) {
  const match = /^(\d+)(?:\.(\d{1,12}))?$/.exec(decimal);
  if (!match) throw new Error(`not a decimal: ${decimal}`);
  return BigInt(match[1]) * 10n ** 12n + BigInt((match[2] ?? '').padEnd(12, '0'));
}
const priceOf = ({ input, output }) =>
  units(process.env.PACK_BASE_FEE) +
  (units(process.env.PACK_RATE_INPUT) * BigInt(input) +
    units(process.env.PACK_RATE_OUTPUT) * BigInt(output)) /
    1000n;

async function events() {
  const response = await fetch(`${url}/v1/events?agent_id=${encodeURIComponent(agent)}&limit=100`, {
    headers: { authorization: `Bearer ${key}` },
  });
  if (!response.ok) throw new Error(`GET /v1/events answered ${response.status}: ${await response.text()}`);
  return (await response.json()).data;
}

// The apps flush before they exit; the short wait only covers a Meter that drains on `beforeExit`.
let data = await events();
for (let waited = 0; data.length < expected.length && waited < 5000; waited += 250) {
  await new Promise((resolve) => setTimeout(resolve, 250));
  data = await events();
}
const failures = [];
if (data.length !== expected.length) failures.push(`expected ${expected.length} events, got ${data.length}`);
const found = [];
for (const call of expected) {
  const event = data.find(
    (candidate) =>
      !found.includes(candidate) &&
      candidate.tokens.input === call.input &&
      candidate.tokens.output === call.output &&
      candidate.provider === call.provider &&
      candidate.model === call.model,
  );
  if (!event) {
    failures.push(`no event with ${call.input} in / ${call.output} out, ${call.provider} ${call.model}`);
    continue;
  }
  found.push(event);
  if (event.usage_missing) failures.push(`${event.event_id} is marked usage_missing`);
  if (units(event.price.total) !== priceOf(call)) {
    failures.push(`${event.event_id} is priced ${event.price.total}, expected ${priceOf(call)} × 1e-12`);
  }
}
if (failures.length > 0) {
  console.error(`FAIL ledger for ${agent}:\n  ${failures.join('\n  ')}\n${JSON.stringify(data, null, 2)}`);
  process.exit(1);
}
for (const event of found) {
  console.log(
    `ok ledger ${agent}: ${event.tokens.input} in / ${event.tokens.output} out, ${event.provider} ${event.model}, priced ${event.price.total}`,
  );
}
