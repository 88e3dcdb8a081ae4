import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { appendAudit, auditedWrite } from "../audit/append.js";
import { authorize } from "../auth/permissions.js";
import { readCatalog } from "../catalog/catalog-store.js";
import { cohortContext, materialise } from "../cohort/cohort-service.js";
import { compileCohort } from "../cohort/compile.js";
import { parseDefinition } from "../cohort/definition.js";
import type { SecretKey } from "../home/keys.js";
import { Vault } from "../identity/vault.js";
import { Lake } from "../lake/lake.js";
import { ident, sql } from "../lake/sql.js";
import type { Ctx } from "../permits/permit.js";
import { enforcePermit } from "../permits/permit-access.js";
import { crashPoint } from "../shared/crash-point.js";
import { ConflictError, KaivoError, NotFoundError, ValidationError } from "../shared/errors.js";
import { planRelease, type ReleaseRequest, resolveRequest } from "./extract.js";
import { releaseFolderName, stagingFolder } from "./folder.js";
import { scanRelease } from "./guard.js";
import { installNoteDateFunctions } from "./note-dates-sql.js";
import {
  codebook,
  dataPackage,
  type PackagedTable,
  type ReleaseInfo,
  readme,
  writeChecksums,
} from "./package.js";
import { forgetPermitKey, usePermitKey } from "./pseudonymize.js";
import { completeReleases } from "./release-files.js";

/** A release the identifier guard stopped: nothing was published. */
export class ReleaseBlockedError extends KaivoError {}

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

export interface ReleaseResult {
  id: string;
  permitId: string;
  number: number;
  snapshot: number;
  path: string;
  persons: number;
  tables: Array<{ name: string; rows: number; persons: number }>;
  checksum: string;
  seconds: number;
  /** Seconds per step: cohort, pseudonyms, tables, package, guard, record. */
  phases: Record<string, number>;
}

/** The permit's person ID and date shift of a lake pseudo-ID (HMAC under the permit key). */
function personMapping(key: SecretKey, pseudoId: string, shiftDays: number) {
  const personId = createHmac("sha256", key.bytes()).update(pseudoId).digest("hex").slice(0, 20);
  const shiftMac = createHmac("sha256", key.bytes()).update(`shift|${pseudoId}`).digest();
  const shift = shiftDays > 0 ? (shiftMac.readUInt32BE(0) % (2 * shiftDays + 1)) - shiftDays : 0;
  return { personId, shift };
}

/**
 * `kaivo release create PERMIT`: the permit's cohort on a snapshot, without opted-out people,
 * only the permitted tables, variables and period, re-pseudonymized with the permit's key,
 * packaged with a Data Package, codebook, README, provenance and checksums, then scanned for
 * identifiers. It is built in a staging folder; when everything has passed it is recorded and
 * audited (status `publishing`), then moved into place and marked published. A run killed between
 * the record and the move is completed by the permit's next release (`completeReleases`).
 */
export async function createRelease(
  ctx: Ctx,
  permitId: string,
  options: { snapshot?: number; request?: ReleaseRequest; outDir?: string } = {},
): Promise<ReleaseResult> {
  const started = performance.now();
  const phases: Record<string, number> = {};
  let mark = started;
  const lap = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark) / 1000;
    mark = now;
  };
  const permit = await enforcePermit(ctx, "release", permitId);
  const today = new Date().toISOString().slice(0, 10);
  if (permit.status !== "active")
    throw new ConflictError(
      `Permit ${permitId} is ${permit.status}: only an active permit can be released.`,
    );
  if (permit.validUntil < today)
    throw new ConflictError(
      `Permit ${permitId} was valid until ${permit.validUntil}.`,
      "Run `kaivo permits expire`.",
    );
  const { tables: wanted, period } = resolveRequest(permitId, permit.scope, options.request);
  const vault = Vault.open(ctx.home);
  let key: SecretKey;
  try {
    const found = vault.permitKey(permitId);
    if ("missing" in found)
      throw new ConflictError(
        `Permit ${permitId} has no key (${found.missing}): its data can no longer be re-pseudonymized, so no release or refresh is possible.`,
      );
    key = found.key;
  } finally {
    vault.close();
  }
  const saved = await ctx.store.db
    .selectFrom("cohort_definitions")
    .selectAll()
    .where("hash", "=", permit.scope.cohort.hash)
    .executeTakeFirst();
  if (!saved)
    throw new NotFoundError(
      `The permit's cohort version ${permit.scope.cohort.hash.slice(0, 12)} is not saved.`,
    );
  const optouts = (await ctx.store.db.selectFrom("optouts").select("pseudo_id").execute()).map(
    (r) => r.pseudo_id,
  );
  const base = options.outDir ?? join(ctx.home.dir, "releases");
  await completeReleases(ctx, permitId, base);
  const previous = await ctx.store.db
    .selectFrom("releases")
    .select(({ fn }) => fn.max("number").as("n"))
    .where("permit_id", "=", permitId)
    .executeTakeFirst();
  const number = Number(previous?.n ?? 0) + 1;
  const id = `${permitId}-r${number}`;
  const final = join(base, releaseFolderName(permitId, number));
  if (existsSync(final))
    throw new ConflictError(
      `${final} exists but is no recorded release of permit ${permitId}.`,
      "Kaivo did not publish it: move it out of the way, then release again.",
    );
  const staging = stagingFolder(final);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, "data"), { recursive: true });

  // A release reads the lake and writes only its own folder.
  const lake = await Lake.open(ctx.home, { readOnly: true, folders: [base] });
  let members: string[] = [];
  let recorded = false;
  try {
    const def = parseDefinition(JSON.parse(saved.definition));
    const cctx = await cohortContext(lake, ctx.store, def, options.snapshot);
    const compiled = compileCohort(def, cctx);
    await materialise(lake, compiled);
    lap("cohort");
    await lake.tempIds("_optouts", optouts);
    members = (
      await lake.query(
        sql`select distinct pseudo_id from cohort_members where pseudo_id not in (select pseudo_id from _optouts) order by 1`,
      )
    ).map((r) => String(r.pseudo_id));
    const mapped = members.map((m) => personMapping(key, m, permit.scope.rules.dateShiftDays));
    await lake.query(
      sql`create or replace temp table _release_people as select unnest(${members}::varchar[]) as pseudo_id, unnest(${mapped.map((p) => p.personId)}::varchar[]) as person_id, unnest(${mapped.map((p) => p.shift)}::integer[]) as shift`,
    );
    await usePermitKey(lake, key);
    const catalog = await readCatalog(lake);
    const { tables: plans, referenceIds } = planRelease(
      catalog,
      permit.scope,
      wanted,
      period,
      cctx.snapshot,
    );
    await lake.query(referenceIds);
    lap("pseudonyms");
    if (plans.some((p) => p.unshiftableNotes.length > 0)) {
      installNoteDateFunctions(lake.connection);
      if (permit.scope.rules.unshiftedNoteDates !== true) await refuseUnshiftableNotes(lake, plans);
    }
    const packaged: PackagedTable[] = [];
    const parquetOf = (plan: (typeof plans)[number]) =>
      join(staging, "data", `${plan.name}.parquet`);
    for (const plan of plans) {
      // One pass over the lake per table: Parquet first (the guard reads it), the rest from it.
      const parquet = parquetOf(plan);
      await lake.query(sql`copy (${plan.sql}) to ${parquet} (format parquet)`);
      const rows = sql`read_parquet(${parquet})`;
      if (permit.scope.formats.includes("csv"))
        await lake.query(
          sql`copy (select * from ${rows}) to ${join(staging, "data", `${plan.name}.csv`)} (format csv, header true)`,
        );
      const [n] = await lake.query(
        sql`select count(*) r, count(distinct person_id) p from ${rows}`,
      );
      const examples: PackagedTable["examples"] = {};
      for (const c of plan.columns.filter((c) => c.variable?.codeSystem)) {
        const system = c.variable?.codeSystem as string;
        examples[c.name] = (
          await lake.query(
            sql`select ${ident("r", c.name)}::varchar as code, any_value(v.title_fi) as title, count(*) n from ${rows} r
             left join _catalog.vocabulary v on v.system = ${system} and v.code = ${ident("r", c.name)}::varchar
             where ${ident("r", c.name)} is not null group by 1 order by n desc, code limit 5`,
          )
        ).map((r) => ({ code: String(r.code), title: r.title === null ? null : String(r.title) }));
      }
      packaged.push({ plan, rows: Number(n?.r ?? 0), persons: Number(n?.p ?? 0), examples });
    }
    await lake.connection.run("drop table if exists _ref_ids");
    await forgetPermitKey(lake);

    lap("tables");
    const info: ReleaseInfo = {
      id,
      number,
      permit,
      snapshot: cctx.snapshot,
      cohort: permit.scope.cohort,
      period,
      persons: members.length,
      software: `kaivo ${VERSION}`,
      createdAt: new Date().toISOString(),
      formats: permit.scope.formats,
    };
    writeFileSync(
      join(staging, "datapackage.json"),
      `${JSON.stringify(dataPackage(info, packaged), null, 2)}\n`,
    );
    writeFileSync(join(staging, "codebook.md"), codebook(info, packaged));
    writeFileSync(join(staging, "README.md"), readme(info, packaged));
    writeFileSync(
      join(staging, "release.json"),
      `${JSON.stringify(
        {
          release: id,
          permit: permit.id,
          number,
          scopeHash: permit.scopeHash,
          cohort: permit.scope.cohort,
          snapshot: cctx.snapshot,
          period,
          software: info.software,
          createdAt: info.createdAt,
        },
        null,
        2,
      )}\n`,
    );

    lap("package");
    const hits = await scanRelease(
      lake,
      packaged.map((t) => ({
        file: `data/${t.plan.name}.parquet`,
        path: parquetOf(t.plan),
        pseudonyms: t.plan.columns
          .filter((c) => c.reference || c.name === "person_id" || c.name === "row_id")
          .map((c) => c.name),
      })),
      ["datapackage.json", "codebook.md", "README.md"].map((f) => ({
        file: f,
        path: join(staging, f),
      })),
    );
    if (hits.length > 0) {
      rmSync(staging, { recursive: true, force: true });
      await appendAudit(ctx.store, ctx.actor, {
        action: "release.blocked",
        target: `permit:${permitId}`,
        details: {
          hits: hits.map((h) => ({ file: h.file, column: h.column, kind: h.kind, rows: h.rows })),
        },
      });
      throw new ReleaseBlockedError(
        `Release of permit ${permitId} stopped: ${hits.map((h) => `${h.rows} ${h.kind}${h.rows === 1 ? "" : "s"} in ${h.file} ${h.column}`).join("; ")}. Nothing was published.`,
        "Find the source record (`kaivo quarantine` and the note scrubber's rules), fix it, and release again.",
      );
    }
    // Parquet was written for the guard; it stays only when the permit asks for it.
    if (!permit.scope.formats.includes("parquet"))
      for (const t of packaged) rmSync(parquetOf(t.plan));
    lap("guard");
    const checksum = writeChecksums(staging);
    crashPoint("release:before-record");
    const tables = packaged.map((t) => ({ name: t.plan.name, rows: t.rows, persons: t.persons }));
    const rows = tables.reduce((a, t) => a + t.rows, 0);
    await auditedWrite(
      ctx.store,
      ctx.actor,
      {
        action: "release.create",
        target: `release:${id}`,
        details: {
          permit: permitId,
          snapshot: cctx.snapshot,
          persons: members.length,
          rows,
          checksum,
          scopeHash: permit.scopeHash,
        },
      },
      async (db) => {
        // A close decided while this release was being built wins: nothing is recorded.
        const current = await db
          .selectFrom("permits")
          .select("status")
          .where("id", "=", permitId)
          .executeTakeFirst();
        if (current?.status !== "active")
          throw new ConflictError(
            `Permit ${permitId} became ${current?.status} during the release; nothing was published.`,
          );
        await db
          .insertInto("releases")
          .values({
            id,
            permit_id: permitId,
            number,
            snapshot: cctx.snapshot,
            status: "publishing",
            path: final,
            persons: members.length,
            rows,
            checksum,
            created_at: info.createdAt,
            created_by: ctx.actor.name,
          })
          .execute();
        for (let i = 0; i < members.length; i += 500)
          await db
            .insertInto("release_members")
            .values(members.slice(i, i + 500).map((pseudo_id) => ({ release_id: id, pseudo_id })))
            .execute();
      },
    );
    recorded = true;
    crashPoint("release:after-record");
    renameSync(staging, final);
    crashPoint("release:after-rename");
    await ctx.store.db
      .updateTable("releases")
      .set({ status: "published" })
      .where("id", "=", id)
      .execute();
    lap("checksums and record");
    return {
      id,
      permitId,
      number,
      snapshot: cctx.snapshot,
      path: final,
      persons: members.length,
      tables,
      checksum,
      seconds: (performance.now() - started) / 1000,
      phases,
    };
  } catch (error) {
    // Once recorded, the staged files are the release: the next run publishes them.
    if (!recorded) rmSync(staging, { recursive: true, force: true });
    throw error;
  } finally {
    lake.close();
  }
}

/**
 * With a date shift, a note whose text holds a date Kaivo cannot shift safely would carry that
 * date as recorded: such a release is refused, naming table, column and count (never the text),
 * unless the permit accepts unshifted note dates.
 */
async function refuseUnshiftableNotes(
  lake: Lake,
  plans: ReturnType<typeof planRelease>["tables"],
): Promise<void> {
  const found: string[] = [];
  for (const plan of plans)
    for (const check of plan.unshiftableNotes) {
      const [row] = await lake.query(check.sql);
      const n = Number(row?.n ?? 0);
      if (n > 0)
        found.push(
          `${plan.name}.${check.column}: ${n} ${n === 1 ? "note has a date" : "notes have dates"} that cannot be shifted safely`,
        );
    }
  if (found.length > 0)
    throw new ValidationError(
      `The release was refused: ${found.join("; ")} (a day and month without a year that the note's date does not settle, a day and month ending a sentence, a slashed date, or a date-shaped number that is no calendar date). With the permit's date shift they would leave as recorded. Nothing was published.`,
      "Correct those notes at the source, leave the text column out of the release, or release under a permit that grants rules.unshiftedNoteDates (applied for and approved).",
    );
}

/** `kaivo release list`: releases of a permit, or all. */
export async function listReleases(ctx: Ctx, permitId?: string) {
  await authorize(ctx.store, ctx.actor, "release.read");
  let query = ctx.store.db
    .selectFrom("releases")
    .selectAll()
    .orderBy("permit_id")
    .orderBy("number");
  if (permitId) query = query.where("permit_id", "=", permitId);
  return query.execute();
}
