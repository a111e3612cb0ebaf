/**
 * The CLI in a child process over a FileWorld (run with `node --import tsx
 * cli-child.ts <world.json> <cli args...>`): the real `main`, real file
 * ledger and lease, real clock; only the stacks and alarms are stand-ins.
 */
import { realClock } from "../../../stacks/rollout/adapters/real-clock.js";
import { main } from "../../../stacks/rollout/cli/main.js";
import { FileWorld, worldPorts } from "../../kit/file-world.js";

const [worldPath, ...argv] = process.argv.slice(2);
if (worldPath === undefined) throw new Error("usage: cli-child.ts <world.json> <args...>");
const world = new FileWorld(worldPath, realClock);
process.exitCode = await main(argv, { ports: worldPorts(world, realClock) });
