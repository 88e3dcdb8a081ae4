import fhirpath from "fhirpath";

/** The FHIRPath subset the DuckDB compiler translates; anything else falls back to the reference evaluator. */
export type Expr =
  | { k: "member"; base: Expr | null; name: string }
  | { k: "fn"; base: Expr | null; name: string; args: Expr[] }
  | {
      k: "literal";
      value: string | number | boolean;
      type: "string" | "number" | "boolean" | "date" | "dateTime" | "time";
    }
  | { k: "rowIndex" }
  | { k: "binary"; op: string; left: Expr; right: Expr }
  | { k: "index"; base: Expr; index: Expr }
  | { k: "typeName"; name: string };

export class Unsupported extends Error {}

interface Node {
  type: string;
  text?: string;
  terminalNodeText?: string[];
  children?: Node[];
}

const child = (n: Node, i = 0): Node => {
  const c = n.children?.[i];
  if (!c) throw new Unsupported(`malformed ${n.type}`);
  return c;
};

/** Parses with fhirpath.js's own grammar and maps the tree to Expr, refusing what is not supported. */
export function toIR(expression: string): Expr {
  return convert(fhirpath.parse(expression) as Node, null);
}

function convert(n: Node, base: Expr | null): Expr {
  switch (n.type) {
    case "EntireExpression":
    case "TermExpression":
    case "InvocationTerm":
      return convert(child(n), base);
    case "ParenthesizedTerm":
      return convert(child(n), null);
    case "InvocationExpression":
      return convert(child(n, 1), convert(child(n, 0), base));
    case "MemberInvocation":
      return { k: "member", base, name: identifier(child(n)) };
    case "FunctionInvocation": {
      const functn = child(n);
      const name = identifier(child(functn));
      const params = functn.children?.[1]?.children ?? [];
      const args = params.map((p) =>
        name === "ofType" || name === "getReferenceKey"
          ? ({ k: "typeName", name: typeName(p) } as Expr)
          : convert(p, null),
      );
      return { k: "fn", base, name, args };
    }
    case "ThisInvocation":
      if (base) throw new Unsupported("$this after a path");
      return { k: "fn", base: null, name: "$this", args: [] };
    case "ExternalConstantTerm": {
      const name = identifier(child(child(n)));
      if (name !== "rowIndex") throw new Unsupported(`%${name}`);
      return { k: "rowIndex" };
    }
    case "LiteralTerm":
      return literal(child(n));
    case "IndexerExpression":
      return { k: "index", base: convert(child(n, 0), base), index: convert(child(n, 1), null) };
    case "AdditiveExpression":
    case "EqualityExpression":
    case "InequalityExpression":
    case "AndExpression":
    case "OrExpression": {
      const op =
        n.type === "AndExpression" ? "and" : n.type === "OrExpression" ? "or" : (n.text ?? "");
      if (!["=", "!=", "<", ">", "<=", ">=", "and", "or", "+", "-", "&"].includes(op))
        throw new Unsupported(`operator ${op}`);
      return {
        k: "binary",
        op,
        left: convert(child(n, 0), null),
        right: convert(child(n, 1), null),
      };
    }
    default:
      throw new Unsupported(n.type);
  }
}

function identifier(n: Node): string {
  if (n.type !== "Identifier" || !n.text) throw new Unsupported(n.type);
  return n.text.replace(/^`|`$/g, "");
}

function typeName(n: Node): string {
  const text = n.text ?? "";
  if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(text)) throw new Unsupported(`type ${text}`);
  return text.replace(/^(FHIR|System)\./, "");
}

function literal(n: Node): Expr {
  const text = n.text ?? "";
  switch (n.type) {
    case "StringLiteral":
      return { k: "literal", type: "string", value: unquote(text) };
    case "NumberLiteral":
      return { k: "literal", type: "number", value: Number(text) };
    case "BooleanLiteral":
      return { k: "literal", type: "boolean", value: text === "true" };
    case "DateLiteral":
      return { k: "literal", type: "date", value: text.slice(1) };
    case "DateTimeLiteral":
      return { k: "literal", type: "dateTime", value: text.slice(1) };
    case "TimeLiteral":
      return { k: "literal", type: "time", value: text.slice(2) };
    default:
      throw new Unsupported(n.type);
  }
}

function unquote(text: string): string {
  return text
    .slice(1, -1)
    .replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) =>
      e.length > 1
        ? String.fromCharCode(Number.parseInt(e.slice(1), 16))
        : (({ n: "\n", r: "\r", t: "\t", f: "\f" } as Record<string, string>)[e] ?? e),
    );
}
