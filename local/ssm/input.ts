import { SsmError } from './errors';

/** Typed access to a JSON request body; wrong member types are SerializationExceptions, as in AWS. */
export class Input {
  constructor(private readonly body: Readonly<Record<string, unknown>>) {}

  static parse(text: string): Input {
    let parsed: unknown;
    try {
      parsed = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new SsmError('SerializationException', 'Request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new SsmError('SerializationException', 'Request body must be a JSON object');
    }
    return new Input(parsed as Record<string, unknown>);
  }

  string(key: string): string | undefined {
    return this.typed(key, 'string', (v): v is string => typeof v === 'string');
  }

  boolean(key: string): boolean | undefined {
    return this.typed(key, 'boolean', (v): v is boolean => typeof v === 'boolean');
  }

  objects(key: string): Input[] | undefined {
    const list = this.typed(
      key,
      'list of objects',
      (v): v is Record<string, unknown>[] =>
        Array.isArray(v) && v.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item)),
    );
    return list?.map((item) => new Input(item));
  }

  private typed<T>(key: string, expected: string, guard: (value: unknown) => value is T): T | undefined {
    const value = this.body[key];
    if (value === undefined || value === null) return undefined;
    if (!guard(value)) throw new SsmError('SerializationException', `${key} must be a ${expected}`);
    return value;
  }
}
