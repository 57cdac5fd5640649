import '../polyfills';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { StateInfo } from './definition';
import { dataField, type History } from './history';
import type { Json } from './json';

export type LibraryEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export interface EventSink {
  history: History;
  stateInfo(name: string): StateInfo | undefined;
  /** A top-level state was entered with this input (where a redrive restarts). */
  topLevelEntered(name: string, input: Json): void;
  /** A state failed; used to tell a Fail state's own Error/Cause apart from the interpreter's defaults. */
  stateFailed(info: StateInfo): void;
}

/**
 * Translates aws-local-stepfunctions event logs into AWS history events. Execution-level events are recorded by the
 * execution itself; task events come from the task overrides.
 */
export function recordLibraryEvent(event: LibraryEvent, sink: EventSink): void {
  const { history } = sink;
  switch (event.type) {
    case 'StateEntered': {
      const info = sink.stateInfo(event.state.name);
      const type = info?.type ?? event.state.type;
      history.add(
        `${type}StateEntered`,
        { name: event.state.name, ...dataField('input', event.state.input) },
        event.timestamp,
      );
      if (type === 'Parallel') history.add('ParallelStateStarted', undefined, event.timestamp);
      if (type === 'Map') history.add('MapStateStarted', {}, event.timestamp);
      if (info?.topLevel) sink.topLevelEntered(info.name, event.state.input);
      return;
    }
    case 'StateExited': {
      const type = sink.stateInfo(event.state.name)?.type ?? event.state.type;
      if (type === 'Parallel' || type === 'Map') history.add(`${type}StateSucceeded`, undefined, event.timestamp);
      history.add(
        `${type}StateExited`,
        { name: event.state.name, ...dataField('output', event.state.output ?? null) },
        event.timestamp,
      );
      return;
    }
    case 'StateFailed': {
      const info = sink.stateInfo(event.state.name);
      if (info) sink.stateFailed(info);
      if (info?.type === 'Parallel' || info?.type === 'Map')
        history.add(`${info.type}StateFailed`, undefined, event.timestamp);
      return;
    }
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      history.add(event.type, { name: event.parentState.name, index: event.index }, event.timestamp);
      return;
    default:
      return;
  }
}
