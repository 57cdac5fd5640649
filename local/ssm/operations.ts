import type { Input } from './input';
import { parseSelector } from './names';
import type { ParameterStore } from './store';

type Operation = (input: Input, store: ParameterStore) => object;

/**
 * The operations the local stack uses: PutParameter (the drill's setup and Cut Over) and GetParameter
 * (the functions, the drill's sample application). Any other operation is answered with
 * UnknownOperationException.
 */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  PutParameter: (input, store) => {
    const version = store.put({
      name: input.string('Name'),
      value: input.string('Value'),
      type: input.string('Type'),
      overwrite: input.boolean('Overwrite') ?? false,
      keyId: input.string('KeyId'),
      allowedPattern: input.string('AllowedPattern'),
      tier: input.string('Tier'),
      dataType: input.string('DataType'),
      tagged: input.objects('Tags') !== undefined,
    });
    return { Version: version.version, Tier: version.tier };
  },

  GetParameter: (input, store) => {
    const selector = parseSelector(input.string('Name'));
    const { parameter, version } = store.find(selector);
    const decrypt = input.boolean('WithDecryption') ?? false;
    return {
      Parameter: {
        Name: parameter.name,
        Type: version.type,
        Value: version.type === 'SecureString' && !decrypt ? (version.ciphertext ?? '') : version.value,
        Version: version.version,
        LastModifiedDate: epochSeconds(version.lastModified),
        ARN: store.arn(parameter.name),
        DataType: version.dataType,
        Selector: selector.selector,
      },
    };
  },
};

/** JSON 1.1 timestamps are epoch seconds. */
function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
