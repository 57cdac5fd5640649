import { randomUUID } from 'node:crypto';
import { assertArn, assertValidName, executionArn, stateMachineArn, type Partition } from './arns';
import { parseDefinition, type ParsedDefinition, type StateMachineType } from './definition';
import { SfnApiError } from './errors';
import { Execution, type ExecutionDescription, type ExecutionStatus } from './execution';
import type { HistoryEvent } from './history';
import { statusChangeEvent, type StatusChangeListener } from './status-events';
import type { TaskServices } from './task-runner';

const MAX_INPUT_BYTES = 256 * 1024;
const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

export type Input = Record<string, unknown>;
export type Output = Record<string, unknown>;

interface StateMachineRecord {
  arn: string;
  name: string;
  type: StateMachineType;
  roleArn: string;
  definitionText: string;
  definition: ParsedDefinition;
  loggingConfiguration: unknown;
  creationDate: Date;
  updateDate?: Date;
  revisionId: string;
}

export interface ApiConfig extends Partition {
  services: TaskServices;
  waitScale: number;
  onStatusChange?: StatusChangeListener;
}

/** The Step Functions control-plane and task-token operations, over in-memory state. */
/** The fields of an ExecutionListItem (ListExecutions). */
const LIST_ITEM_FIELDS = [
  'executionArn',
  'stateMachineArn',
  'name',
  'status',
  'startDate',
  'stopDate',
  'redriveCount',
  'redriveDate',
] as const;

export class StepFunctionsApi {
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executionsByArn = new Map<string, Execution>();

  constructor(private readonly config: ApiConfig) {}

  private statusListener(listener: StatusChangeListener): (d: ExecutionDescription) => void {
    return (d) => listener(statusChangeEvent(d, { region: this.config.region, account: this.config.accountId }));
  }

  executions(): Execution[] {
    return [...this.executionsByArn.values()];
  }

  execution(arn: string): Execution {
    assertArn(arn, 'execution');
    const execution = this.executionsByArn.get(arn);
    if (!execution) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  readonly operations: Record<string, (input: Input) => Output> = {
    CreateStateMachine: (input) => this.createStateMachine(input),
    UpdateStateMachine: (input) => this.updateStateMachine(input),
    DescribeStateMachine: (input) => describeMachine(this.machine(required(input, 'stateMachineArn'))),
    DescribeStateMachineForExecution: (input) =>
      describeMachine(this.machine(this.execution(required(input, 'executionArn')).stateMachineArn)),
    ListStateMachines: () => ({
      stateMachines: [...this.machines.values()].map(({ arn, name, type, creationDate }) => ({
        stateMachineArn: arn,
        name,
        type,
        creationDate,
      })),
    }),
    DeleteStateMachine: (input) => {
      const arn = required(input, 'stateMachineArn');
      assertArn(arn, 'stateMachine');
      this.machines.delete(arn);
      return {};
    },
    StartExecution: (input) => this.startExecution(input),
    DescribeExecution: (input) => ({ ...this.execution(required(input, 'executionArn')).describe() }),
    ListExecutions: (input) => this.listExecutions(input),
    StopExecution: (input) => ({
      stopDate: this.execution(required(input, 'executionArn')).stop(
        optional(input, 'error'),
        optional(input, 'cause'),
      ),
    }),
    RedriveExecution: (input) => ({ redriveDate: this.execution(required(input, 'executionArn')).redrive() }),
    GetExecutionHistory: (input) => this.executionHistory(input),
    SendTaskSuccess: (input) => {
      this.config.services.tokens.succeed(required(input, 'taskToken'), required(input, 'output'));
      return {};
    },
    SendTaskFailure: (input) => {
      this.config.services.tokens.fail(
        required(input, 'taskToken'),
        optional(input, 'error'),
        optional(input, 'cause'),
      );
      return {};
    },
    SendTaskHeartbeat: (input) => {
      this.config.services.tokens.heartbeat(required(input, 'taskToken'));
      return {};
    },
  };

  private createStateMachine(input: Input): Output {
    const name = required(input, 'name');
    assertValidName(name, 'state machine');
    const definitionText = required(input, 'definition');
    const roleArn = required(input, 'roleArn');
    const type = machineType(input.type);
    const definition = parseDefinition(definitionText, type);
    const arn = stateMachineArn(this.config, name);
    const loggingConfiguration = input.loggingConfiguration ?? { level: 'OFF', includeExecutionData: false };
    const existing = this.machines.get(arn);
    if (existing) {
      const identical =
        existing.definitionText === definitionText && existing.roleArn === roleArn && existing.type === type;
      if (!identical) throw new SfnApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
      return { stateMachineArn: arn, creationDate: existing.creationDate };
    }
    const record: StateMachineRecord = {
      arn,
      name,
      type,
      roleArn,
      definitionText,
      definition,
      loggingConfiguration,
      creationDate: new Date(),
      revisionId: randomUUID(),
    };
    this.machines.set(arn, record);
    return { stateMachineArn: arn, creationDate: record.creationDate };
  }

  private updateStateMachine(input: Input): Output {
    const record = this.machine(required(input, 'stateMachineArn'));
    const definitionText = optional(input, 'definition');
    if (definitionText !== undefined) {
      record.definition = parseDefinition(definitionText, record.type);
      record.definitionText = definitionText;
    }
    record.roleArn = optional(input, 'roleArn') ?? record.roleArn;
    record.loggingConfiguration = input.loggingConfiguration ?? record.loggingConfiguration;
    record.updateDate = new Date();
    record.revisionId = randomUUID();
    return { updateDate: record.updateDate, revisionId: record.revisionId };
  }

  private startExecution(input: Input): Output {
    const machine = this.machine(required(input, 'stateMachineArn'));
    const name = optional(input, 'name') ?? randomUUID();
    assertValidName(name, 'execution');
    const inputText = optional(input, 'input') ?? '{}';
    assertExecutionInput(inputText);
    const arn = executionArn(this.config, machine.name, name);
    const existing = this.executionsByArn.get(arn);
    if (existing) {
      if (existing.isRunning && existing.input === inputText)
        return { executionArn: arn, startDate: existing.startDate };
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const execution = new Execution({
      executionArn: arn,
      stateMachineArn: machine.arn,
      stateMachineName: machine.name,
      name,
      roleArn: machine.roleArn,
      input: inputText,
      definition: machine.definition,
      services: this.config.services,
      waitScale: this.config.waitScale,
      ...(this.config.onStatusChange ? { onStatusChange: this.statusListener(this.config.onStatusChange) } : {}),
    });
    this.executionsByArn.set(arn, execution);
    return { executionArn: arn, startDate: execution.startDate };
  }

  private listExecutions(input: Input): Output {
    const machineArn = required(input, 'stateMachineArn');
    this.machine(machineArn);
    const statusFilter = optional(input, 'statusFilter');
    if (statusFilter !== undefined && !STATUSES.includes(statusFilter as ExecutionStatus)) {
      throw new SfnApiError('ValidationException', `Invalid statusFilter: ${statusFilter}`);
    }
    const matching = this.executions()
      .filter((e) => e.stateMachineArn === machineArn)
      .map((e) => e.describe())
      .filter((e) => statusFilter === undefined || e.status === statusFilter)
      .reverse();
    const { page, nextToken } = paginate(matching, input);
    // ListExecutions answers ExecutionListItem: these fields of each execution, nothing more.
    const executions = page.map((e) => Object.fromEntries(LIST_ITEM_FIELDS.map((k) => [k, e[k]])));
    return { executions, nextToken };
  }

  private executionHistory(input: Input): Output {
    const history = this.execution(required(input, 'executionArn')).history.list();
    const ordered = input.reverseOrder === true ? [...history].reverse() : [...history];
    const includeData = input.includeExecutionData !== false;
    const { page, nextToken } = paginate(ordered, input);
    return { events: page.map((event) => wireEvent(event, includeData)), nextToken };
  }

  private machine(arn: string): StateMachineRecord {
    assertArn(arn, 'stateMachine');
    const record = this.machines.get(arn);
    if (!record) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return record;
  }
}

function describeMachine(record: StateMachineRecord): Output {
  return {
    stateMachineArn: record.arn,
    name: record.name,
    status: 'ACTIVE',
    definition: record.definitionText,
    roleArn: record.roleArn,
    type: record.type,
    creationDate: record.creationDate,
    updateDate: record.updateDate,
    loggingConfiguration: record.loggingConfiguration,
    tracingConfiguration: { enabled: false },
    revisionId: record.revisionId,
  };
}

function wireEvent(event: HistoryEvent, includeData: boolean): Output {
  const wire: Output = {
    timestamp: event.timestamp,
    type: event.type,
    id: event.id,
    previousEventId: event.previousEventId,
  };
  if (event.detailsKey && event.details) {
    const details = Object.fromEntries(
      Object.entries(event.details).filter(([key, value]) => value !== undefined && (includeData || !isDataField(key))),
    );
    wire[event.detailsKey] = details;
  }
  return wire;
}

function isDataField(key: string): boolean {
  return ['input', 'output', 'parameters', 'inputDetails', 'outputDetails'].includes(key);
}

function paginate<T>(items: T[], input: Input): { page: T[]; nextToken?: string } {
  const start = Number(optional(input, 'nextToken') ?? '0');
  const maxResults = typeof input.maxResults === 'number' && input.maxResults > 0 ? input.maxResults : 1000;
  if (!Number.isInteger(start) || start < 0 || start > items.length)
    throw new SfnApiError('InvalidToken', 'Invalid nextToken');
  const page = items.slice(start, start + maxResults);
  const next = start + maxResults;
  return next < items.length ? { page, nextToken: String(next) } : { page };
}

function assertExecutionInput(text: string): void {
  if (Buffer.byteLength(text, 'utf8') > MAX_INPUT_BYTES)
    throw new SfnApiError('InvalidExecutionInput', 'Input exceeds the 262144 byte limit');
  try {
    JSON.parse(text);
  } catch (error) {
    throw new SfnApiError(
      'InvalidExecutionInput',
      `Invalid State Machine Execution Input: '${error instanceof Error ? error.message : String(error)}'`,
    );
  }
}

function machineType(value: unknown): StateMachineType {
  if (value === undefined || value === 'STANDARD') return 'STANDARD';
  if (value === 'EXPRESS') return 'EXPRESS';
  throw new SfnApiError(
    'ValidationException',
    `Value '${String(value)}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`,
  );
}

function required(input: Input, key: string): string {
  const value = input[key];
  if (typeof value !== 'string')
    throw new SfnApiError(
      'ValidationException',
      `1 validation error detected: Value null at '${key}' failed to satisfy constraint: Member must not be null`,
    );
  return value;
}

function optional(input: Input, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SfnApiError('ValidationException', `Value at '${key}' must be a string`);
  return value;
}
