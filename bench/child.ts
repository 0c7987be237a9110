/**
 * Child process of the bench: receives one MeasureSpec over IPC, measures it, sends the
 * outcome back and exits, so no state of one measurement leaks into the next.
 */
import type { ChildOutcome, MeasureSpec } from './harness';
import { SCENARIO_LOADERS } from './scenarios/index';

async function measure(spec: MeasureSpec): Promise<ChildOutcome> {
  const load = SCENARIO_LOADERS[spec.scenario];
  if (load === undefined) return { ok: false, error: `unknown scenario ${spec.scenario}` };
  try {
    const scenario = await load();
    return { ok: true, measurement: await scenario.measure(spec) };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return { ok: false, error: message.split('\n').slice(0, 4).join(' | ') };
  }
}

process.once('message', (spec: MeasureSpec) => {
  if (spec.exitAfterMs !== undefined) {
    setTimeout(() => process.exit(3), spec.exitAfterMs).unref();
  }
  void measure(spec).then((outcome) => {
    // Exit once the outcome is sent: a peer's socket or worker must not keep the child up.
    process.send!(outcome, () => process.exit(0));
  });
});
