/**
 * The one codec for a stack's pin and release config (core/stack-config-codec.ts):
 * what the Automation driver writes, and the rehearsal's simulated driver records,
 * reads back as the same pin, for any pin; bad values are refused naming every field.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bareKey,
  decodePin,
  encodePin,
  partOfConfig,
  pinConfig,
  pinOfConfig,
  pinOfRelease,
  projectKey,
  releaseConfig,
} from "../../stacks/rollout/core/stack-config-codec.js";

const text = fc.string({ unit: "binary", maxLength: 40 });
/** Every legal config key: any string but "__proto__", which is refused (tested below). */
const configKeys = text.filter((k) => k !== "__proto__");
const pins = fc.record({
  release: fc.string({ unit: "binary", minLength: 1, maxLength: 30 }),
  version: fc.string({ unit: "binary", minLength: 1, maxLength: 30 }),
  config: fc.dictionary(configKeys, text, { maxKeys: 6 }),
});
const keys = fc.oneof(
  fc.constant(bareKey),
  fc.stringMatching(/^[a-z][a-z-]{0,20}$/).map((project) => projectKey(project)),
);

describe("stack config codec", () => {
  it("decodes every pin it encodes to the same pin", () => {
    fc.assert(
      fc.property(pins, (pin) => {
        expect(decodePin(encodePin(pin), "stack")).toEqual(pin);
      }),
    );
  });

  it("a release's config on a cohort stack reads back as that release's pin, under any key namespace", () => {
    fc.assert(
      fc.property(pins, keys, (pin, key) => {
        const release = { id: pin.release, version: pin.version, config: pin.config };
        const config = releaseConfig("prod.free", "cohort", release, key);
        expect(Object.keys(config)).toEqual([key("pin")]);
        expect(pinOfConfig(config, "prod.free", key)).toEqual(pinOfRelease(release));
        expect(pinConfig(pinOfRelease(release), key)).toEqual(config);
      }),
    );
  });

  it("the edge stack gets the release's edge config, each key qualified, values unchanged", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-zA-Z]\w{0,10}$/), text), (edge) => {
        const key = projectKey("cohort-service");
        const config = releaseConfig(
          "prod",
          "edge",
          { id: "r", version: "1", config: {}, edgeConfig: edge },
          key,
        );
        expect(config).toEqual(
          Object.fromEntries(Object.entries(edge).map(([k, v]) => [`cohort-service:${k}`, v])),
        );
      }),
    );
  });

  it("encoding does not depend on the order the pin's fields were built in", () => {
    const a = encodePin({ release: "r", version: "1", config: {} });
    const b = encodePin({ config: {}, version: "1", release: "r" });
    expect(a).toBe(b);
  });

  it("refuses a value that is no pin, naming the stack and every bad field", () => {
    expect(() => decodePin("{", "stack prod.free")).toThrow(
      /^stack prod\.free: config "pin" is not JSON/,
    );
    expect(() => decodePin('{"release":"","config":{"A":1}}', "stack prod.free")).toThrow(
      /pin\.release: .*pin\.version: .*pin\.config\.A: /s,
    );
    expect(() => pinOfRelease({ id: "", version: "", config: {} })).toThrow(
      /pin\.release: .*pin\.version: /s,
    );
  });

  it('refuses a "__proto__" config key by name rather than dropping its value', () => {
    // zod's record skips that key; before this was refused, the pin below decoded with an
    // empty config, so a value the release set never reached the cohort.
    const raw = '{"release":"r","version":"1","config":{"__proto__":"on","A":"1"}}';
    expect(() => decodePin(raw, "stack prod.free")).toThrow(
      /^stack prod\.free: .*pin\.config\.__proto__: "__proto__" cannot be a config key/,
    );
    const config = JSON.parse('{"__proto__":"on"}') as Record<string, string>;
    expect(() => pinOfRelease({ id: "r", version: "1", config })).toThrow(
      /pin\.config\.__proto__: .*hint: rename it/,
    );
  });

  it("a single-stack deployment is refused with a hint; no part means a cohort stack", () => {
    expect(() =>
      releaseConfig("prod", "all", { id: "r", version: "1", config: {} }, projectKey("p")),
    ).toThrow(/p:part=all.*Hint: split it/);
    expect(partOfConfig({})).toBe("cohort");
    expect(partOfConfig({ "p:part": "edge" }, projectKey("p"))).toBe("edge");
    expect(pinOfConfig({}, "s")).toBeUndefined();
  });
});
