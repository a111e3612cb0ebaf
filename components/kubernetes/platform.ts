import { problem } from "../errors.js";
import type { Platform } from "../platform.js";

export const kubernetesPlatform: Platform = {
  id: "kubernetes",
  prepare: () => ({
    problems: [problem(["environment", "platform"], "kubernetes is not built yet", "use aws")],
    builder: undefined,
  }),
};
