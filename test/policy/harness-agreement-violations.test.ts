import { describe } from "vitest";
import { loadViolations } from "./support/corpus.js";
import { declareAgreement } from "./support/harness-agreement.js";

const cases = await loadViolations();

describe("harness fidelity: the in-process harness and the analyzer handlers agree on every violation program", () => {
  declareAgreement(cases, "violation");
});
