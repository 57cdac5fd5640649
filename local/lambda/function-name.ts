/** The parts of a FunctionName accepted by the Invoke API: a name, `NAME:QUALIFIER`, or a (partial) ARN. */
export interface FunctionRef {
  name: string;
  qualifier?: string;
  region?: string;
  accountId?: string;
}

const FULL_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9$_-]+))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9$_-]+))?$/;
const NAME = /^([A-Za-z0-9_-]+)(?::([A-Za-z0-9$_-]+))?$/;

export function parseFunctionName(value: string): FunctionRef | undefined {
  const full = FULL_ARN.exec(value);
  if (full) return withQualifier({ region: full[1], accountId: full[2], name: full[3] ?? '' }, full[4]);
  const partial = PARTIAL_ARN.exec(value);
  if (partial) return withQualifier({ accountId: partial[1], name: partial[2] ?? '' }, partial[3]);
  const plain = NAME.exec(value);
  if (plain) return withQualifier({ name: plain[1] ?? '' }, plain[2]);
  return undefined;
}

function withQualifier(ref: FunctionRef, qualifier: string | undefined): FunctionRef {
  return qualifier === undefined ? ref : { ...ref, qualifier };
}
