/** Hostname arithmetic shared by validation and the builders. */

/** `free` + `api.example.com` -> `free.api.example.com`. */
export function defaultCohortHostname(cohort: string, hostname: string): string {
  return `${cohort}.${hostname}`;
}

/** True when `host` is the zone apex or a name under it. */
export function isInZone(host: string, zone: string): boolean {
  return host === zone || host.endsWith(`.${zone}`);
}

/** The Worker route pattern covering every path of a hostname. */
export function workerRoutePattern(hostname: string): string {
  return `${hostname}/*`;
}

/** The KV key of a cohort's route entry. */
export function routeEntryKey(cohort: string): string {
  return `cohort:${cohort}`;
}
