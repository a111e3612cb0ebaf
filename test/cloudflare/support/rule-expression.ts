/**
 * A parser for the subset of the Cloudflare Rules language the component writes:
 * `field eq "string"` comparisons joined by `and`, where a field is a dotted name with optional
 * `["key"]` / `[0]` indexes. Anything else (an unterminated literal, a stray quote, an operator
 * smuggled in through a value) is a parse error, so "well formed" is checked, not assumed.
 */
export interface Comparison {
  /** e.g. `http.request.headers["x-customer-cohort"][0]` normalised to `http.request.headers[x-customer-cohort][0]`. */
  field: string;
  value: string;
}

type Token = { kind: "word" | "string" | "int" | "punct"; text: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_.]*)|([0-9]+)|(\[|\]))/y;
  let at = 0;
  while (at < expression.length) {
    if (/^\s+$/.test(expression.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(expression);
    if (m === null) throw new Error(`unexpected input at ${at}: ${expression.slice(at, at + 20)}`);
    at = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: "string", text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: "word", text: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: "int", text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: "punct", text: m[4] });
  }
  return tokens;
}

/** The value of a string literal: `\x` stands for `x`. */
export function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, "$1");
}

export function parseRuleExpression(expression: string): Comparison[] {
  const tokens = tokenize(expression);
  let i = 0;
  const next = (): Token => {
    const t = tokens[i++];
    if (t === undefined) throw new Error("unexpected end of expression");
    return t;
  };
  const out: Comparison[] = [];
  for (;;) {
    const name = next();
    if (name.kind !== "word" || name.text === "and" || name.text === "eq") {
      throw new Error(`expected a field, got ${name.text}`);
    }
    let field = name.text;
    while (tokens[i]?.text === "[") {
      i++;
      const key = next();
      if (key.kind === "string") field += `[${unquote(key.text)}]`;
      else if (key.kind === "int") field += `[${key.text}]`;
      else throw new Error(`bad index ${key.text}`);
      if (next().text !== "]") throw new Error("expected ]");
    }
    const op = next();
    if (op.kind !== "word" || op.text !== "eq") throw new Error(`expected eq, got ${op.text}`);
    const value = next();
    if (value.kind !== "string") throw new Error(`expected a string literal, got ${value.text}`);
    out.push({ field, value: unquote(value.text) });
    if (i === tokens.length) return out;
    const join = next();
    if (join.kind !== "word" || join.text !== "and")
      throw new Error(`expected and, got ${join.text}`);
  }
}
