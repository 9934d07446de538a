/** Terminal styling: ANSI colors only when the stream is a TTY and NO_COLOR is unset (https://no-color.org). */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

/** Styles for `stream` (default stdout), honouring NO_COLOR. */
export function createStyle(
  stream: { isTTY?: boolean } = process.stdout,
  env: Record<string, string | undefined> = process.env,
): Style {
  const enabled = stream.isTTY === true && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '');
  const plain = (text: string) => text;
  return {
    enabled,
    bold: enabled ? wrap(1, 22) : plain,
    dim: enabled ? wrap(2, 22) : plain,
    green: enabled ? wrap(32, 39) : plain,
    red: enabled ? wrap(31, 39) : plain,
    yellow: enabled ? wrap(33, 39) : plain,
    cyan: enabled ? wrap(36, 39) : plain,
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what starts an ANSI color code.
const ANSI = /\u001b\[[0-9;]*m/g;

/** The width of `text` on screen (ANSI codes take none). */
export function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}
