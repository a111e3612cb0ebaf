/**
 * Minting the signed cohort cookie the edge Worker verifies (router-source.ts): the value is
 * `<cohort>.<expires>.<base64url HMAC-SHA256("<cohort>.<expires>", key)>`. Call it where the
 * user's identity is verified (the sign-in service), never in the client.
 */
import { createHmac } from "node:crypto";

/**
 * @param identity The cohort's identity value (its name unless the edge sets `identity`).
 * @param expiresAt Expiry, seconds since the epoch; the Worker refuses the cookie after it.
 * @param key The signing key, the same secret the edge Worker is given.
 */
export function signCohortCookie(identity: string, expiresAt: number, key: string): string {
  const payload = `${identity}.${Math.floor(expiresAt)}`;
  const signature = createHmac("sha256", key).update(payload).digest("base64url");
  return `${payload}.${signature}`;
}
