/**
 * Composite alarm rules: ALARM(x), OK(x), INSUFFICIENT_DATA(x), TRUE, FALSE,
 * combined with AND, OR, NOT and parentheses. Alarm names may be quoted
 * (double or single quotes) or bare, as CloudWatch accepts both.
 */
import type { AlarmStateValue } from "../../core/ports.js";

type Rule =
  | { t: "const"; v: boolean }
  | { t: "state"; state: AlarmStateValue; alarm: string }
  | { t: "not"; e: Rule }
  | { t: "and" | "or"; a: Rule; b: Rule };

export interface AlarmRule {
  source: string;
  alarms: string[];
  evaluate(stateOf: (alarm: string) => AlarmStateValue): boolean;
}

const TOKEN = /\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\(|\)|[^\s()]+)/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN.exec(src)) !== null) out.push(m[1]);
  return out;
}

export function parseAlarmRule(source: string): AlarmRule {
  const toks = tokenize(source);
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`alarm rule: ${msg} in "${source}"`);
  };
  const peek = (): string | undefined => toks[i]?.toUpperCase();
  const next = (): string => toks[i++] ?? fail("unexpected end");

  const orExpr = (): Rule => {
    let a = andExpr();
    while (peek() === "OR") {
      i++;
      a = { t: "or", a, b: andExpr() };
    }
    return a;
  };
  const andExpr = (): Rule => {
    let a = notExpr();
    while (peek() === "AND") {
      i++;
      a = { t: "and", a, b: notExpr() };
    }
    return a;
  };
  const notExpr = (): Rule => {
    if (peek() === "NOT") {
      i++;
      return { t: "not", e: notExpr() };
    }
    return atom();
  };
  const atom = (): Rule => {
    const tok = next();
    const upper = tok.toUpperCase();
    if (tok === "(") {
      const e = orExpr();
      if (next() !== ")") fail('expected ")"');
      return e;
    }
    if (upper === "TRUE" || upper === "FALSE") return { t: "const", v: upper === "TRUE" };
    if (upper === "ALARM" || upper === "OK" || upper === "INSUFFICIENT_DATA") {
      if (next() !== "(") fail(`expected "(" after ${tok}`);
      let name = next();
      if (/^["']/.test(name)) name = name.slice(1, -1).replace(/\\(.)/g, "$1");
      if (next() !== ")") fail(`expected ")" after ${name}`);
      return { t: "state", state: upper, alarm: name };
    }
    return fail(`unexpected "${tok}"`);
  };

  const rule = orExpr();
  if (i < toks.length) fail(`unexpected "${toks[i]}"`);
  const alarms = new Set<string>();
  const walk = (r: Rule): void => {
    if (r.t === "state") alarms.add(r.alarm);
    else if (r.t === "not") walk(r.e);
    else if (r.t === "and" || r.t === "or") {
      walk(r.a);
      walk(r.b);
    }
  };
  walk(rule);
  const evaluate = (r: Rule, stateOf: (a: string) => AlarmStateValue): boolean => {
    switch (r.t) {
      case "const":
        return r.v;
      case "state":
        return stateOf(r.alarm) === r.state;
      case "not":
        return !evaluate(r.e, stateOf);
      case "and":
        return evaluate(r.a, stateOf) && evaluate(r.b, stateOf);
      case "or":
        return evaluate(r.a, stateOf) || evaluate(r.b, stateOf);
    }
  };
  return { source, alarms: [...alarms], evaluate: (stateOf) => evaluate(rule, stateOf) };
}
