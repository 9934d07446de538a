// A CommonJS consumer on Node 20.19+: require() of every entry point, which are ES modules. The one
// exception is @agentmeter/otel/register, which is made for `node --import` (it awaits its optional
// peers at the top level, which require() cannot do).
const entryPoints = require('./entry-points.json');

for (const [specifier, names] of Object.entries(entryPoints)) {
  const module = require(specifier);
  const missing = names.filter((name) => module[name] === undefined);
  if (missing.length > 0) throw new Error(`${specifier} lacks ${missing.join(', ')}`);
  const name = specifier.startsWith('@')
    ? specifier.split('/').slice(0, 2).join('/')
    : specifier.split('/')[0];
  if (require(`${name}/package.json`).version !== '0.1.0') throw new Error(`${name}/package.json`);
  console.log(`  require ${specifier}: ${names.join(', ')}`);
}
console.log('cjs consumer: ok');
