/** A small, strict argument parser: unknown options and missing values are usage errors (exit 2). */
import { TensorJetError } from '../errors.js';

export type OptionKind = 'boolean' | 'string' | 'strings';

export interface CommandSpec {
  options: Record<string, OptionKind>;
  /** short -> long */
  aliases?: Record<string, string>;
  /** positional arguments: [min, max] */
  positionals?: [number, number];
  usage: string;
}

export interface ParsedArgs {
  options: Record<string, boolean | string | string[] | undefined>;
  positionals: string[];
}

export const usageError = (message: string, usage?: string) =>
  new TensorJetError('E_USAGE', usage ? `${message} (usage: ${usage})` : message);

export function parseArgs(argv: string[], spec: CommandSpec): ParsedArgs {
  const options: ParsedArgs['options'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) { positionals.push(arg); continue; }
    let name = arg.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (arg.startsWith('--') && eq >= 0) { value = name.slice(eq + 1); name = name.slice(0, eq); }
    if (!arg.startsWith('--')) name = spec.aliases?.[name] ?? `-${name}`;
    const kind = spec.options[name];
    if (!kind) throw usageError(`unknown option '${arg}'`, spec.usage);
    if (kind === 'boolean') {
      if (value !== undefined) throw usageError(`option --${name} takes no value`, spec.usage);
      options[name] = true;
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw usageError(`option --${name} needs a value`, spec.usage);
    }
    if (kind === 'string') options[name] = value;
    else options[name] = [...((options[name] as string[] | undefined) ?? []), value];
  }
  const [min, max] = spec.positionals ?? [0, 0];
  if (positionals.length < min) throw usageError(`missing argument`, spec.usage);
  if (positionals.length > max) throw usageError(`unexpected argument '${positionals[max]}'`, spec.usage);
  return { options, positionals };
}

export function numberOption(v: unknown, name: string, fallback: number, usage: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw usageError(`--${name} must be a non-negative number, got '${v}'`, usage);
  return n;
}
