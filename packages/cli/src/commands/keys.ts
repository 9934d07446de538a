import type { Command } from 'commander';
import { connect, printJson, request } from '../api.js';
import { createStyle } from '../output/style.js';
import { renderTable } from '../output/table.js';
import { choiceOption } from '../parse.js';

const SCOPES = ['ingest', 'admin'] as const;

export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description("Create, list and revoke the project's API keys (needs an admin key).");

  keys
    .command('create')
    .description('Create a key; its secret is printed once (it is stored only as a hash).')
    .option('--scope <scope>', 'ingest (meter, resolve) or admin (everything)', 'ingest')
    .option('--name <name>', 'a name to recognise the key by')
    .option(
      '--allow-tier-override',
      'an ingest key whose events may set `tier` (and so choose their price); admin keys always may',
    )
    .option('--json', 'print the API response as JSON')
    .action(
      async (
        options: { scope: string; name?: string; allowTierOverride?: boolean; json?: boolean },
        command: Command,
      ) => {
        const scope = choiceOption('--scope', options.scope, SCOPES) ?? 'ingest';
        const connection = connect(command);
        const created = await request(
          connection,
          connection.client.POST('/v1/keys', {
            body: {
              scope,
              ...(options.name !== undefined ? { name: options.name } : {}),
              ...(options.allowTierOverride ? { allow_tier_override: true } : {}),
            },
          }),
          { '/name': '--name', '/scope': '--scope', '/allow_tier_override': '--allow-tier-override' },
        );
        if (options.json) return printJson(created);
        const style = createStyle();
        const tierNote =
          created.scope === 'ingest' && created.allow_tier_override ? ", allowed to set an event's tier" : '';
        console.log(
          `Created ${created.scope} key ${style.bold(created.key_id)}${created.name ? ` (${created.name})` : ''}${tierNote}.`,
        );
        console.log('Its secret, shown once (it is stored only as a hash):');
        console.log(`  ${created.key}`);
      },
    );

  keys
    .command('list')
    .description('List the keys (never their secrets), newest first.')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const connection = connect(command);
      const list = await request(connection, connection.client.GET('/v1/keys'));
      if (options.json) return printJson(list);
      const style = createStyle();
      if (list.data.length === 0) return console.log('No keys.');
      console.log(
        renderTable(
          [
            { header: 'KEY' },
            { header: 'NAME' },
            { header: 'SCOPE' },
            { header: 'PREFIX' },
            { header: 'CREATED' },
            { header: 'STATUS' },
          ],
          list.data.map((key) => [
            key.key_id,
            key.name ?? '',
            // An ingest key that may set an event's tier says so: it can choose prices.
            key.scope === 'ingest' && key.allow_tier_override ? 'ingest+tier' : key.scope,
            key.prefix,
            key.created_at,
            key.revoked_at ? style.red(`revoked ${key.revoked_at}`) : style.green('active'),
          ]),
          { indent: 0, header: style.dim },
        ),
      );
    });

  keys
    .command('revoke')
    .description('Revoke a key; it stops working at once.')
    .argument('<key_id>', 'the key to revoke, e.g. key_Yaw9uYUzKIrznsSv29MJ')
    .option('--json', 'print the API response as JSON')
    .action(async (keyId: string, options: { json?: boolean }, command: Command) => {
      const connection = connect(command);
      const revoked = await request(
        connection,
        connection.client.DELETE('/v1/keys/{key_id}', { params: { path: { key_id: keyId } } }),
        { 'path.key_id': '<key_id>' },
      );
      if (options.json) return printJson(revoked);
      console.log(
        `Revoked ${revoked.scope} key ${revoked.key_id}${revoked.name ? ` (${revoked.name})` : ''} at ${revoked.revoked_at}.`,
      );
    });
}
