import { readFileSync } from "node:fs";
import { z } from "zod";
import { HETU_SYSTEM } from "../identity/hetu.js";
import { ConfigError } from "../shared/errors.js";
import { jsonErrorPlace } from "../shared/json-text.js";

/** Set from what the adversaries in test/disclosure-adversaries.test.ts showed; see docs/disclosure.md. */
const DEFAULT_QUERY_BUDGET = 50;

/**
 * kaivo.json. Strict: an unknown key is far more often a typo than an intention, and a typo in a
 * privacy setting must not silently fall back to a default.
 */
export const KaivoConfigSchema = z.strictObject({
  version: z.literal(1),
  controlStore: z
    .strictObject({
      /** SQLite file, relative to the home. Ignored when KAIVO_DATABASE_URL is set. */
      sqliteFile: z.string().min(1).default("control.sqlite"),
    })
    .default({ sqliteFile: "control.sqlite" }),
  identity: z
    .strictObject({
      /** The identifier system that is the person key: the hetu by default; e.g. a US SSN system elsewhere. */
      personIdentifierSystem: z.string().min(1).default(HETU_SYSTEM),
    })
    .default({ personIdentifierSystem: HETU_SYSTEM }),
  lake: z
    .strictObject({
      /**
       * DuckDB's memory limit for the lake; beyond it, tables and operators spill to
       * staging/duckdb/. A load's peak RSS is about this plus 0.5 to 0.7 GB.
       */
      memoryLimit: z
        .string()
        .regex(/^\d+(\.\d+)?\s*(MB|GB|MiB|GiB)$/, 'a size such as "1GB" or "768MB"')
        .default("1GB"),
    })
    .default({ memoryLimit: "1GB" }),
  disclosure: z
    .strictObject({
      /** Counts from 0 to minCount-1 are shown to researchers as `<minCount`. */
      minCount: z.number().int().min(2).max(100).default(5),
      /** Cell-key perturbation: noise up to maxNoise either way, with this variance. */
      perturbation: z
        .strictObject({
          maxNoise: z.number().int().min(1).max(20).default(5),
          variance: z.number().positive().default(6),
        })
        .refine((p) => p.variance < p.maxNoise * p.maxNoise, "variance must be below maxNoise²")
        .default({ maxNoise: 5, variance: 6 }),
      /** Perturbed counts are rounded to a multiple of this; 1 leaves them as they are. */
      rounding: z.number().int().min(1).max(100).default(1),
      /** Below this shown cohort size no breakdown is given at all (by sex, age, year). */
      breakdownMin: z.number().int().min(1).default(20),
      /**
       * Feasibility answers an application may have in all (its researchers together), and a
       * researcher outside any application; null for no limit.
       */
      queryBudget: z.number().int().min(1).nullable().default(DEFAULT_QUERY_BUDGET),
    })
    .default({
      minCount: 5,
      perturbation: { maxNoise: 5, variance: 6 },
      rounding: 1,
      breakdownMin: 20,
      queryBudget: DEFAULT_QUERY_BUDGET,
    }),
  feasibility: z
    .strictObject({
      /** Feasibility queries per user (stewards excepted), against differencing attacks. */
      perMinute: z.number().int().min(1).default(10),
      perDay: z.number().int().min(1).default(200),
    })
    .default({ perMinute: 10, perDay: 200 }),
  audit: z
    .strictObject({
      /** A signed checkpoint is written whenever the chain passes a multiple of this. */
      checkpointEvery: z.number().int().min(1).default(100),
      /** ...and on the first append once the latest checkpoint is older than this. */
      checkpointMaxAgeHours: z.number().positive().default(24),
      /**
       * Append-only file of signed checkpoints, relative to the home or absolute. It must live
       * outside the control store; in production, on another volume or host.
       */
      checkpointFile: z.string().min(1).default("audit-checkpoints.jsonl"),
      /** Optional HTTP witness: every checkpoint is also POSTed here as JSON. */
      witnessUrl: z.url({ protocol: /^https?$/ }).optional(),
      /** Optional syslog collector: every checkpoint is also sent there over UDP (RFC 5424). */
      syslog: z
        .strictObject({
          host: z.string().min(1),
          port: z.number().int().min(1).max(65535).default(514),
        })
        .optional(),
    })
    .default({
      checkpointEvery: 100,
      checkpointMaxAgeHours: 24,
      checkpointFile: "audit-checkpoints.jsonl",
    }),
  catalog: z
    .strictObject({
      /** Publisher and contact point of the HealthDCAT-AP catalog export. */
      publisher: z.string().min(1).default("Kaivo data service"),
      contactEmail: z.email().default("dataservice@example.org"),
      /** Base IRI of the exported datasets. */
      baseIri: z.url().default("https://kaivo.example.org/catalog/"),
    })
    .default({
      publisher: "Kaivo data service",
      contactEmail: "dataservice@example.org",
      baseIri: "https://kaivo.example.org/catalog/",
    }),
  server: z
    .strictObject({
      /** Where `kaivo serve` listens unless --host/--port say otherwise. */
      host: z.string().min(1).default("127.0.0.1"),
      port: z.number().int().min(0).max(65535).default(8080),
      /** The address users reach (behind a reverse proxy, its https:// address). */
      publicUrl: z.url({ protocol: /^https?$/ }).optional(),
      /** Built-in TLS: PEM files, relative to the home or absolute (keys 0600). */
      tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
      /** A read query on the lake is interrupted after this long. */
      queryTimeoutSeconds: z.number().positive().max(3600).default(30),
      /** Request bodies above this are refused (413). */
      bodyLimitBytes: z.number().int().min(1024).default(1_048_576),
      /** Requests per user (or per address before login) and minute, on every route. */
      requestsPerMinute: z.number().int().min(1).default(600),
      /** Trust X-Forwarded-For / -Proto from a reverse proxy on loopback. */
      trustProxy: z.boolean().default(false),
      /** Scheduled loads: what arrives in `<home>/inbox/<source>/` is loaded at these times. */
      schedules: z
        .array(
          z.strictObject({
            source: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/),
            /** Cron syntax (minute hour day month weekday), in UTC. */
            cron: z.string().min(9),
            /** The steward account the loads run as (on the audit log as that user). */
            user: z.string().min(1),
          }),
        )
        .default([]),
    })
    .prefault({}),
});

export type KaivoConfig = z.infer<typeof KaivoConfigSchema>;

export const DEFAULT_CONFIG: KaivoConfig = KaivoConfigSchema.parse({ version: 1 });

export function parseConfig(raw: unknown, file: string): KaivoConfig {
  const result = KaivoConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const at = issue.path.join(".");
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => (at ? `${at}.${k}` : k));
      return `unknown key ${keys.map((k) => `"${k}"`).join(", ")}`;
    }
    return `"${at || "(root)"}": ${issue.message}`;
  });
  return fail(file, problems.join("; "));
}

export function readConfig(file: string): KaivoConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return fail(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // Say where, never what: the file may be a key file given by mistake.
    const { line, column } = jsonErrorPlace(text);
    return fail(file, `is not valid JSON (line ${line}, column ${column})`);
  }
  return parseConfig(raw, file);
}

function fail(file: string, problem: string): never {
  throw new ConfigError(
    `Configuration ${file}: ${problem}`,
    "Fix the file (docs/configuration.md lists every key) or move it away and run `kaivo init`.",
  );
}
