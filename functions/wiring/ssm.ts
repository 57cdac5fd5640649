/** SSM adapters (endpoint records, AUTH tokens): one client per container. */
import { SSMClient } from '@aws-sdk/client-ssm';
import { config } from '../config';
import { SsmEndpointRecord } from '../adapters/ssm-endpoint-record';
import { SsmSecretReader } from '../adapters/ssm-secret-reader';
import type { EndpointRecord, SecretReader } from '../ports';

let client: SSMClient | undefined;
function ssmClient(): SSMClient {
  return (client ??= new SSMClient({ region: config.region }));
}

let record: EndpointRecord | undefined;
export function endpointRecord(): EndpointRecord {
  return (record ??= new SsmEndpointRecord({ client: ssmClient() }));
}

let reader: SecretReader | undefined;
export function secretReader(): SecretReader {
  return (reader ??= new SsmSecretReader({ client: ssmClient() }));
}
