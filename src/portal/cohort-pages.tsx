import { readFileSync } from "node:fs";
import type { Context, Hono } from "hono";
import type { Child, FC } from "hono/jsx";
import { authorize } from "../auth/permissions.js";
import { listCatalog, type PickedCode, pickCodes } from "../catalog/catalog-service.js";
import {
  type CohortVersion,
  cohortHistory,
  cohortVersion,
  definitionFile,
  explainCohort,
  listCohorts,
  requireJson,
  validateCohort,
} from "../cohort/cohort-service.js";
import { parseDefinition } from "../cohort/definition.js";
import { feasibilityLimits } from "../feasibility/feasibility-service.js";
import type { Allowance } from "../feasibility/query-record.js";
import { serviceCtx } from "../server/actor.js";
import type { AppEnv } from "../server/app-env.js";
import { KaivoError } from "../shared/errors.js";
import {
  type Body,
  type BuilderForm,
  definitionFromForm,
  type FormProblem,
  formFromBody,
  formFromDefinition,
  OCCURRENCES,
  RULE_KINDS,
  SEXES,
  withCode,
  withCriterion,
} from "./cohort-form.js";
import { CountView, countOf, type Outcome } from "./feasibility-pages.js";
import { CsrfField, Notice, Page } from "./layout.js";
import { PORTAL } from "./paths.js";
import { render, type View, viewOf } from "./view.js";

export const COHORTS = `${PORTAL}/cohorts`;
export const BUILDER = `${COHORTS}/builder`;
const BUILDER_COUNT = `${BUILDER}/count`;
const CODES = `${COHORTS}/codes`;
const exportPath = (hash: string) => `${COHORTS}/versions/${hash}/definition.json`;
const SOURCE = "the definition";

/** The example a new cohort starts from: one the demo lake holds (examples/cohorts/). */
function exampleForm(): BuilderForm {
  const file = new URL("../../examples/cohorts/t2d-hba1c.json", import.meta.url);
  return formFromDefinition(parseDefinition(JSON.parse(readFileSync(file, "utf8")), "example"));
}

interface BuilderState {
  form: BuilderForm;
  outcome?: Outcome | undefined;
  explanation?: string | undefined;
  problems?: FormProblem[];
  notice?: { kind: "info" | "error" | "warning"; lines: string[] } | undefined;
  picks?: PickedCode[] | undefined;
  pickQuery?: string;
  pickSet?: string;
}

const ProblemList: FC<{ view: View; problems: FormProblem[] }> = ({ view, problems }) =>
  problems.length === 0 ? null : (
    <Notice kind="error">
      <p>{view.t("builder.notJson")}</p>
      <ul>
        {problems.map((p) => (
          <li>
            <code>{p.field}</code>
          </li>
        ))}
      </ul>
    </Notice>
  );

const Explanation: FC<{ view: View; text: string | undefined; oob?: boolean }> = ({
  view,
  text,
  oob,
}) => (
  <section id="explain" aria-labelledby="explain-title" hx-swap-oob={oob ? "true" : undefined}>
    <h2 id="explain-title">{view.t("builder.explanation")}</h2>
    {text ? <pre class="explain">{text}</pre> : <p>{view.t("builder.noExplanation")}</p>}
  </section>
);

const Picks: FC<{ view: View; picks: PickedCode[] | undefined; query: string }> = ({
  view,
  picks,
  query,
}) => {
  const { t } = view;
  if (!picks) return <p class="hint">{t("picker.hint")}</p>;
  if (picks.length === 0) return <p>{t("picker.none", { q: query })}</p>;
  const shown = (v: PickedCode["persons"][number]["persons"]) =>
    v === null ? "–" : typeof v === "number" ? view.number(v) : v;
  return (
    <table class="picks">
      <caption>{t("picker.results", { q: query })}</caption>
      <thead>
        <tr>
          <th scope="col">{t("picker.code")}</th>
          <th scope="col">{t("picker.title")}</th>
          <th scope="col">{t("picker.persons")}</th>
          <th scope="col">{t("picker.add")}</th>
        </tr>
      </thead>
      <tbody>
        {picks.map((p) => (
          <tr>
            <th scope="row">
              <code>{p.code}</code> <span class="system">{p.system}</span>
            </th>
            <td>{(view.lang === "fi" ? p.titleFi : p.titleEn) ?? p.titleEn ?? p.titleFi ?? ""}</td>
            <td>
              {p.persons.length === 0
                ? t("picker.notPublished")
                : p.persons.map((x) => `${x.table}: ${shown(x.persons)}`).join("; ")}
            </td>
            <td>
              <button
                type="submit"
                form="builder"
                name="op"
                value={`addCode ${p.system} ${p.code}`}
                aria-label={t("picker.addCode", { code: p.code })}
              >
                {t("picker.add")}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
};

const Field: FC<{
  id: string;
  label: string;
  name?: string;
  value: string;
  type?: string;
  hint?: string;
}> = ({ id, label, name, value, type, hint }) => (
  <p class="field">
    <label for={id}>{label}</label>
    <input
      id={id}
      name={name ?? id}
      type={type ?? "text"}
      value={value}
      aria-describedby={hint ? `${id}-hint` : undefined}
    />
    {hint ? (
      <span id={`${id}-hint`} class="hint">
        {hint}
      </span>
    ) : null}
  </p>
);

const JsonArea: FC<{ id: string; label: string; value: string; rows?: number; hint?: string }> = ({
  id,
  label,
  value,
  rows,
  hint,
}) => (
  <p class="field">
    <label for={id}>{label}</label>
    <textarea
      id={id}
      name={id}
      rows={rows ?? 4}
      spellcheck={false}
      class="json"
      aria-describedby={hint ? `${id}-hint` : undefined}
    >
      {value}
    </textarea>
    {hint ? (
      <span id={`${id}-hint`} class="hint">
        {hint}
      </span>
    ) : null}
  </p>
);

const Select: FC<{
  id: string;
  label: string;
  value: string;
  options: Array<{ value: string; label: string }>;
}> = ({ id, label, value, options }) => (
  <p class="field">
    <label for={id}>{label}</label>
    <select id={id} name={id}>
      {options.map((o) => (
        <option value={o.value} selected={o.value === value}>
          {o.label}
        </option>
      ))}
    </select>
  </p>
);

const BuilderFields: FC<{ view: View; form: BuilderForm; tables: string[] }> = ({
  view,
  form,
  tables,
}) => {
  const { t } = view;
  const tableOptions = [...new Set([...tables, form.entry.table])]
    .filter(Boolean)
    .map((x) => ({ value: x, label: x }));
  const setOptions = [
    { value: "", label: t("builder.noCodeSet") },
    ...form.codeSets.map((s) => ({ value: s.name, label: s.name })),
  ];
  return (
    <>
      <fieldset>
        <legend>{t("builder.about")}</legend>
        <Field id="name" label={t("builder.name")} value={form.name} hint={t("builder.nameHint")} />
        <Field id="title" label={t("builder.titleField")} value={form.title} />
        <JsonArea id="description" label={t("builder.description")} value={form.description} />
      </fieldset>
      <fieldset>
        <legend>{t("builder.codeSets")}</legend>
        {form.codeSets.length === 0 ? <p>{t("builder.noCodeSets")}</p> : null}
        {form.codeSets.map((s, i) => (
          <div class="row">
            <Field id={`cs.${i}.name`} label={t("builder.codeSetName")} value={s.name} />
            <Field id={`cs.${i}.system`} label={t("builder.system")} value={s.system} />
            <JsonArea
              id={`cs.${i}.codes`}
              label={t("builder.codes")}
              value={s.codes}
              rows={3}
              hint={t("builder.codesHint")}
            />
            <button type="submit" name="op" value={`removeCodeSet ${i}`}>
              {t("builder.removeCodeSet", { name: s.name })}
            </button>
          </div>
        ))}
        <button type="submit" name="op" value="addCodeSet">
          {t("builder.addCodeSet")}
        </button>
      </fieldset>
      <fieldset>
        <legend>{t("builder.entry")}</legend>
        <Select
          id="entry.table"
          label={t("builder.table")}
          value={form.entry.table}
          options={tableOptions}
        />
        <Select
          id="entry.codeSet"
          label={t("builder.codeSet")}
          value={form.entry.codeSet}
          options={setOptions}
        />
        <Select
          id="entry.occurrence"
          label={t("builder.occurrence")}
          value={form.entry.occurrence}
          options={OCCURRENCES.map((o) => ({ value: o, label: t(`builder.occurrence.${o}`) }))}
        />
        <Field id="entry.from" label={t("builder.from")} type="date" value={form.entry.from} />
        <Field id="entry.to" label={t("builder.to")} type="date" value={form.entry.to} />
        <JsonArea
          id="entry.where"
          label={t("builder.where")}
          value={form.entry.where}
          hint={t("builder.whereHint")}
        />
        {form.entry.codeColumn ? (
          <input type="hidden" name="entry.codeColumn" value={form.entry.codeColumn} />
        ) : null}
      </fieldset>
      <fieldset>
        <legend>{t("builder.demographics")}</legend>
        <Field id="age.min" label={t("builder.ageMin")} type="number" value={form.age.min} />
        <Field id="age.max" label={t("builder.ageMax")} type="number" value={form.age.max} />
        <fieldset class="choices">
          <legend>{t("builder.sex")}</legend>
          {SEXES.map((x) => (
            <label>
              <input type="checkbox" name="sex" value={x} checked={form.sex.includes(x)} />{" "}
              {t(`builder.sex.${x}`)}
            </label>
          ))}
        </fieldset>
        <p class="field">
          <label>
            <input type="checkbox" name="alive" checked={form.alive} /> {t("builder.alive")}
          </label>
        </p>
        <Field
          id="municipality"
          label={t("builder.municipality")}
          value={form.municipality}
          hint={t("builder.municipalityHint")}
        />
      </fieldset>
      <fieldset>
        <legend>{t("builder.rules")}</legend>
        {form.rules.length === 0 ? <p>{t("builder.noRules")}</p> : null}
        {form.rules.map((r, i) => (
          <fieldset class="rule">
            <legend>{t("builder.rule", { n: i + 1 })}</legend>
            <Field id={`rule.${i}.name`} label={t("builder.ruleName")} value={r.name} />
            <Select
              id={`rule.${i}.kind`}
              label={t("builder.ruleKind")}
              value={r.kind}
              options={RULE_KINDS.map((k) => ({ value: k, label: t(`builder.kind.${k}`) }))}
            />
            <Field id={`rule.${i}.n`} label={t("builder.ruleN")} type="number" value={r.n} />
            <JsonArea
              id={`rule.${i}.members`}
              label={t("builder.members")}
              value={r.members}
              rows={6}
              hint={t("builder.membersHint")}
            />
            <details>
              <summary>{t("builder.addCriterion")}</summary>
              <Select
                id={`rule.${i}.add.table`}
                label={t("builder.table")}
                value=""
                options={[...tableOptions, { value: "death", label: t("builder.death") }]}
              />
              <Select
                id={`rule.${i}.add.codeSet`}
                label={t("builder.codeSet")}
                value=""
                options={setOptions}
              />
              <Field
                id={`rule.${i}.add.start`}
                label={t("builder.windowStart")}
                type="number"
                value=""
              />
              <Field
                id={`rule.${i}.add.end`}
                label={t("builder.windowEnd")}
                type="number"
                value=""
              />
              <Field
                id={`rule.${i}.add.atLeast`}
                label={t("builder.atLeast")}
                type="number"
                value=""
              />
              <button type="submit" name="op" value={`addCriterion ${i}`}>
                {t("builder.addCriterionTo", { n: i + 1 })}
              </button>
            </details>
            <button type="submit" name="op" value={`removeRule ${i}`}>
              {t("builder.removeRule", { n: i + 1 })}
            </button>
          </fieldset>
        ))}
        <button type="submit" name="op" value="addRule">
          {t("builder.addRule")}
        </button>
      </fieldset>
      <fieldset>
        <legend>{t("builder.exit")}</legend>
        <Field
          id="exit.offsetDays"
          label={t("builder.offsetDays")}
          type="number"
          value={form.exit.offsetDays}
        />
        <p class="field">
          <label>
            <input type="checkbox" name="exit.atDeath" checked={form.exit.atDeath} />{" "}
            {t("builder.atDeath")}
          </label>
        </p>
        <JsonArea
          id="exit.censor"
          label={t("builder.censor")}
          value={form.exit.censor}
          hint={t("builder.censorHint")}
        />
      </fieldset>
    </>
  );
};

const AllowanceNote: FC<{ view: View; allowance: Allowance }> = ({ view, allowance }) => {
  if (!allowance.minute) return null;
  const left = (l: { used: number; limit: number } | null) =>
    l ? Math.max(0, l.limit - l.used) : Number.POSITIVE_INFINITY;
  return (
    <p class="hint">
      {view.t("builder.allowance", {
        minute: left(allowance.minute),
        day: left(allowance.day),
      })}
    </p>
  );
};

const History: FC<{ view: View; versions: CohortVersion[] }> = ({ view, versions }) => {
  const { t } = view;
  if (versions.length === 0) return <p>{t("builder.noVersions")}</p>;
  return (
    <table>
      <caption>{t("builder.history")}</caption>
      <thead>
        <tr>
          <th scope="col">{t("cohorts.version")}</th>
          <th scope="col">{t("cohorts.saved")}</th>
          <th scope="col">{t("builder.savedBy")}</th>
          <th scope="col">{t("builder.actions")}</th>
        </tr>
      </thead>
      <tbody>
        {[...versions].reverse().map((v) => (
          <tr>
            <th scope="row">
              <code>{v.hash.slice(0, 12)}</code>
            </th>
            <td>{v.createdAt}</td>
            <td>{v.createdBy}</td>
            <td>
              <a href={`${BUILDER}?version=${v.hash}`}>{t("builder.open")}</a>{" "}
              <a href={exportPath(v.hash)} download>
                {t("builder.export")}
              </a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
};

async function builderPage(c: Context<AppEnv>, state: BuilderState) {
  const view = viewOf(c);
  const ctx = serviceCtx(c);
  const { t } = view;
  const catalog = await listCatalog(ctx);
  const tables = catalog.registries.flatMap((r) =>
    r.tables.filter((x) => x.persons !== null).map((x) => `${r.registry}.${x.table}`),
  );
  const versions = state.form.name ? await cohortHistory(ctx, state.form.name) : [];
  const allowance = await feasibilityLimits(ctx);
  return render(
    c,
    <Page view={view} title={t("builder.title")}>
      <p>{t("builder.intro")}</p>
      {state.notice ? (
        <Notice kind={state.notice.kind}>
          {state.notice.lines.map((l) => (
            <p>{l}</p>
          ))}
        </Notice>
      ) : null}
      <ProblemList view={view} problems={state.problems ?? []} />
      <div class="builder">
        <div class="builder-form">
          <form
            id="builder"
            method="post"
            action={BUILDER}
            class="stacked"
            hx-post={BUILDER_COUNT}
            hx-trigger="input delay:900ms, change delay:400ms"
            hx-target="#count"
            hx-vals={JSON.stringify({ live: "1" })}
          >
            <CsrfField view={view} />
            <BuilderFields view={view} form={state.form} tables={tables} />
            <p class="actions">
              <button type="submit" name="op" value="count">
                {t("builder.count")}
              </button>{" "}
              <button type="submit" name="op" value="save">
                {t("builder.save")}
              </button>
            </p>
          </form>
          <section class="picker" aria-labelledby="picker-title">
            <h2 id="picker-title">{t("picker.title.heading")}</h2>
            <p class="field">
              <label for="pick-q">{t("picker.search")}</label>
              <input
                id="pick-q"
                name="pick.q"
                type="search"
                form="builder"
                value={state.pickQuery ?? ""}
                hx-get={CODES}
                hx-trigger="input changed delay:300ms, search"
                hx-target="#picks"
              />
            </p>
            <p class="field">
              <label for="pick-set">{t("picker.into")}</label>
              <select id="pick-set" name="pick.set" form="builder">
                <option value="">{t("picker.newSet")}</option>
                {state.form.codeSets.map((s) => (
                  <option value={s.name} selected={s.name === state.pickSet}>
                    {s.name}
                  </option>
                ))}
              </select>
            </p>
            <button type="submit" form="builder" name="op" value="search">
              {t("picker.submit")}
            </button>
            <div id="picks" aria-live="polite">
              <Picks view={view} picks={state.picks} query={state.pickQuery ?? ""} />
            </div>
          </section>
        </div>
        <div class="builder-side">
          <section class="live" aria-labelledby="live-title">
            <h2 id="live-title">{t("feas.count")}</h2>
            <div id="count" aria-live="polite">
              <CountView view={view} outcome={state.outcome} />
            </div>
            <div id="count-notice" aria-live="assertive" />
            <div id="allowance">
              <AllowanceNote view={view} allowance={allowance} />
            </div>
          </section>
          <Explanation view={view} text={state.explanation} />
          <section aria-labelledby="versions-title">
            <h2 id="versions-title">{t("builder.versions")}</h2>
            <History view={view} versions={versions} />
          </section>
          <section aria-labelledby="import-title">
            <h2 id="import-title">{t("builder.import")}</h2>
            <form method="post" action={BUILDER} enctype="multipart/form-data" class="stacked">
              <CsrfField view={view} />
              <input type="hidden" name="op" value="import" />
              <p class="field">
                <label for="import-file">{t("builder.importFile")}</label>
                <input
                  id="import-file"
                  name="importFile"
                  type="file"
                  accept="application/json,.json"
                />
              </p>
              <JsonArea id="importText" label={t("builder.importText")} value="" rows={4} />
              <button type="submit">{t("builder.importSubmit")}</button>
            </form>
          </section>
        </div>
      </div>
    </Page>,
  );
}

/** The plain-language explanation, or none while the definition does not parse. */
async function explanationOf(c: Context<AppEnv>, raw: unknown): Promise<string | undefined> {
  try {
    return await explainCohort(serviceCtx(c), raw, SOURCE);
  } catch (error) {
    if (error instanceof KaivoError) return undefined;
    throw error;
  }
}

const MAX_IMPORT = 256 * 1024;

async function importedForm(body: Body): Promise<{ form?: BuilderForm; error?: string }> {
  const file = body.importFile;
  let text = typeof body.importText === "string" ? body.importText : "";
  if (file instanceof File && file.size > 0) {
    if (file.size > MAX_IMPORT) return { error: `larger than ${MAX_IMPORT / 1024} KB` };
    text = await file.text();
  }
  try {
    return { form: formFromDefinition(parseDefinition(requireJson(text, SOURCE), SOURCE)) };
  } catch (error) {
    if (error instanceof KaivoError) return { error: error.message };
    throw error;
  }
}

/**
 * The cohort builder (issue 18): the definition as fields, a code picker, a live count, the
 * attrition chart and the plain-language explanation, versions, import and export. The cohort,
 * catalog and feasibility services do every check and count; the page moves fields.
 */
export function cohortPages(app: Hono<AppEnv>): void {
  app.get(COHORTS, async (c) => {
    const view = viewOf(c);
    const ctx = serviceCtx(c);
    const { t } = view;
    const mine = (await listCohorts(ctx)).versions.filter((v) => v.created_by === ctx.actor.name);
    return render(
      c,
      <Page view={view} title={t("cohorts.title")}>
        <p>{t("cohorts.intro")}</p>
        <p>
          <a href={BUILDER} class="button">
            {t("cohorts.new")}
          </a>
        </p>
        {mine.length === 0 ? (
          <p>{t("cohorts.none")}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t("cohorts.name")}</th>
                <th scope="col">{t("cohorts.definitionTitle")}</th>
                <th scope="col">{t("cohorts.version")}</th>
                <th scope="col">{t("cohorts.saved")}</th>
                <th scope="col">{t("builder.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {mine.map((v) => (
                <tr>
                  <th scope="row">{v.name}</th>
                  <td>{v.title ?? ""}</td>
                  <td>
                    <code>{v.hash.slice(0, 12)}</code>
                  </td>
                  <td>{v.created_at}</td>
                  <td>
                    <a href={`${BUILDER}?version=${v.hash}`}>{t("builder.open")}</a>{" "}
                    <a href={exportPath(v.hash)} download>
                      {t("builder.export")}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Page>,
    );
  });

  app.get(BUILDER, async (c) => {
    const ctx = serviceCtx(c);
    await authorize(ctx.store, ctx.actor, "cohort.define");
    const version = c.req.query("version");
    if (!version) return builderPage(c, { form: exampleForm() });
    const saved = await cohortVersion(ctx, version);
    return builderPage(c, {
      form: formFromDefinition(saved.definition),
      explanation: await explanationOf(c, saved.definition),
    });
  });

  app.post(BUILDER, async (c) => {
    const ctx = serviceCtx(c);
    await authorize(ctx.store, ctx.actor, "cohort.define");
    const { t } = viewOf(c);
    const body = (await c.req.parseBody({ all: true })) as Body;
    const op = typeof body.op === "string" ? body.op : "count";
    if (op === "import") {
      const imported = await importedForm(body);
      if (!imported.form)
        return builderPage(c, {
          form: exampleForm(),
          notice: { kind: "error", lines: [t("builder.importFailed"), imported.error ?? ""] },
        });
      const { raw } = definitionFromForm(imported.form);
      return builderPage(c, {
        form: imported.form,
        explanation: await explanationOf(c, raw),
        notice: { kind: "info", lines: [t("builder.imported")] },
      });
    }
    const form = formFromBody(body);
    const str = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : "");
    const [verb, arg, code] = op.split(" ");
    const at = Number(arg);
    const pickQuery = str("pick.q");
    const pickSet = str("pick.set");
    if (verb === "addCodeSet") form.codeSets.push({ name: "", system: "", codes: "" });
    if (verb === "removeCodeSet") form.codeSets.splice(at, 1);
    if (verb === "addRule") form.rules.push({ name: "", kind: "all", n: "", members: "[]" });
    if (verb === "removeRule") form.rules.splice(at, 1);
    if (verb === "addCriterion")
      withCriterion(form, at, {
        table: str(`rule.${at}.add.table`),
        codeSet: str(`rule.${at}.add.codeSet`),
        start: str(`rule.${at}.add.start`),
        end: str(`rule.${at}.add.end`),
        atLeast: str(`rule.${at}.add.atLeast`),
      });
    if (verb === "addCode" && arg && code) withCode(form, pickSet, arg, code);
    const picks =
      verb === "search" && pickQuery.trim() ? await pickCodes(ctx, pickQuery) : undefined;
    const { raw, problems } = definitionFromForm(form);
    const state: BuilderState = { form, problems, picks, pickQuery, pickSet };
    if (!raw) return builderPage(c, state);
    state.explanation = await explanationOf(c, raw);
    if (verb === "save") {
      try {
        const report = await validateCohort(ctx, raw, SOURCE);
        state.notice =
          report.errors.length > 0
            ? {
                kind: "error",
                lines: [
                  t("builder.notSaved"),
                  ...report.errors.map((e) => `${e.path}: ${e.message}`),
                ],
              }
            : {
                kind: "info",
                lines: [
                  t("builder.saved", { name: report.name, version: report.hash.slice(0, 12) }),
                ],
              };
      } catch (error) {
        if (!(error instanceof KaivoError)) throw error;
        state.notice = { kind: "error", lines: [t("builder.notSaved"), error.message] };
      }
    }
    if (verb === "count") state.outcome = await countOf(c, JSON.stringify(raw));
    return builderPage(c, state);
  });

  /**
   * The live count after an edit (htmx, debounced): the count, the attrition chart and the
   * explanation. When the feasibility limits are near, an automatic count is not made: the last
   * count stays and the notice beside it says why (the Count button still asks).
   */
  app.post(BUILDER_COUNT, async (c) => {
    const view = viewOf(c);
    const ctx = serviceCtx(c);
    // Refused before the form is read, so a form's problems are told only to who may count.
    await authorize(ctx.store, ctx.actor, "feasibility.run");
    const { t } = view;
    const body = (await c.req.parseBody({ all: true })) as Body;
    const { raw, problems } = definitionFromForm(formFromBody(body));
    const beside = (node: Child) => {
      c.header("HX-Retarget", "#count-notice");
      c.header("HX-Reswap", "innerHTML");
      return render(c, node, { fragment: true });
    };
    if (!raw) return beside(<ProblemList view={view} problems={problems} />);
    const explanation = await explanationOf(c, raw);
    const allowance = await feasibilityLimits(ctx);
    if (body.live === "1" && allowance.near)
      return beside(
        <>
          <Notice kind="warning">
            <p>{t("builder.limitNear")}</p>
            <AllowanceNote view={view} allowance={allowance} />
          </Notice>
          <Explanation view={view} text={explanation} oob />
        </>,
      );
    const outcome = await countOf(c, JSON.stringify(raw));
    // What is left after this count, replacing the line drawn with the page.
    const left = (
      <div id="allowance" hx-swap-oob="true">
        <AllowanceNote view={view} allowance={await feasibilityLimits(ctx)} />
      </div>
    );
    if (outcome.kind === "refused")
      return beside(
        <>
          <CountView view={view} outcome={outcome} />
          <Explanation view={view} text={explanation} oob />
          {left}
        </>,
      );
    return render(
      c,
      <>
        <CountView view={view} outcome={outcome} />
        <div id="count-notice" aria-live="assertive" hx-swap-oob="true" />
        <Explanation view={view} text={explanation} oob />
        {left}
      </>,
      { fragment: true },
    );
  });

  /** The code picker's results (htmx, as the user types): codes with titles and persons. */
  app.get(CODES, async (c) => {
    const view = viewOf(c);
    const ctx = serviceCtx(c);
    const q = c.req.query("pick.q") ?? c.req.query("q") ?? "";
    const found = await pickCodes(ctx, q);
    const picks = q.trim() ? found : undefined;
    return render(c, <Picks view={view} picks={picks} query={q} />, { fragment: true });
  });

  /** A saved version as the file `kaivo cohort validate` reads back to the same version. */
  app.get(`${COHORTS}/versions/:hash/definition.json`, async (c) => {
    const saved = await cohortVersion(serviceCtx(c), c.req.param("hash"));
    c.header("Cache-Control", "no-store");
    c.header(
      "Content-Disposition",
      `attachment; filename="${saved.name}-${saved.hash.slice(0, 12)}.json"`,
    );
    return c.body(definitionFile(saved.definition), 200, {
      "Content-Type": "application/json; charset=utf-8",
    });
  });
}
