// An ES-module consumer: every entry point imports from the installed tarballs with its named
// exports, `package.json` is exported, and files outside `exports` are not reachable.
import { readFileSync } from 'node:fs';

const entryPoints = JSON.parse(readFileSync(new URL('./entry-points.json', import.meta.url), 'utf8'));
for (const [specifier, names] of Object.entries(entryPoints)) {
  const module = await import(specifier);
  const missing = names.filter((name) => module[name] === undefined);
  if (missing.length > 0) throw new Error(`${specifier} lacks ${missing.join(', ')}`);
  const name = specifier.startsWith('@')
    ? specifier.split('/').slice(0, 2).join('/')
    : specifier.split('/')[0];
  const manifest = await import(`${name}/package.json`, { with: { type: 'json' } });
  if (manifest.default.version !== '0.1.0')
    throw new Error(`${name}/package.json: ${manifest.default.version}`);
  console.log(`  import ${specifier}: ${names.join(', ')}`);
}
for (const internal of ['@agentmeter/sdk/dist/meter.js', '@agentmeter/openai/src/index.ts']) {
  const error = await import(internal).then(
    () => undefined,
    (reason) => reason,
  );
  if (error?.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED')
    throw new Error(`${internal} should not be importable`);
  console.log(`  import ${internal}: not exported, as intended`);
}
console.log('esm consumer: ok');
