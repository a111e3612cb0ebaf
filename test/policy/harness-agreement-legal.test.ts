import { describe } from "vitest";
import { loadLegal } from "./support/corpus.js";
import { declareAgreement } from "./support/harness-agreement.js";

const cases = await loadLegal();

describe("harness fidelity: the in-process harness and the analyzer handlers agree on every legal program", () => {
  declareAgreement(cases, "legal");
});
