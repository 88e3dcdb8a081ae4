import { readFileSync } from "node:fs";
import { z } from "zod";
import { ROLES } from "../auth/roles.js";
import { HETU_SYSTEM } from "../identity/hetu.js";
import { CodeSystemSchema } from "../ingest/code-systems.js";
import { ConfigError } from "../shared/errors.js";
import { jsonErrorPlace } from "../shared/json-text.js";

/**
 * Four answers with no one inside another (adversary 2g) are the shortest combination the ledger
 * cannot tie to earlier answers; 16 queries give four such estimates, whose mean is no more
 * precise than one published answer. See docs/disclosure.md.
 */
const DEFAULT_QUERY_BUDGET = 16;

/**
 * kaivo.json. Strict: an unknown key is far more often a typo than an intention, and a typo in a
 * privacy setting must not silently fall back to a default.
 */
const OidcConfigSchema = z.strictObject({
  /** The provider's issuer URL; https, except on a loopback address (tests, development). */
  issuer: z.url({ protocol: /^https?$/ }),
  clientId: z.string().min(1),
  /** File holding the client secret (mode 0600), relative to the home or absolute; never the secret itself. */
  clientSecretFile: z.string().min(1).optional(),
  /** Kaivo's callback, as registered at the provider: https://HOST/api/auth/oidc/callback. */
  redirectUri: z.url({ protocol: /^https?$/ }),
  scopes: z.array(z.string().min(1)).default(["openid", "profile", "email"]),
  /** A claim whose value (a string or an array of strings) maps to a Kaivo role through roleMap. */
  roleClaim: z.string().min(1).optional(),
  /** Claim value to role, e.g. {"kaivo-stewards": "steward"}. Unmapped values give no role. */
  roleMap: z.record(z.string(), z.enum(ROLES)).default({}),
  /** For a user created from roleClaim: the claim holding the Kaivo user name. */
  usernameClaim: z.string().min(1).default("preferred_username"),
  /** `amr` values that count as a second factor (RFC 8176). */
  secondFactorAmr: z.array(z.string().min(1)).default(["otp", "mfa", "hwk", "swk", "sc"]),
  /** `acr` values that count as a second factor; none by default. */
  secondFactorAcr: z.array(z.string().min(1)).default([]),
});

const AUTH_DEFAULTS = {
  session: { idleMinutes: 30, absoluteHours: 12, secureCookie: "auto" as const },
  tokens: { defaultDays: 30, maxDays: 365 },
  throttle: {
    windowMinutes: 15,
    accountFailures: 5,
    addressFailures: 20,
    baseDelaySeconds: 60,
    maxDelayMinutes: 60,
  },
  totp: { issuer: "Kaivo", selfEnrol: true },
  allowedOrigins: [] as string[],
};

/** Sign-in, sessions and API tokens (docs/server.md, "Authentication"). */
const AuthConfigSchema = z.strictObject({
  session: z
    .strictObject({
      /** A session unused this long ends. */
      idleMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(30),
      /** A session ends this long after sign-in, however busy. */
      absoluteHours: z
        .number()
        .int()
        .min(1)
        .max(7 * 24)
        .default(12),
      /** "auto": Secure over HTTPS (directly, via a trusted proxy, or when server.publicUrl is https); "always": always. */
      secureCookie: z.enum(["auto", "always"]).default("auto"),
    })
    .default(AUTH_DEFAULTS.session),
  tokens: z
    .strictObject({
      defaultDays: z.number().int().min(1).default(30),
      maxDays: z.number().int().min(1).max(3650).default(365),
    })
    .refine((t) => t.defaultDays <= t.maxDays, "defaultDays must not exceed maxDays")
    .default(AUTH_DEFAULTS.tokens),
  throttle: z
    .strictObject({
      /** Failures count while the previous one is more recent than this. */
      windowMinutes: z.number().int().min(1).max(1440).default(15),
      /** Failures for one account, and from one client address, before sign-in is refused for a while. */
      accountFailures: z.number().int().min(1).default(5),
      addressFailures: z.number().int().min(1).default(20),
      /** The first refusal lasts this long; each further failure doubles it, up to maxDelayMinutes. */
      baseDelaySeconds: z.number().int().min(1).default(60),
      maxDelayMinutes: z.number().int().min(1).default(60),
    })
    .default(AUTH_DEFAULTS.throttle),
  totp: z
    .strictObject({
      /** Shown by authenticator apps. */
      issuer: z.string().min(1).default("Kaivo"),
      /** Whether a signed-in user without a TOTP may enrol one over HTTP (else only `kaivo user totp`). */
      selfEnrol: z.boolean().default(true),
    })
    .default(AUTH_DEFAULTS.totp),
  /** Origins besides the server's own that may send state-changing requests with a session cookie. */
  allowedOrigins: z.array(z.url()).default([]),
  oidc: OidcConfigSchema.optional(),
});

/** A source name: a folder name under the inbox and the ingest source of its loads. */
export const SOURCE_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/** One FHIR Bulk Data server Kaivo fetches from (`kaivo fetch SOURCE`, docs/ingest.md). */
const FetchSourceSchema = z
  .strictObject({
    /** The server's FHIR base URL; https, except on a loopback address (tests, development). */
    baseUrl: z.url({ protocol: /^https?$/ }),
    /** system: `[base]/$export`; group: `[base]/Group/[groupId]/$export`; patient: `[base]/Patient/$export`. */
    level: z.enum(["system", "group", "patient"]).default("system"),
    groupId: z
      .string()
      .regex(/^[A-Za-z0-9\-.]{1,64}$/, "a FHIR id")
      .optional(),
    /** Resource types to export (`_type`); empty for all the server offers. */
    types: z.array(z.string().regex(/^[A-Z][A-Za-z]{1,63}$/, "a FHIR resource type")).default([]),
    /** SMART Backend Services: a signed JWT assertion for an access token; none for an open server. */
    auth: z
      .strictObject({
        tokenEndpoint: z.url({ protocol: /^https?$/ }),
        clientId: z.string().min(1),
        /** The private key (PKCS#8 PEM, mode 0600), relative to the home or absolute; never the key itself. */
        keyFile: z.string().min(1),
        algorithm: z.enum(["RS384", "ES384"]).default("ES384"),
        scope: z.string().min(1).default("system/*.read"),
      })
      .optional(),
    /** Where fetched exports are written, relative to the home or absolute; default inbox/SOURCE. */
    folder: z.string().min(1).optional(),
    /** The longest wait between two status requests (the cap of the backoff and of Retry-After). */
    pollMaxSeconds: z.number().positive().max(3600).default(120),
    /** An export not complete after this long is cancelled (DELETE) and the fetch fails. */
    maxWaitMinutes: z
      .number()
      .positive()
      .max(7 * 24 * 60)
      .default(24 * 60),
    /** Attempts for one request or one file download before the fetch fails. */
    retries: z.number().int().min(0).max(50).default(5),
    /**
     * Origins besides the server's own (and its status URL's) that may receive the access token
     * with file requests when the manifest says requiresAccessToken.
     */
    fileOrigins: z.array(z.url({ protocol: /^https?$/ })).default([]),
  })
  .refine((s) => s.level !== "group" || s.groupId !== undefined, {
    message: 'level "group" needs groupId',
    path: ["groupId"],
  });

export type FetchSourceConfig = z.infer<typeof FetchSourceSchema>;

export type AuthConfig = z.infer<typeof AuthConfigSchema>;
export type OidcConfig = z.infer<typeof OidcConfigSchema>;

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
      /**
       * Identifier systems that key a person, in order of preference: a Patient is keyed by the
       * first it has (the national identity code, then a temporary or local one, so a newborn
       * with only a temporary code is not lost). Replaces personIdentifierSystem when set.
       */
      personIdentifierSystems: z.array(z.string().min(1)).min(1).optional(),
    })
    .default({ personIdentifierSystem: HETU_SYSTEM }),
  /**
   * Code systems beyond (or replacing, by id) the built-in registry (src/ingest/code-systems.ts):
   * a coding in a registered system must match its pattern; one in an unregistered system is kept
   * and reported.
   */
  codeSystems: z.array(CodeSystemSchema).default([]),
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
  workspace: z
    .strictObject({
      /** A workspace query's process is killed after this long (docs/workspace.md). */
      timeoutSeconds: z.number().positive().max(3600).default(60),
      /** DuckDB's memory limit inside the sandbox; a query needing more fails, it does not spill without end. */
      memoryLimit: z
        .string()
        .regex(/^\d+(\.\d+)?\s*(MB|GB|MiB|GiB)$/, 'a size such as "1GB" or "768MB"')
        .default("1GB"),
      /** DuckDB threads inside the sandbox. */
      threads: z.number().int().min(1).max(64).default(2),
      /** A result larger than this (as JSON) is refused: aggregate, or add a LIMIT. */
      maxOutputBytes: z.number().int().min(1024).default(16_777_216),
    })
    .prefault({}),
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
  /** The automatic checks of workspace outputs (src/disclosure/output-policy.ts; ACRO's defaults). */
  outputChecks: z
    .strictObject({
      /** A cell, group, bin or survival step with fewer than this many people fails. */
      threshold: z.number().int().min(2).max(1000).default(10),
      /** What a zero cell gets: `review` (a checker judges whether it is structural) or `fail`. */
      zeros: z.enum(["review", "fail"]).default("review"),
      /** N-K dominance: the largest n contributions may not exceed k % of a sum or mean's total. */
      nkN: z.number().int().min(1).max(10).default(2),
      nkK: z.number().min(1).max(100).default(90),
      /** p % rule: the rest besides the two largest must exceed p % of the largest. */
      pPercent: z.number().min(0).max(100).default(10),
      /** A model with fewer residual degrees of freedom fails. */
      minResidualDf: z.number().int().min(1).default(10),
      /** Free files: the types a request may carry and the largest size. */
      fileTypes: z
        .array(z.enum(["csv", "txt", "md", "svg", "png", "pdf"]))
        .default(["csv", "txt", "md", "svg", "png"]),
      maxFileBytes: z.number().int().min(1).default(5_242_880),
    })
    .prefault({}),
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
            /**
             * Fetch first: a job fetching the source (fetch.sources, same name) into its inbox,
             * then the loads of what is ready there.
             */
            fetch: z.boolean().optional(),
          }),
        )
        .default([]),
    })
    .prefault({}),
  auth: AuthConfigSchema.default(AUTH_DEFAULTS),
  fetch: z
    .strictObject({
      /** FHIR Bulk Data servers by source name. */
      sources: z
        .record(z.string().regex(SOURCE_NAME, "a source name"), FetchSourceSchema)
        .default({}),
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

/** The person identifier systems in order of preference (identity.personIdentifierSystems). */
export function personIdentifierSystems(identity: KaivoConfig["identity"]): string[] {
  return identity.personIdentifierSystems ?? [identity.personIdentifierSystem];
}
