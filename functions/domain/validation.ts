/**
 * What several contracts share when they validate their input: the zod
 * pieces they are built from, and the one way a failed parse becomes a
 * ValidationError naming every offending field by its path.
 */
import * as z from 'zod';
import { ValidationError } from './errors';

/** A time `Date.parse` reads, as ISO 8601 writes it. */
export const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 time');

/** An AWS region code such as `us-west-2` or `ap-southeast-1`. */
export const regionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'an AWS region code such as us-west-2');

export interface IssueOptions {
  /** Where the parsed value sits in the whole input: prefixed to every issue's path. */
  at?: string;
  /** At most this many issues (input from outside can have thousands). */
  limit?: number;
}

/** The ValidationError for a failed parse of `what`: one issue per problem, with the dotted path of its field. */
export function validationErrorOf(what: string, error: z.ZodError, options: IssueOptions = {}): ValidationError {
  const { at = '', limit } = options;
  return new ValidationError(
    what,
    error.issues
      .slice(0, limit)
      .map((i) => ({ path: [at, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message })),
  );
}

/** Parses `input` with `schema`, or throws the ValidationError of `what` listing every problem. */
export function parseInput<S extends z.ZodType>(
  what: string,
  schema: S,
  input: unknown,
  options?: IssueOptions,
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationErrorOf(what, parsed.error, options);
  return parsed.data;
}
