import { defineConfig } from "vitest/config";

/**
 * Two projects (test/suite-layout.test.ts keeps every file that starts an emulator, an engine,
 * a control plane or a browser out of `fast`): `fast` (unit and property tests: no emulator, no engine, no
 * browser, no child processes of the CLI; `npm run test:fast`, the inner
 * loop) and `slow` (everything that starts processes: moto, the real Pulumi
 * engine, the policy pack, Chromium). `npm run test:unit` runs both.
 */
export const SLOW = [
  "test/crash/**/*.test.ts",
  "test/adapters/cloudwatch-gate.test.ts",
  "test/adapters/dynamodb-ledger.test.ts",
  "test/adapters/ecs-deployment-watcher.test.ts",
  "test/adapters/notify-sns.test.ts",
  "test/adapters/gate-outage.test.ts",
  "test/adapters/pulumi-contract.test.ts",
  "test/adapters/wiring.test.ts",
  "test/component/packaging.test.ts",
  // A real kube-apiserver (skipped loudly without one).
  "test/kubernetes/api-server.test.ts",
  // The real Pulumi CLI and Kubernetes provider, a control plane with kwok, moto, the rollout.
  "test/kubernetes/rollout-e2e.test.ts",
  // The harness against @pulumi/policy's own analyzer handlers, program by program: a
  // fidelity check of the test harness over the whole corpus, not a unit test.
  "test/policy/harness-agreement-legal.test.ts",
  "test/policy/harness-agreement-violations.test.ts",
  "test/policy/harness.test.ts",
  "test/policy/legal-corpus.test.ts",
  // The real Pulumi CLI loading the pack.
  "test/policy/pack-cli.test.ts",
  "test/policy/pack-process.test.ts",
  "test/policy/violation-corpus.test.ts",
  // Whole rehearsals (program under mocks, four strategies) through the command, end to end.
  "test/rehearsal/command.test.ts",
  "test/rehearsal/train-command.test.ts",
  "test/rehearsal/report-page.test.ts",
  "test/rollout/processes.test.ts",
  // Train controllers and snapshots on the DynamoDB ledger (moto) as on the file ledger.
  "test/rollout/train/*-ledgers.test.ts",
  // Ctrl-C on `run`: the real Pulumi CLI cancelling a real update under the CLI as a process.
  "test/rollout/train/run-sigint.test.ts",
  // Starts the CLI as a child process to record which packages it resolves.
  "test/rollout/startup.test.ts",
];

// Forked processes, never threads: Pulumi's mocks and runtime settings are process-global,
// so two files must never run in one process at the same time.
const shared = {
  pool: "forks" as const,
  testTimeout: 60_000,
  hookTimeout: 300_000,
  // The AWS SDK's notice that its 2027 releases need Node 22 is not about this run
  // (documented switch: aws/aws-sdk-js-v3#7983); every test process would print it.
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
};

export default defineConfig({
  test: {
    maxWorkers: 2,
    reporters: ["default"],
    projects: [
      {
        test: {
          ...shared,
          name: "fast",
          include: ["test/**/*.test.ts"],
          exclude: SLOW,
          // The fast files take turns in two long-lived processes instead of one process
          // each: importing @pulumi/pulumi and the providers once per file was about half of
          // the project's CPU. Files run one at a time per process; shared-process.ts gives
          // each one empty Pulumi config and fails a file that leaves process-global state
          // changed. pulumi-stack-probes.ts spares the source-mapping of Pulumi's own stack
          // probes, which nothing reads under mocks (a quarter of the CPU that was left).
          isolate: false,
          setupFiles: ["test/support/shared-process.ts", "test/support/pulumi-stack-probes.ts"],
        },
      },
      {
        test: {
          ...shared,
          name: "slow",
          include: SLOW,
          // One moto server for the run; each file gets its own account on it (sharedMoto()).
          globalSetup: ["test/support/moto-global-setup.ts"],
        },
      },
    ],
  },
});
