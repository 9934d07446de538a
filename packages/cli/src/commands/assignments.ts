import type { Command } from 'commander';
import { type Connection, connect, type FieldLabels, printJson, request } from '../api.js';
import { CliError } from '../errors.js';

interface Assignment {
  tier: string | null;
  name: string | null;
  metadata?: Record<string, unknown> | null;
  updated_at: string;
}

/** The current assignment; with `optional`, undefined when there is none yet (404). */
async function read(
  connection: Connection,
  kind: 'customer' | 'agent',
  id: string,
  labels: FieldLabels,
  optional: boolean,
): Promise<Assignment | undefined> {
  const pending: Promise<{ data?: Assignment; error?: unknown; response: Response }> =
    kind === 'customer'
      ? connection.client.GET('/v1/customers/{customer_id}', { params: { path: { customer_id: id } } })
      : connection.client.GET('/v1/agents/{agent_id}', { params: { path: { agent_id: id } } });
  if (optional) {
    const settled = await pending.catch(() => undefined);
    if (settled?.response.status === 404) return undefined;
  }
  return request(connection, pending, labels);
}

function describe(kind: 'customer' | 'agent', id: string, assignment: Assignment): string {
  const name = assignment.name ? ` (${assignment.name})` : '';
  const tier = assignment.tier
    ? `tier ${assignment.tier}`
    : kind === 'customer'
      ? 'no tier of its own (the agent tier or default applies)'
      : 'no tier of its own (the default tier applies)';
  return `${kind === 'customer' ? 'Customer' : 'Agent'} ${id}${name}: ${tier}, updated ${assignment.updated_at}.`;
}

/** `customers set|get` and `agents set|get`: which tier applies to whom. */
function registerAssignment(program: Command, kind: 'customer' | 'agent'): void {
  const plural = `${kind}s`;
  const group = program
    .command(plural)
    .description(
      kind === 'customer'
        ? "Assign tiers to customers (a customer's tier wins over its agent's and the default)."
        : 'Assign tiers to agents (used when the customer has no tier of its own).',
    );

  group
    .command('set')
    .description(`Assign a tier to a ${kind} (or --clear it).`)
    .argument(`<${kind}_id>`, `the ${kind}`)
    .option('--tier <tier_id>', 'the tier to apply')
    .option('--clear', 'remove the assignment')
    .option('--name <name>', `a display name for the ${kind}`)
    .option('--json', 'print the API response as JSON')
    .action(
      async (
        id: string,
        options: { tier?: string; clear?: boolean; name?: string; json?: boolean },
        command: Command,
      ) => {
        if ((options.tier === undefined) === (options.clear === undefined))
          throw new CliError('give exactly one of --tier <tier_id> and --clear.', 2);
        const connection = connect(command);
        const labels = { '/tier': '--tier', '/name': '--name', [`path.${kind}_id`]: `<${kind}_id>` };
        // The API replaces the whole assignment; keep the name and metadata unless --name is given.
        const current = await read(connection, kind, id, labels, true);
        const body = {
          tier: options.clear ? null : (options.tier as string),
          ...(options.name !== undefined
            ? { name: options.name }
            : current?.name
              ? { name: current.name }
              : {}),
          ...(current?.metadata ? { metadata: current.metadata } : {}),
        };
        const result =
          kind === 'customer'
            ? await request(
                connection,
                connection.client.PUT('/v1/customers/{customer_id}', {
                  params: { path: { customer_id: id } },
                  body,
                }),
                labels,
              )
            : await request(
                connection,
                connection.client.PUT('/v1/agents/{agent_id}', { params: { path: { agent_id: id } }, body }),
                labels,
              );
        if (options.json) return printJson(result);
        console.log(describe(kind, id, result));
      },
    );

  group
    .command('get')
    .description(`Show the tier assigned to a ${kind}.`)
    .argument(`<${kind}_id>`, `the ${kind}`)
    .option('--json', 'print the API response as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const connection = connect(command);
      const result = (await read(
        connection,
        kind,
        id,
        { [`path.${kind}_id`]: `<${kind}_id>` },
        false,
      )) as Assignment;
      if (options.json) return printJson(result);
      console.log(describe(kind, id, result));
    });
}

export function registerAssignments(program: Command): void {
  registerAssignment(program, 'customer');
  registerAssignment(program, 'agent');
}
