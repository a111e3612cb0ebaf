/**
 * A HealthGate over the simulated CloudWatch: it catches the alarm
 * evaluation up to the virtual clock's now, then reads states as
 * DescribeAlarms would.
 */
import type { AlarmReading, Clock, HealthGate } from "../../core/ports.js";
import type { SimulatedCloudWatch } from "../cloudwatch/simulated-cloudwatch.js";

/**
 * Reads at one virtual instant beyond which the caller is polling without
 * ever waiting: a loop that would otherwise spin forever on microtasks,
 * starving the virtual clock (and any test timeout) of a chance to run.
 */
export const MAX_READS_PER_INSTANT = 1_000;

export class SimulatedGate implements HealthGate {
  reads = 0;
  private instant = Number.NaN;
  private readsAtInstant = 0;

  constructor(
    private readonly cloudwatch: SimulatedCloudWatch,
    private readonly clock: Clock,
  ) {}

  read(alarmNames: string[]): Promise<AlarmReading[]> {
    this.reads++;
    const now = this.clock.now();
    this.readsAtInstant = now === this.instant ? this.readsAtInstant + 1 : 1;
    this.instant = now;
    if (this.readsAtInstant > MAX_READS_PER_INSTANT) {
      return Promise.reject(
        new Error(
          `runaway polling: alarms read ${this.readsAtInstant} times at one virtual instant without waiting`,
        ),
      );
    }
    this.cloudwatch.advanceTo(this.clock.now());
    return Promise.resolve(this.cloudwatch.read(alarmNames));
  }
}
