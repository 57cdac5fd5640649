/** Reading one environment variable as a value: required, an integer, a number of seconds; ConfigError naming it otherwise. */
import { ConfigError } from './domain/errors';

type Env<N extends string> = Readonly<Partial<Record<N, string>>>;

export function required<N extends string>(env: Env<N>, name: N): string {
  const v = env[name];
  if (v === undefined || v.trim() === '') throw new ConfigError(`environment variable ${name} is required`);
  return v;
}

export function int<N extends string>(env: Env<N>, name: N, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`environment variable ${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

/** A duration in seconds: a number above 0 (fractions allowed) and at most `max`. */
export function seconds<N extends string>(env: Env<N>, name: N, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > max) {
    throw new ConfigError(
      `environment variable ${name} must be a number of seconds above 0 and at most ${max}, got "${raw}"`,
    );
  }
  return n;
}
