/** The test kit's health gate: alarm states scripted by name and time. */
import type {
  AlarmReading,
  AlarmStateValue,
  Clock,
  HealthGate,
} from "../../stacks/rollout/core/ports.js";

/** Alarm states as a function of alarm name and time; `errors` makes reads throw. */
export class ScriptedGate implements HealthGate {
  script: (name: string, now: number) => AlarmStateValue | "MISSING" = () => "OK";
  /** Number of upcoming reads that throw. */
  failNext = 0;
  reads: number[] = [];
  /**
   * @param clock stamps each read
   * @param alarm the period and evaluation periods every alarm reports (the plan's publication lag)
   */
  constructor(
    private readonly clock: Clock,
    private readonly alarm = { periodSeconds: 60, evaluationPeriods: 3 },
  ) {}
  read(names: string[]): Promise<AlarmReading[]> {
    const now = this.clock.now();
    this.reads.push(now);
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error("Throttling: Rate exceeded"));
    }
    return Promise.resolve(
      names.map((name) => {
        const s = this.script(name, now);
        return s === "MISSING"
          ? { name, exists: false }
          : { name, exists: true, state: s, ...this.alarm };
      }),
    );
  }
}
