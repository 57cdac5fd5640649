/** The endpoint record applications follow: an SSM String parameter holding `{"host","port","tls"}`. */
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { endpointSchema, type Endpoint } from '../domain/caches';
import { ConfigError } from '../domain/errors';
import type { EndpointRecord } from '../ports';
import { awsCall, errorName, rethrowAws } from './aws-errors';

export interface SsmOptions {
  client?: SSMClient;
  region?: string;
}

export const ssmClient = (options: SsmOptions): SSMClient =>
  options.client ?? new SSMClient(options.region ? { region: options.region } : {});

/**
 * A malformed record is configuration to fix (ConfigError), not bad step input: the workflow stops at the
 * step that read it, and continues from there once the record is fixed.
 */
export function parseEndpointRecord(name: string, value: string): Endpoint {
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch (cause) {
    throw new ConfigError(`endpoint record ${name} is not JSON`, { cause });
  }
  const parsed = endpointSchema.safeParse(doc);
  if (!parsed.success) {
    throw new ConfigError(
      `endpoint record ${name} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export class SsmEndpointRecord implements EndpointRecord {
  private readonly client: SSMClient;

  constructor(options: SsmOptions = {}) {
    this.client = ssmClient(options);
  }

  async read(name: string): Promise<Endpoint | undefined> {
    let value: string | undefined;
    try {
      const out = await this.client.send(new GetParameterCommand({ Name: name }));
      value = out.Parameter?.Value;
    } catch (err) {
      if (errorName(err) === 'ParameterNotFound') return undefined;
      rethrowAws(err, 'SSM GetParameter (endpoint record)');
    }
    if (value === undefined) return undefined;
    return parseEndpointRecord(name, value);
  }

  async write(name: string, endpoint: Endpoint): Promise<{ version: number }> {
    const value = JSON.stringify({ host: endpoint.host, port: endpoint.port, tls: endpoint.tls });
    const out = await awsCall('SSM PutParameter (endpoint record)', () =>
      this.client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true })),
    );
    return { version: out.Version ?? 0 };
  }
}
