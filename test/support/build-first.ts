// The vitest globalSetup of the projects whose tests run the built packages (`dist/`) in child
// processes: integration, chaos, browser. It builds first, as `npm run build` does, so those tests
// never run a `dist/` older than the source they are read beside. `tsc -b` is incremental: when every
// package is current it only reads the build info and returns in a few seconds; on a fresh clone it
// builds everything. A compile error stops the run here, before any test starts.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export default function buildFirst(): void {
  // One build a run, however many projects of the run list this setup.
  if (process.env['AGENTMETER_TEST_BUILT'] === '1') return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b'], { cwd: REPO, stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/postbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
  process.env['AGENTMETER_TEST_BUILT'] = '1';
}
