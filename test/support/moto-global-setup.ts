/**
 * vitest globalSetup of the slow suites: one moto server for the whole run
 * (started through scripts/local-aws.sh like every other), handed to the
 * test processes in an environment variable; `sharedMoto()` gives each file
 * an account of its own on it. When moto cannot be provisioned outside CI,
 * nothing is started and the files skip as they say; in CI ensureMoto throws,
 * so the run fails rather than skip.
 */
import { SHARED_MOTO_ENV, ensureMoto, startMoto } from "./moto.js";

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const availability = await ensureMoto();
  if (!availability.available) return undefined;
  const server = await startMoto();
  // Forked test processes inherit the environment of the process that runs this setup.
  process.env[SHARED_MOTO_ENV] = `${server.endpoint} ${String(server.pid)}`;
  return async () => {
    delete process.env[SHARED_MOTO_ENV];
    await server.stop();
  };
}
