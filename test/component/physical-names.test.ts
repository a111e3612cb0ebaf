/**
 * Physical names as AWS sees them in a real account: S3 bucket names are one
 * namespace across every account and region, so a bucket name derived from the
 * environment and cohort alone is taken by the first account (or region) that
 * deploys, say, `dev`/`pro`, and every other one fails with BucketAlreadyExists.
 */
import { describe, expect, it } from "vitest";
import { CohortSegmentedService } from "../../components/service.js";
import { cohort, pin, validArgs } from "./support/args.js";
import { GraphRecorder } from "./support/graph-recorder.js";

async function bucketName(accountId: string, region: string): Promise<string> {
  const recorder = new GraphRecorder({ stack: "names", accountId, region }).install();
  new CohortSegmentedService(
    "svc",
    validArgs({
      environment: {
        name: "atwentycharenvxxxxxx",
        cohorts: [cohort("a-twenty-char-cohort", 0, { storage: { bucket: true } })],
      },
      pins: { "a-twenty-char-cohort": pin() },
    }),
  );
  const graph = await recorder.settle();
  const buckets = graph.ofType("aws:s3/bucket:Bucket");
  expect(buckets).toHaveLength(1);
  return String(buckets[0]?.inputs.bucket);
}

describe("S3 bucket names", () => {
  it("differ between accounts and regions for the same environment and cohort", async () => {
    const here = await bucketName("111122223333", "eu-west-1");
    const otherAccount = await bucketName("444455556666", "eu-west-1");
    const otherRegion = await bucketName("111122223333", "us-east-1");
    expect(new Set([here, otherAccount, otherRegion]).size).toBe(3);
    // Deterministic: the same account and region always get the same name.
    expect(await bucketName("111122223333", "eu-west-1")).toBe(here);
    for (const name of [here, otherAccount, otherRegion]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
      // Still named after the cohort (the policy pack and humans read the prefix).
      expect(name.startsWith("svc-atwentycharenvxxxxxx-a-twenty-char-cohort-")).toBe(true);
    }
  });
});
