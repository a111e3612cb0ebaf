/**
 * The example program, as a function: reads the stack's config, loads the
 * environment definition, and creates the part of the environment this stack
 * owns. stacks/index.ts calls it and exports the result; tests call it under
 * mocks (see test/component/support/program-runner.ts).
 *
 * Config keys (namespace `cohort-service`), see README.md, "The component":
 *   environment, part, cohort, pin, pins (components/contract.ts CONFIG_KEYS),
 *   vpcId, subnetIds, loadBalancerSubnetIds, certificateArn, host, internal,
 *   container, edgeStackRef.
 */
import * as pulumi from "@pulumi/pulumi";
// The public surface only, as a user's program would import the package.
import {
  CONFIG_KEYS,
  CohortSegmentedService,
  CohortSpecError,
  validateArgs,
  type CohortOutput,
  type CohortSegmentedServiceArgs,
  type ContainerSpecInput,
  type EdgeOutputs,
  type EdgeReference,
  type EnvironmentOutput,
  type EnvironmentSpecInput,
  type Part,
  type Pin,
  type SpecProblem,
} from "../components/index.js";
import {
  cloudflareStackArgs,
  readEnvironmentFile,
  wrappedFilePath,
  type EnvironmentFile,
} from "./cloudflare-args.js";
import { loadEnvironmentFile } from "./environment.js";

export const PROJECT = "cohort-service";

export interface ProgramOptions {
  /** How an environment definition is found. @default loadEnvironmentFile (stacks/environments) */
  loadEnvironment?: (name: string) => unknown;
}

export interface ProgramOutputs {
  cohorts: pulumi.Output<Record<string, CohortOutput>>;
  environment: EnvironmentOutput | undefined;
  edge: EdgeOutputs | undefined;
}

/** The edge stack's stack-reference name: configurable, defaulting to the file-backend form. */
export function edgeStackRefName(config: pulumi.Config, edgeStack: string): string {
  return config.get("edgeStackRef") ?? `organization/${PROJECT}/${edgeStack}`;
}

type EdgeOutputReader = (refName: string, key: string) => pulumi.Output<string>;

/**
 * Reads fields of edge stacks' exported `edge`, with one StackReference per edge stack per
 * program run: the AWS edge reference and the Cloudflare route namespace read the same stack.
 */
function edgeOutputReader(): EdgeOutputReader {
  const references = new Map<string, pulumi.StackReference>();
  return (refName, key) => {
    let ref = references.get(refName);
    if (ref === undefined) {
      ref = new pulumi.StackReference(refName);
      references.set(refName, ref);
    }
    return requiredEdgeField(ref, refName, key);
  };
}

function requiredEdgeField(
  ref: pulumi.StackReference,
  refName: string,
  key: string,
): pulumi.Output<string> {
  const edge = ref.requireOutput("edge") as pulumi.Output<Record<string, string>>;
  return edge.apply((e) => {
    const value = e[key];
    if (typeof value !== "string" || value === "") {
      throw new Error(`stack ${refName} exports no edge.${key}: deploy the edge stack first`);
    }
    return value;
  });
}

function readEdgeReference(refName: string, edgeOutput: EdgeOutputReader): EdgeReference {
  const field = (key: keyof EdgeReference) => edgeOutput(refName, key);
  return {
    listenerArn: field("listenerArn"),
    loadBalancerArnSuffix: field("loadBalancerArnSuffix"),
    securityGroupId: field("securityGroupId"),
    dnsName: field("dnsName"),
  };
}

/**
 * Where a validation problem lives in this program's inputs: the environment
 * file, or a config key of this stack. The component's own paths
 * (`environment.cohorts[1].name`, `pins.free.version`, `network.vpcId`) are
 * translated so the user knows which file to edit.
 */
export function configPath(path: string, part: Part, cohort: string | undefined): string {
  const key = (rest: string) => `${PROJECT}:${rest}`;
  if (path === "environment" || path.startsWith("environment.")) {
    const rest = path.slice("environment".length).replace(/^\./, "");
    return `environment file${rest === "" ? "" : `:${rest}`}`;
  }
  if (path.startsWith("network.")) return key(path.slice("network.".length));
  if (part === "cohort" && cohort !== undefined && path.startsWith(`pins.${cohort}`)) {
    return key(`pin${path.slice(`pins.${cohort}`.length)}`);
  }
  return key(path);
}

/**
 * Typed config reads that record a problem and return undefined instead of
 * throwing, so a value that is not JSON (or not a boolean) is reported with
 * every other problem, in the one CohortSpecError.
 */
function configReader(config: pulumi.Config) {
  const problems: SpecProblem[] = [];
  const read = <T>(key: string, parse: (text: string) => T, expected: string, hint: string) => {
    const text = config.get(key);
    if (text === undefined) return undefined;
    try {
      return parse(text);
    } catch {
      problems.push({
        path: `${PROJECT}:${key}`,
        // Not the value itself: it may be a secret.
        problem: `is not ${expected}`,
        hint,
      });
      return undefined;
    }
  };
  return {
    problems,
    object: <T>(key: string): T | undefined =>
      read(
        key,
        (text) => JSON.parse(text) as T,
        "valid JSON",
        "write it as a YAML map or list in the stack config",
      ),
    boolean: (key: string): boolean | undefined =>
      read(
        key,
        (text) => {
          if (text === "true" || text === "false") return text === "true";
          throw new Error(text);
        },
        "a boolean",
        "true or false",
      ),
  };
}

/**
 * Creates the service from the program's args. The component validates them (once, before
 * it registers anything); its problems are rethrown with config-key and file paths, joined
 * by the config values that could not be read. When some could not, the component is not
 * constructed: its validation alone gathers the rest of the problems for the one error.
 */
function createService(
  args: CohortSegmentedServiceArgs,
  environmentSource: string,
  configProblems: readonly SpecProblem[],
  file: EnvironmentFile,
): CohortSegmentedService {
  let problems: SpecProblem[] = [];
  try {
    if (configProblems.length === 0) return new CohortSegmentedService("service", args);
    validateArgs("service", args);
  } catch (error) {
    if (!(error instanceof CohortSpecError)) throw error;
    problems = error.problems.map((p) => {
      const inFile = wrappedFilePath(p.path, file);
      return {
        ...p,
        path:
          inFile !== undefined
            ? `${environmentSource}:${inFile}`
            : configPath(p.path, args.part ?? "all", args.cohort).replace(
                /^environment file/,
                environmentSource,
              ),
      };
    });
  }
  // A key that could not be read is reported once, as unreadable, not also as missing.
  const unreadable = new Set(configProblems.map((p) => p.path));
  throw new CohortSpecError(`stack ${pulumi.getStack()}`, [
    ...problems.filter((p) => !unreadable.has(p.path)),
    ...configProblems,
  ]);
}

export function runProgram(options: ProgramOptions = {}): ProgramOutputs {
  const config = new pulumi.Config(PROJECT);
  const envName = config.require(CONFIG_KEYS.environment);
  const environmentSource =
    options.loadEnvironment === undefined
      ? `stacks/environments/${envName}.yaml`
      : `environment/${envName}`;
  const file = readEnvironmentFile(
    (options.loadEnvironment ?? loadEnvironmentFile)(envName),
    environmentSource,
  );
  const environment = file.environment as EnvironmentSpecInput;
  const rawPart: string = config.get(CONFIG_KEYS.part) ?? "all";
  // Not narrowed here: validateArgs reports a bad value with the valid ones as its hint.
  const part = rawPart as Part;
  const cohort = config.get(CONFIG_KEYS.cohort);
  const reader = configReader(config);
  const pin = part === "cohort" ? reader.object<Pin>(CONFIG_KEYS.pin) : undefined;
  const pins: NonNullable<CohortSegmentedServiceArgs["pins"]> =
    part === "cohort"
      ? cohort !== undefined && pin !== undefined
        ? { [cohort]: pin }
        : {}
      : (reader.object<NonNullable<CohortSegmentedServiceArgs["pins"]>>(CONFIG_KEYS.pins) ?? {});
  const container = reader.object<ContainerSpecInput>("container");
  const internal = reader.boolean("internal");
  const host = config.get("host");
  const lbSubnets = reader.object<string[]>("loadBalancerSubnetIds");
  const args: CohortSegmentedServiceArgs = {
    environment,
    part,
    ...(cohort !== undefined ? { cohort } : {}),
    pins,
    network: {
      // Missing values are reported by validation, with every other problem, as config keys.
      vpcId: config.get("vpcId") ?? "",
      subnetIds: reader.object<string[]>("subnetIds") ?? [],
      certificateArn: config.get("certificateArn") ?? "",
      ...(lbSubnets !== undefined ? { loadBalancerSubnetIds: lbSubnets } : {}),
      ...(host !== undefined ? { host } : {}),
      ...(internal !== undefined ? { internal } : {}),
    },
    ...(container !== undefined ? { container } : {}),
  };
  // One stack reference per run, read by the component only once the args are valid.
  const edgeOutput = edgeOutputReader();
  Object.assign(
    args,
    cloudflareStackArgs(config, part, file, (edgeStack, key) =>
      edgeOutput(edgeStackRefName(config, edgeStack), key),
    ),
  );

  // Read by the component only once the args are valid, and only for a shared-ingress
  // cohort: bad config fails before anything, even the stack reference, is registered.
  if (part === "cohort")
    args.edge = (edgeStack) => readEdgeReference(edgeStackRefName(config, edgeStack), edgeOutput);

  const service = createService(
    args,
    environmentSource,
    [...reader.problems, ...file.problems],
    file,
  );
  return { cohorts: service.cohorts, environment: service.environment, edge: service.edge };
}
