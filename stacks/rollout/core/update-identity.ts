/**
 * Which update is which, without version numbers. File and other DIY backends
 * (S3, GCS, Azure Blob) record every update with `version: 0`; only Pulumi
 * Cloud numbers them. An update is identified by what the driver records with
 * it — the release in its `--message` marker — and its start and end times,
 * which every backend keeps. The version is used only when the backend
 * numbers updates (> 0).
 */
import type { UpdateRecord } from "./ports.js";

/** True when both records describe the same update of a stack. */
export function sameUpdate(a: UpdateRecord | undefined, b: UpdateRecord | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.version > 0 && b.version > 0) return a.version === b.version;
  return (
    a.startTime !== undefined &&
    a.startTime === b.startTime &&
    a.endTime === b.endTime &&
    a.release === b.release
  );
}

/**
 * Whether `latest` is the update that put `releaseId` on the stack after
 * `before` (the good update recorded when the release's apply started): it
 * is not `before`, it carries the release's marker, and it did not start
 * earlier.
 */
export function isUpdateOfRelease(
  latest: UpdateRecord | undefined,
  releaseId: string,
  before: UpdateRecord | undefined,
): latest is UpdateRecord {
  if (latest === undefined || latest.release !== releaseId) return false;
  if (sameUpdate(latest, before)) return false;
  if (latest.version > 0 && (before?.version ?? 0) > 0) return latest.version > before!.version;
  const started = Date.parse(latest.startTime ?? "");
  const previous = Date.parse(before?.startTime ?? "");
  return Number.isNaN(previous) || Number.isNaN(started) || started >= previous;
}

/** A short, stable name of an update for messages and revert markers: `r1@2026-12-03T19:30:49Z`. */
export function describeUpdate(u: UpdateRecord): string {
  const at = u.startTime?.replace(/\.000Z$/, "Z") ?? "unknown-time";
  const what = u.release ?? "by-hand";
  return u.version > 0 ? `${what}#${String(u.version)}@${at}` : `${what}@${at}`;
}
