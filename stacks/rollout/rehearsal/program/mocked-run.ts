/**
 * Runs the example program (stacks/program.ts, exactly what stacks/index.ts
 * runs) for one stack under Pulumi's own mocks and records every resource's
 * resolved inputs. This is how the rehearsal learns which alarms the
 * component really defines, with no cloud account and no Pulumi CLI.
 *
 * Pulumi's mocks and config are process-global: runs are sequential.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CohortOutput, EnvironmentOutput } from "../../../../components/contract.js";
import { PROJECT, runProgram } from "../../../program.js";
import type { StackConfig } from "./stack-config.js";

export interface MockedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface MockedRun {
  stack: string;
  resources: MockedResource[];
  cohorts: Record<string, CohortOutput>;
  environment: EnvironmentOutput | undefined;
  /** The edge's outputs (edge and single-stack mode), served to cohort stacks' StackReference. */
  edge: Record<string, string> | undefined;
}

/** A stand-in cloud: every physical id, ARN and suffix is derived from the resource's type and name. */
function mockedState(type: string, name: string, inputs: Record<string, unknown>) {
  const token = `mock:${type.replaceAll("/", ".")}/${name}`;
  const echo = (key: string): unknown => inputs[key] ?? `${key}:${token}`;
  return {
    id: `id:${token}`,
    state: {
      ...inputs,
      arn: `arn:${token}`,
      arnSuffix: `sfx:${token}`,
      dnsName: `dns.${name}.mock.invalid`,
      keyId: `keyid:${token}`,
      name: echo("name"),
      bucket: echo("bucket"),
      alarmName: echo("alarmName"),
    },
  };
}

function resolve<T>(value: pulumi.Input<T>): Promise<T> {
  return new Promise<T>((done) => {
    pulumi.output(value).apply((v) => {
      done(v as T);
      return v;
    });
  });
}

export interface MockedRunOptions {
  /** Outputs of referenced stacks, by stack-reference name. */
  stackReferences?: Record<string, Record<string, unknown>>;
}

export async function runStackUnderMocks(
  stack: string,
  config: StackConfig,
  options: MockedRunOptions = {},
): Promise<MockedRun> {
  const resources: MockedResource[] = [];
  const references = options.stackReferences ?? {};
  const mocks: pulumi.runtime.Mocks = {
    newResource: (args) => {
      if (args.type === "pulumi:pulumi:StackReference") {
        const inputs = args.inputs as Record<string, unknown>;
        const refName = typeof inputs.name === "string" ? inputs.name : args.name;
        const outputs = references[refName];
        if (outputs === undefined) {
          throw new Error(
            `stack ${stack} references stack ${refName}, which this rehearsal did not run`,
          );
        }
        return { id: refName, state: { name: refName, outputs, secretOutputNames: [] } };
      }
      resources.push({
        type: args.type,
        name: args.name,
        inputs: args.inputs as Record<string, unknown>,
      });
      if (!args.custom) return { id: undefined, state: {} };
      return mockedState(args.type, args.name, args.inputs as Record<string, unknown>);
    },
    call: (args) => {
      switch (args.token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return {
            accountId: "111122223333",
            arn: "arn:aws:iam::111122223333:user/rehearsal",
            userId: "AIDAREHEARSAL",
            id: "111122223333",
          };
        case "aws:index/getRegion:getRegion":
          return { region: "eu-west-1", name: "eu-west-1", id: "eu-west-1" };
        default:
          return args.inputs as Record<string, unknown>;
      }
    },
  };
  await pulumi.runtime.setMocks(mocks, PROJECT, stack, false);
  pulumi.runtime.setAllConfig(config);
  const out = runProgram();
  const cohorts = await resolve(out.cohorts);
  const edge =
    out.edge === undefined
      ? undefined
      : await resolve(pulumi.output(out.edge as unknown as Record<string, pulumi.Input<string>>));
  // Every registration (alarms included) has been answered once the RPC queue drains.
  await pulumi.runtime.disconnect();
  return { stack, resources, cohorts, environment: out.environment, edge };
}
