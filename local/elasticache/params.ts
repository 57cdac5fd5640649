import { invalidParameterValue, missingParameter } from './errors';

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/**
 * Typed access to AWS Query parameters. Lists arrive as `Name.<member>.N` (`SnapshotArns.SnapshotArn.1`,
 * `UserGroupIds.member.1`); any member element name is accepted.
 */
export class QueryParams {
  constructor(private readonly params: URLSearchParams) {}

  static fromBody(body: string, query: URLSearchParams): QueryParams {
    const params = new URLSearchParams(query);
    for (const [name, value] of new URLSearchParams(body)) params.append(name, value);
    return new QueryParams(params);
  }

  string(name: string): string | undefined {
    const value = this.params.get(name);
    return value === null ? undefined : value;
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw missingParameter(name);
    return value;
  }

  integer(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value))
      throw invalidParameterValue(`Invalid value for parameter ${name}: ${value} is not an integer.`);
    return Number(value);
  }

  boolean(name: string): boolean | undefined {
    const value = this.string(name)?.toLowerCase();
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false')
      throw invalidParameterValue(`Invalid value for parameter ${name}: ${value} is not a boolean.`);
    return value === 'true';
  }

  timestamp(name: string): Date | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const millis = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
    if (Number.isNaN(millis))
      throw invalidParameterValue(`Invalid value for parameter ${name}: ${value} is not a timestamp.`);
    return new Date(millis);
  }

  /** Entries of list `name`, ordered by index, each as a map of its fields ('' for scalar members). */
  private listEntries(name: string): Map<string, string>[] {
    const pattern = new RegExp(`^${name.replace(/\./g, '\\.')}\\.[A-Za-z]+\\.(\\d+)(?:\\.(.+))?$`);
    const byIndex = new Map<number, Map<string, string>>();
    for (const [key, value] of this.params) {
      const match = pattern.exec(key);
      if (!match) continue;
      const index = Number(match[1]);
      const fields = byIndex.get(index) ?? new Map<string, string>();
      fields.set(match[2] ?? '', value);
      byIndex.set(index, fields);
    }
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, fields]) => fields);
  }

  stringList(name: string): string[] {
    return this.listEntries(name)
      .map((fields) => fields.get(''))
      .filter((value): value is string => value !== undefined);
  }

  tagList(name: string): Tag[] {
    return this.listEntries(name).map((fields) => {
      const key = fields.get('Key');
      if (key === undefined || key === '') throw invalidParameterValue(`Tag keys in ${name} must not be empty.`);
      return { Key: key, Value: fields.get('Value') ?? '' };
    });
  }
}
