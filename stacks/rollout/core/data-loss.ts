/**
 * Which planned changes lose data: replacing or deleting a resource that
 * holds a cohort's state. Refused unless the operator passes
 * `--allow-data-loss`.
 */
import type { PlannedChange, PreviewResult } from "./ports.js";

/** Resource types (type tokens, matched as prefixes) that hold data. */
const STORAGE_TYPES = [
  "aws:dynamodb/table:",
  "aws:s3/bucket:",
  "aws:s3/bucketV2:",
  "aws:rds/",
  "aws:efs/fileSystem:",
  "aws:kms/key:",
  "aws:elasticache/",
  "kubernetes:core/v1:PersistentVolumeClaim",
  "kubernetes:core/v1:PersistentVolume",
  "kubernetes:apps/v1:StatefulSet",
  // Dynamic resources a program declares in a module named `storage`
  // (`new pulumi.dynamic.Resource(p, name, props, opts, "storage", "Table")`):
  // stateful things a team manages through its own dynamic provider.
  "pulumi-nodejs:dynamic/storage:",
];

export function isStorage(type: string): boolean {
  return STORAGE_TYPES.some((t) => type.startsWith(t));
}

export function dataLossChanges(preview: PreviewResult): PlannedChange[] {
  return preview.changes.filter(
    (c) => (c.op === "delete" || c.op === "replace") && isStorage(c.type),
  );
}

export function describeChange(c: PlannedChange): string {
  return `${c.op} ${c.type} ${c.urn}`;
}
