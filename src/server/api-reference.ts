import type { buildApp } from "./app.js";
import type { ServerDeps } from "./app-env.js";

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  description?: string;
  additionalProperties?: Schema | boolean;
}
interface Operation {
  summary?: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<
    string,
    { description?: string; content?: Record<string, { schema?: Schema }> }
  >;
}
interface Document {
  info: { title: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** A short type for a schema: its component name, or its shape. */
function typeOf(s: Schema | undefined): string {
  if (!s) return "";
  if (s.$ref) return `[${s.$ref.split("/").pop()}](#${s.$ref.split("/").pop()?.toLowerCase()})`;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(" \\| ");
  if (s.anyOf ?? s.oneOf) return (s.anyOf ?? s.oneOf ?? []).map(typeOf).join(" \\| ");
  if (s.type === "array") return `${typeOf(s.items)}[]`;
  if (Array.isArray(s.type)) return s.type.join(" \\| ");
  if (s.type === "object" && s.properties) return "object";
  return s.type ?? "any";
}

function properties(s: Schema): string[] {
  const req = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {}).map(
    ([name, p]) =>
      `| \`${name}\`${req.has(name) ? "" : "?"} | ${typeOf(p)} | ${(p.description ?? "").replace(/\n/g, " ")} |`,
  );
}

/** The API reference in Markdown, generated from the OpenAPI document (docs/api.md). */
export function renderApiReference(doc: Document): string {
  const out: string[] = [
    `# ${doc.info.title} reference`,
    "",
    "Generated from `/api/openapi.json` by `npm run docs:api`; a test keeps it current. Every route but",
    "those marked *public* needs a session cookie or `Authorization: Bearer <API token>`; errors are",
    "`{error, hint, requestId}` ([server.md](server.md)).",
    "",
  ];
  for (const [path, ops] of Object.entries(doc.paths).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [method, op] of Object.entries(ops)) {
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      out.push(`## ${method.toUpperCase()} \`${path}\``, "");
      out.push(`${op.summary ?? ""}${isPublic ? " *(public)*" : ""}`, "");
      const params = op.parameters ?? [];
      if (params.length > 0) {
        out.push("| parameter | in | type |", "| --- | --- | --- |");
        for (const p of params)
          out.push(`| \`${p.name}\`${p.required ? "" : "?"} | ${p.in} | ${typeOf(p.schema)} |`);
        out.push("");
      }
      const body = op.requestBody?.content?.["application/json"]?.schema;
      if (body) {
        out.push(`Body: ${typeOf(body)}`, "");
        if (!body.$ref && body.properties) {
          out.push("| field | type | |", "| --- | --- | --- |", ...properties(body), "");
        }
      }
      const responses = Object.entries(op.responses ?? {}).filter(([code]) => !/^4/.test(code));
      for (const [code, r] of responses) {
        const [type, c] = Object.entries(r.content ?? {})[0] ?? [];
        out.push(
          `- **${code}** ${r.description ?? ""}${c ? `: ${typeOf(c.schema)} (${type})` : ""}`,
        );
      }
      out.push("");
    }
  }
  out.push("# Schemas", "");
  for (const [name, s] of Object.entries(doc.components?.schemas ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    out.push(`## ${name}`, "");
    if (s.description) out.push(s.description, "");
    if (s.properties) out.push("| field | type | |", "| --- | --- | --- |", ...properties(s), "");
    else out.push(`${typeOf(s)}`, "");
  }
  return `${out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}

/** The OpenAPI document of the app as `kaivo serve` assembles it. */
export async function openApiDocument(app: ReturnType<typeof buildApp>): Promise<Document> {
  const res = await app.request("/api/openapi.json");
  return (await res.json()) as Document;
}

export type { ServerDeps };
