import '../polyfills';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { invalidDefinition } from './errors';
import { isJsonObject, type JsonObject } from './json';
import { integrationOf, type Integration } from './resources';

export type StateMachineType = 'STANDARD' | 'EXPRESS';

export interface StateInfo {
  name: string;
  type: string;
  state: JsonObject;
  topLevel: boolean;
  integration?: Integration;
}

export interface ParsedDefinition {
  json: JsonObject;
  startAt: string;
  /** Every state at any depth, by name (names are unique across the whole machine). */
  states: ReadonlyMap<string, StateInfo>;
}

const UNSUPPORTED_FIELDS = [
  'Assign',
  'Arguments',
  'Output',
  'QueryLanguage',
  'Credentials',
  'ItemReader',
  'ResultWriter',
  'ItemBatcher',
];

/** Parses and validates a definition; throws InvalidDefinition naming the offending state. */
export function parseDefinition(text: string, type: StateMachineType): ParsedDefinition {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidDefinition('INVALID_JSON_DESCRIPTION', error instanceof Error ? error.message : String(error));
  }
  if (!isJsonObject(json)) throw invalidDefinition('SCHEMA_VALIDATION_FAILED', 'the definition must be a JSON object');
  if (json.QueryLanguage !== undefined && json.QueryLanguage !== 'JSONPath') {
    throw invalidDefinition(
      'UNSUPPORTED_FEATURE',
      `QueryLanguage ${String(json.QueryLanguage)} is not supported locally; use JSONPath`,
    );
  }
  try {
    new StateMachine(json as unknown as StateMachineDefinition, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
  } catch (error) {
    throw invalidDefinition(
      'SCHEMA_VALIDATION_FAILED',
      (error instanceof Error ? error.message : String(error)).trim(),
    );
  }
  const states = new Map<string, StateInfo>();
  walkStates(json, (name, state, topLevel) => {
    if (states.has(name)) throw invalidDefinition('DUPLICATE_STATE_NAME', `Duplicate State name: ${name}`);
    states.set(name, describeState(name, state, topLevel, type));
  });
  return { json, startAt: String(json.StartAt), states };
}

function describeState(name: string, state: JsonObject, topLevel: boolean, type: StateMachineType): StateInfo {
  const unsupported = UNSUPPORTED_FIELDS.find(
    (field) => field in state && !(field === 'QueryLanguage' && state[field] === 'JSONPath'),
  );
  if (unsupported)
    throw invalidDefinition(
      'UNSUPPORTED_FEATURE',
      `Field '${unsupported}' of state '${name}' is not supported locally`,
    );
  const info: StateInfo = { name, type: String(state.Type), state, topLevel };
  const processor = isJsonObject(state.ItemProcessor) ? state.ItemProcessor : {};
  if (isJsonObject(processor.ProcessorConfig) && processor.ProcessorConfig.Mode === 'DISTRIBUTED') {
    throw invalidDefinition(
      'UNSUPPORTED_FEATURE',
      `Map state '${name}' uses DISTRIBUTED mode, which is not supported locally`,
    );
  }
  if (info.type !== 'Task') return info;
  const resource = String(state.Resource);
  const integration = integrationOf(resource);
  if (!integration)
    throw invalidDefinition(
      'UNSUPPORTED_RESOURCE',
      `State '${name}' uses Resource '${resource}', which the local Step Functions endpoint cannot run`,
    );
  if (type === 'EXPRESS' && 'pattern' in integration && integration.pattern === 'callback') {
    throw invalidDefinition(
      'SCHEMA_VALIDATION_FAILED',
      `Express state machines do not support '.waitForTaskToken' (state '${name}')`,
    );
  }
  return { ...info, integration };
}

/** Visits every state, including those inside Parallel branches and Map item processors. */
export function walkStates(
  machine: JsonObject,
  visit: (name: string, state: JsonObject, topLevel: boolean) => void,
  topLevel = true,
): void {
  const states = isJsonObject(machine.States) ? machine.States : {};
  for (const [name, state] of Object.entries(states)) {
    if (!isJsonObject(state)) continue;
    visit(name, state, topLevel);
    for (const child of childMachines(state)) walkStates(child, visit, false);
  }
}

export function childMachines(state: JsonObject): JsonObject[] {
  if (state.Type === 'Parallel' && Array.isArray(state.Branches)) return state.Branches.filter(isJsonObject);
  if (state.Type === 'Map') {
    const processor = state.ItemProcessor ?? state.Iterator;
    return isJsonObject(processor) ? [processor] : [];
  }
  return [];
}
