import type { Command } from 'commander';
import { connect, printJson, request } from '../api.js';
import { CliError } from '../errors.js';

interface Assignment {
  tier: string | null;
  name: string | null;
  updated_at: string;
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
        const body = {
          tier: options.clear ? null : (options.tier as string),
          ...(options.name ? { name: options.name } : {}),
        };
        const labels = { '/tier': '--tier', '/name': '--name', [`path.${kind}_id`]: `<${kind}_id>` };
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
      const labels = { [`path.${kind}_id`]: `<${kind}_id>` };
      const result =
        kind === 'customer'
          ? await request(
              connection,
              connection.client.GET('/v1/customers/{customer_id}', { params: { path: { customer_id: id } } }),
              labels,
            )
          : await request(
              connection,
              connection.client.GET('/v1/agents/{agent_id}', { params: { path: { agent_id: id } } }),
              labels,
            );
      if (options.json) return printJson(result);
      console.log(describe(kind, id, result));
    });
}

export function registerAssignments(program: Command): void {
  registerAssignment(program, 'customer');
  registerAssignment(program, 'agent');
}
