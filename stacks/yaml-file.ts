/**
 * YAML files the stacks and the rollout read (environment definitions, stack
 * config, Pulumi.yaml): a syntax error names its file, line and column, so
 * the operator knows which of several files to fix.
 */
import { YAMLParseError, parse } from "yaml";

export function parseYamlFile(path: string, text: string): unknown {
  try {
    return parse(text) as unknown;
  } catch (err) {
    if (!(err instanceof YAMLParseError)) throw err;
    const at = err.linePos?.[0];
    const where = at ? `${path}:${String(at.line)}:${String(at.col)}` : path;
    const reason = err.message.split("\n")[0] ?? err.message;
    throw new Error(`${where}: not valid YAML: ${reason}`, { cause: err });
  }
}
