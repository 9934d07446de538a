// What an entry point exports, as a user's compiler sees it: every name, and whether it is a value
// (something `import()` hands back at run time) or only a type. The export-list tests pin both, so
// adding, removing or renaming a public name is a deliberate edit of a list, never a side effect.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** The compiler options the tests typecheck with (tsconfig.tests.json: packages resolved from source). */
function testOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    `${repo}tsconfig.tests.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error('tsconfig.tests.json could not be read');
  // Node's declarations are left out (`types: []`): naming what a module exports needs none of them,
  // and reading them would be most of the run.
  return { ...parsed.options, noEmit: true, incremental: false, tsBuildInfoFile: undefined, types: [] };
}

export interface ExportedNames {
  /** Names with a value at run time (functions, classes, constants), sorted. */
  values: string[];
  /** Names that are only types (interfaces, type aliases), sorted. */
  types: string[];
}

/** Each entry point's exports, by name, with the declaration each one stands for. */
function inspect(entries: readonly string[]): Map<string, Map<string, ts.Symbol>> {
  const files = entries.map((entry) => `${repo}${entry}`);
  const program = ts.createProgram(files, testOptions());
  const checker = program.getTypeChecker();
  const result = new Map<string, Map<string, ts.Symbol>>();
  entries.forEach((entry, index) => {
    const source = program.getSourceFile(files[index] as string);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`${entry} is not a module`);
    const exported = new Map<string, ts.Symbol>();
    for (const symbol of checker.getExportsOfModule(module)) {
      exported.set(
        symbol.name,
        symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol,
      );
    }
    result.set(entry, exported);
  });
  return result;
}

/** The exports of each source entry point (paths relative to the repository), in one compiler run. */
export function exportedNames(entries: readonly string[]): Record<string, ExportedNames> {
  const result: Record<string, ExportedNames> = {};
  for (const [entry, exported] of inspect(entries)) {
    const values: string[] = [];
    const types: string[] = [];
    for (const [name, target] of exported) (target.flags & ts.SymbolFlags.Value ? values : types).push(name);
    result[entry] = { values: values.sort(), types: types.sort() };
  }
  return result;
}

/**
 * The names that two of `entries` export for two different things (not one declaration re-exported),
 * each with the entries exporting it: a user importing both packages would meet one name meaning two
 * things.
 */
export function namesWithTwoMeanings(entries: readonly string[]): Record<string, string[]> {
  const byName = new Map<string, Map<ts.Symbol, string[]>>();
  for (const [entry, exported] of inspect(entries)) {
    for (const [name, target] of exported) {
      const meanings = byName.get(name) ?? new Map<ts.Symbol, string[]>();
      meanings.set(target, [...(meanings.get(target) ?? []), entry]);
      byName.set(name, meanings);
    }
  }
  const result: Record<string, string[]> = {};
  for (const [name, meanings] of byName) {
    if (meanings.size > 1) result[name] = [...meanings.values()].flat().sort();
  }
  return result;
}

/** One entry point whose surface a test pins. */
export interface PinnedEntry {
  /** The specifier users import: `@agentmeter/sdk/integration`. */
  name: string;
  /** Its source, relative to the repository. */
  source: string;
  expected: ExportedNames;
  load: () => Promise<object>;
}

/**
 * Checks each entry point exports exactly `expected`: the values `import()` hands back at run time,
 * and every name, value or type, the compiler sees. One compiler run for them all.
 */
export function describePublicSurface(entries: readonly PinnedEntry[]): void {
  let compiled: Record<string, ExportedNames>;
  beforeAll(() => {
    compiled = exportedNames(entries.map((entry) => entry.source));
  }, 120_000);

  describe.each(entries)('$name', ({ source, expected, load }) => {
    it('hands exactly these values to import() at run time', async () => {
      expect(Object.keys(await load()).sort()).toEqual(expected.values);
    });

    it('exports exactly these names, values and types, to the compiler', () => {
      expect(compiled[source]).toEqual(expected);
    });
  });
}
