/**
 * Writes docs/notification.schema.json from the zod schema of notifications
 * (stacks/rollout/notify/notification.ts). test/rollout/notify-derive.test.ts
 * fails when the two differ. Run: npx tsx scripts/notification-schema.ts && npx prettier --write docs/notification.schema.json
 */
import { writeFileSync } from "node:fs";
import { notificationJsonSchema } from "../stacks/rollout/notify/notification.js";

const path = new URL("../docs/notification.schema.json", import.meta.url);
writeFileSync(path, JSON.stringify(notificationJsonSchema(), null, 2) + "\n");
console.log(`wrote ${path.pathname}`);
