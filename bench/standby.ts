/**
 * standby_outage_s: in the `standby` drill on the local stack, the outage the
 * sample application saw minus the detection time (the cache broken → the
 * outage confirmed by the workflow): how long the takeover by the warm standby
 * kept clients waiting once the workflow knew.
 */
import { runDrill } from '../local/drill/run';
import { summarize, type Summary } from './stats';

export interface StandbyRun {
  ok: boolean;
  why: string;
  appOutageS?: number;
  detectionS?: number;
  alarmS?: number;
  takeoverS?: number;
  rehydrated?: number;
}

export interface StandbyResult {
  takeoverS: Summary;
  runs: StandbyRun[];
}

export async function benchStandby(opts: {
  keys: number;
  runs: number;
  log: (line: string) => void;
}): Promise<StandbyResult> {
  const runs: StandbyRun[] = [];
  for (let i = 0; i < opts.runs; i += 1) {
    const report = await runDrill({ scenario: 'standby', keys: opts.keys });
    const detectionMs = report.detection?.brokenToConfirmedMs;
    const run: StandbyRun = {
      ok: report.ok,
      why: report.why,
      ...(report.appOutageMs !== undefined ? { appOutageS: report.appOutageMs / 1000 } : {}),
      ...(detectionMs !== undefined ? { detectionS: detectionMs / 1000 } : {}),
      ...(report.detection?.brokenToAlarmMs !== undefined ? { alarmS: report.detection.brokenToAlarmMs / 1000 } : {}),
      ...(report.appOutageMs !== undefined && detectionMs !== undefined
        ? { takeoverS: (report.appOutageMs - detectionMs) / 1000 }
        : {}),
      ...(report.rehydrated !== undefined ? { rehydrated: report.rehydrated } : {}),
    };
    runs.push(run);
    if (!run.ok || run.takeoverS === undefined) throw new Error(`the standby drill did not resolve: ${run.why}`);
    opts.log(
      `  standby drill ${i + 1}/${opts.runs}: the application saw ${run.appOutageS?.toFixed(1)} s of outage − detection ${run.detectionS?.toFixed(1)} s (alarm at ${run.alarmS?.toFixed(1)} s) = ${run.takeoverS.toFixed(1)} s; ${run.rehydrated ?? 0} keys written back`,
    );
  }
  return { takeoverS: summarize(runs.map((r) => r.takeoverS as number)), runs };
}
