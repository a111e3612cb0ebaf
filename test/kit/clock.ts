/**
 * The test kit's clocks. FakeClock: the rehearsal's discrete-event clock (concurrent sleepers,
 * such as an update and the runner watching the ledger meanwhile, wake in virtual-time order;
 * sleeps honour their AbortSignal), plus what the tests look at. ManualClock: a clock that
 * moves only when the test says so.
 */
import { VirtualClock } from "../../stacks/rollout/rehearsal/adapters/virtual-clock.js";

export { ManualClock } from "./manual-clock.js";

/**
 * The rehearsal's discrete-event clock plus what the tests look at: every sleep asked for, and the time as `t`, which a test may set
 * to simulate clock skew.
 */
export class FakeClock extends VirtualClock {
  sleeps: number[] = [];
  constructor(start = 1_000_000) {
    super(start);
  }
  get t(): number {
    return this.current;
  }
  set t(value: number) {
    this.current = value;
  }
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return super.sleep(ms, signal);
  }
}
