/**
 * CloudWatch metric math, for the subset alarms use: numbers, query ids,
 * + - * / ^, comparisons (== != < <= > >=), AND/OR (also && ||), and the
 * functions IF, FILL (with a constant or REPEAT), ABS, CEIL, FLOOR, MIN, MAX.
 * Values are evaluated per timestamp; `undefined` is a missing datapoint,
 * which propagates through arithmetic exactly as CloudWatch drops the
 * timestamp, and which FILL replaces.
 */

export type Value = number | undefined;

type Node =
  | { t: "num"; v: number }
  | { t: "id"; id: string }
  | { t: "neg"; e: Node }
  | { t: "bin"; op: string; a: Node; b: Node }
  | { t: "call"; fn: string; args: Node[] }
  | { t: "word"; w: string };

const TOKEN =
  /\s*(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|&&|\|\||[-+*/^(),<>])/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) {
      if (/^\s*$/.test(src.slice(at))) break;
      throw new Error(`metric math: unexpected "${src.slice(at).trim().slice(0, 12)}" in "${src}"`);
    }
    out.push(m[1]);
  }
  return out;
}

const FUNCTIONS = new Set(["IF", "FILL", "ABS", "CEIL", "FLOOR", "MIN", "MAX"]);

class Parser {
  private i = 0;
  constructor(
    private readonly toks: string[],
    private readonly src: string,
  ) {}

  parse(): Node {
    const n = this.or();
    if (this.i < this.toks.length) this.fail(`unexpected "${this.toks[this.i]}"`);
    return n;
  }
  private fail(msg: string): never {
    throw new Error(`metric math: ${msg} in "${this.src}"`);
  }
  private peek(): string | undefined {
    return this.toks[this.i];
  }
  private take(expected?: string): string {
    const t = this.toks[this.i];
    if (t === undefined) this.fail("unexpected end");
    if (expected !== undefined && t.toUpperCase() !== expected)
      this.fail(`expected "${expected}", got "${t}"`);
    this.i++;
    return t;
  }
  private or(): Node {
    let a = this.and();
    while (this.peek()?.toUpperCase() === "OR" || this.peek() === "||") {
      this.take();
      a = { t: "bin", op: "OR", a, b: this.and() };
    }
    return a;
  }
  private and(): Node {
    let a = this.cmp();
    while (this.peek()?.toUpperCase() === "AND" || this.peek() === "&&") {
      this.take();
      a = { t: "bin", op: "AND", a, b: this.cmp() };
    }
    return a;
  }
  private cmp(): Node {
    const a = this.add();
    const op = this.peek();
    if (op && ["==", "!=", "<", "<=", ">", ">="].includes(op)) {
      this.take();
      return { t: "bin", op, a, b: this.add() };
    }
    return a;
  }
  private add(): Node {
    let a = this.mul();
    while (this.peek() === "+" || this.peek() === "-") {
      const op = this.take();
      a = { t: "bin", op, a, b: this.mul() };
    }
    return a;
  }
  private mul(): Node {
    let a = this.pow();
    while (this.peek() === "*" || this.peek() === "/") {
      const op = this.take();
      a = { t: "bin", op, a, b: this.pow() };
    }
    return a;
  }
  private pow(): Node {
    const a = this.unary();
    if (this.peek() === "^") {
      this.take();
      return { t: "bin", op: "^", a, b: this.pow() };
    }
    return a;
  }
  private unary(): Node {
    if (this.peek() === "-") {
      this.take();
      return { t: "neg", e: this.unary() };
    }
    return this.primary();
  }
  private primary(): Node {
    const tok = this.take();
    if (tok === "(") {
      const e = this.or();
      this.take(")");
      return e;
    }
    if (/^\d/.test(tok)) return { t: "num", v: Number(tok) };
    if (/^[A-Za-z_]/.test(tok)) {
      if (this.peek() === "(") {
        const fn = tok.toUpperCase();
        if (!FUNCTIONS.has(fn))
          this.fail(`function ${tok} is not simulated (supported: ${[...FUNCTIONS].join(", ")})`);
        this.take("(");
        const args: Node[] = [];
        if (this.peek() !== ")") {
          args.push(this.or());
          while (this.peek() === ",") {
            this.take();
            args.push(this.or());
          }
        }
        this.take(")");
        return { t: "call", fn, args };
      }
      if (["REPEAT", "LINEAR"].includes(tok.toUpperCase()))
        return { t: "word", w: tok.toUpperCase() };
      return { t: "id", id: tok };
    }
    this.fail(`unexpected "${tok}"`);
  }
}

export interface Expression {
  source: string;
  /** Query ids the expression reads. */
  refs: string[];
  /** Evaluate over aligned series (one value per timestamp, oldest first). */
  evaluate(series: (id: string) => Value[], length: number): Value[];
}

function collectRefs(n: Node, into: Set<string>): void {
  if (n.t === "id") into.add(n.id);
  else if (n.t === "neg") collectRefs(n.e, into);
  else if (n.t === "bin") {
    collectRefs(n.a, into);
    collectRefs(n.b, into);
  } else if (n.t === "call") n.args.forEach((a) => collectRefs(a, into));
}

function binary(op: string, a: number, b: number): Value {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      // CloudWatch drops a datapoint divided by zero rather than returning Infinity.
      return b === 0 ? undefined : a / b;
    case "^":
      return a ** b;
    case "==":
      return a === b ? 1 : 0;
    case "!=":
      return a !== b ? 1 : 0;
    case "<":
      return a < b ? 1 : 0;
    case "<=":
      return a <= b ? 1 : 0;
    case ">":
      return a > b ? 1 : 0;
    case ">=":
      return a >= b ? 1 : 0;
    case "AND":
      return a !== 0 && b !== 0 ? 1 : 0;
    case "OR":
      return a !== 0 || b !== 0 ? 1 : 0;
    default:
      return undefined;
  }
}

function evalSeries(n: Node, series: (id: string) => Value[], len: number): Value[] {
  const map = (f: (i: number) => Value): Value[] => Array.from({ length: len }, (_, i) => f(i));
  switch (n.t) {
    case "num":
      return map(() => n.v);
    case "word":
      throw new Error(`metric math: ${n.w} is only valid as FILL's second argument`);
    case "id": {
      const s = series(n.id);
      return map((i) => s[i]);
    }
    case "neg": {
      const e = evalSeries(n.e, series, len);
      return map((i) => (e[i] === undefined ? undefined : -e[i]));
    }
    case "bin": {
      const a = evalSeries(n.a, series, len);
      const b = evalSeries(n.b, series, len);
      return map((i) => {
        const x = a[i];
        const y = b[i];
        return x === undefined || y === undefined ? undefined : binary(n.op, x, y);
      });
    }
    case "call":
      return evalCall(n.fn, n.args, series, len);
  }
}

function evalCall(fn: string, args: Node[], series: (id: string) => Value[], len: number): Value[] {
  const arg = (k: number): Value[] => {
    const a = args[k];
    if (!a) throw new Error(`metric math: ${fn} needs at least ${k + 1} arguments`);
    return evalSeries(a, series, len);
  };
  const perPoint = (f: (x: number) => number): Value[] =>
    arg(0).map((x) => (x === undefined ? undefined : f(x)));
  switch (fn) {
    case "IF": {
      const c = arg(0);
      const a = arg(1);
      const b: Value[] = args.length > 2 ? arg(2) : Array<Value>(len).fill(undefined);
      // A timestamp where the condition has no datapoint has no result either.
      return c.map((x, i) => (x === undefined ? undefined : x !== 0 ? a[i] : b[i]));
    }
    case "FILL": {
      const x = arg(0);
      const how = args[1];
      if (how?.t === "word") {
        if (how.w === "LINEAR") throw new Error("metric math: FILL(…, LINEAR) is not simulated");
        let last: Value;
        return x.map((v) => (v === undefined ? last : (last = v)));
      }
      const fill = arg(1);
      return x.map((v, i) => v ?? fill[i]);
    }
    case "ABS":
      return perPoint(Math.abs);
    case "CEIL":
      return perPoint(Math.ceil);
    case "FLOOR":
      return perPoint(Math.floor);
    case "MIN":
    case "MAX": {
      // With one series argument CloudWatch returns a scalar (its extreme) at every timestamp.
      const all = args.map((_, k) => arg(k));
      const pick = fn === "MIN" ? Math.min : Math.max;
      if (all.length === 1) {
        const present = all[0].filter((v): v is number => v !== undefined);
        const v = present.length ? pick(...present) : undefined;
        return Array<Value>(len).fill(v);
      }
      return Array.from({ length: len }, (_, i) => {
        const present = all.map((s) => s[i]).filter((v): v is number => v !== undefined);
        return present.length ? pick(...present) : undefined;
      });
    }
    default:
      throw new Error(`metric math: function ${fn} is not simulated`);
  }
}

export function parseExpression(source: string): Expression {
  const ast = new Parser(tokenize(source), source).parse();
  const refs = new Set<string>();
  collectRefs(ast, refs);
  return {
    source,
    refs: [...refs],
    evaluate: (series, length) => evalSeries(ast, series, length),
  };
}
