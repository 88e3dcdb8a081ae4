import { readFileSync } from "node:fs";
import type { Context, Hono } from "hono";
import type { FC } from "hono/jsx";
import { authorize, isAllowed } from "../auth/permissions.js";
import { requireJson, validateCohort } from "../cohort/cohort-service.js";
import type { Issue } from "../cohort/context.js";
import { type FeasibilityResult, feasibility } from "../feasibility/feasibility-service.js";
import { serviceCtx } from "../server/actor.js";
import type { AppEnv } from "../server/app-env.js";
import { KaivoError, RateLimitError } from "../shared/errors.js";
import { BarChart } from "./chart.js";
import { CsrfField, Notice, Page } from "./layout.js";
import { PORTAL } from "./paths.js";
import { render, type View, viewOf } from "./view.js";

const FEASIBILITY = `${PORTAL}/feasibility`;
const COUNT = `${FEASIBILITY}/count`;
const SOURCE = "the definition";

/**
 * The example the editor starts with: a cohort the demo lake holds. Read from examples/, which
 * sits two levels above both src/portal and dist/portal; its `$schema` is a path in the
 * repository, meaningless in the browser.
 */
function exampleDefinition(): string {
  const file = new URL("../../examples/cohorts/t2d-hba1c.json", import.meta.url);
  const { $schema: _, ...definition } = JSON.parse(readFileSync(file, "utf8")) as Record<
    string,
    unknown
  >;
  return JSON.stringify(definition, null, 2);
}

export type Outcome =
  | { kind: "count"; result: FeasibilityResult; warnings: Issue[] }
  | { kind: "invalid"; errors: Issue[]; warnings: Issue[] }
  | { kind: "notJson"; message: string }
  | { kind: "refused"; message: string }
  | { kind: "failed"; message: string };

/**
 * The count for a definition as the feasibility service gives it to this user. A definition that
 * is not JSON, or (for roles that define cohorts) fails validation, is not sent to the service,
 * so typing does not spend the query budget on it.
 */
export async function countOf(c: Context<AppEnv>, text: string): Promise<Outcome> {
  const ctx = serviceCtx(c);
  // Before the text is looked at: a role that may not count learns only that.
  await authorize(ctx.store, ctx.actor, "feasibility.run");
  let raw: unknown;
  try {
    raw = requireJson(text, SOURCE);
  } catch (error) {
    if (error instanceof KaivoError) return { kind: "notJson", message: error.message };
    throw error;
  }
  let warnings: Issue[] = [];
  try {
    if (isAllowed(ctx.actor.role, "cohort.define")) {
      const report = await validateCohort(ctx, raw, SOURCE);
      if (report.errors.length > 0)
        return { kind: "invalid", errors: report.errors, warnings: report.warnings };
      warnings = report.warnings;
    }
    return { kind: "count", result: await feasibility(ctx, raw, { source: SOURCE }), warnings };
  } catch (error) {
    if (error instanceof RateLimitError) return { kind: "refused", message: error.message };
    if (error instanceof KaivoError) return { kind: "failed", message: error.message };
    throw error;
  }
}

const Issues: FC<{ title: string; issues: Issue[] }> = ({ title, issues }) =>
  issues.length === 0 ? null : (
    <>
      <p>{title}</p>
      <ul>
        {issues.map((i) => (
          <li>
            <code>{i.path}</code>: {i.message}
          </li>
        ))}
      </ul>
    </>
  );

/** The count area's content for an outcome; a refusal goes beside it instead (see below). */
export const CountView: FC<{ view: View; outcome: Outcome | undefined }> = ({ view, outcome }) => {
  const { t } = view;
  if (!outcome) return <p>{t("feas.none")}</p>;
  switch (outcome.kind) {
    case "count": {
      const r = outcome.result;
      return (
        <>
          <p class="count">
            <output id="persons" for="definition">
              {typeof r.persons === "number" ? view.number(r.persons) : r.persons}
            </output>
          </p>
          <p>{t("feas.of", { name: r.name, snapshot: r.snapshot })}</p>
          <p class="disclosure">
            {r.exact ? t("feas.exact") : t("feas.disclosed", { policy: r.policy, k: r.minCount })}
          </p>
          <BarChart
            view={view}
            title={t("feas.attrition")}
            bars={[
              { label: t("feas.entered"), value: r.attrition.entered },
              ...r.attrition.steps.map((s) => ({ label: s.step, value: s.remaining })),
            ]}
          />
          {outcome.warnings.length > 0 ? (
            <Notice kind="warning">
              <Issues title={t("feas.warnings")} issues={outcome.warnings} />
            </Notice>
          ) : null}
        </>
      );
    }
    case "invalid":
      return (
        <Notice kind="error">
          <Issues title={t("feas.errors")} issues={outcome.errors} />
          <Issues title={t("feas.warnings")} issues={outcome.warnings} />
        </Notice>
      );
    case "notJson":
      return (
        <Notice kind="error">
          <p>{t("feas.notJson")}</p>
          <p>{outcome.message}</p>
        </Notice>
      );
    case "refused":
    case "failed":
      return (
        <Notice kind="error">
          <p>{t(outcome.kind === "refused" ? "feas.refused" : "feas.failed")}</p>
          <p>{outcome.message}</p>
        </Notice>
      );
  }
};

const Editor: FC<{ view: View; text: string; outcome: Outcome | undefined }> = ({
  view,
  text,
  outcome,
}) => {
  const { t } = view;
  return (
    <div class="editor">
      <form method="post" action={FEASIBILITY} class="stacked">
        <CsrfField view={view} />
        <label for="definition">{t("feas.definition")}</label>
        <textarea
          id="definition"
          name="definition"
          rows={26}
          spellcheck={false}
          aria-describedby="definition-hint"
          hx-post={COUNT}
          hx-trigger="keyup changed delay:600ms"
          hx-target="#count"
        >
          {text}
        </textarea>
        <p id="definition-hint" class="hint">
          {t("feas.definitionHint")}
        </p>
        <button type="submit">{t("feas.submit")}</button>
      </form>
      <section class="live" aria-labelledby="live-title">
        <h2 id="live-title">{t("feas.count")}</h2>
        <div id="count" aria-live="polite">
          <CountView view={view} outcome={outcome} />
        </div>
        <div id="count-notice" aria-live="assertive" />
      </section>
    </div>
  );
};

const page = (c: Context<AppEnv>, text: string, outcome: Outcome | undefined) => {
  const view = viewOf(c);
  return render(
    c,
    <Page view={view} title={view.t("feas.title")}>
      <p>{view.t("feas.intro")}</p>
      <Editor view={view} text={text} outcome={outcome} />
    </Page>,
  );
};

const definitionOf = async (c: Context<AppEnv>) => {
  const value = (await c.req.parseBody()).definition;
  return typeof value === "string" ? value : "";
};

/**
 * The feasibility page: a definition editor with a live count. htmx posts the definition to the
 * count fragment as the user types (debounced); without scripts, the form's button posts the
 * page. A refusal by the query limit or budget is put beside the count (HX-Retarget), so the
 * last count the service gave stays on screen.
 */
export function feasibilityPages(app: Hono<AppEnv>): void {
  const example = exampleDefinition();
  app.get(FEASIBILITY, async (c) => {
    const ctx = serviceCtx(c);
    await authorize(ctx.store, ctx.actor, "feasibility.run");
    return page(c, example, undefined);
  });

  app.post(FEASIBILITY, async (c) => {
    const text = await definitionOf(c);
    return page(c, text, await countOf(c, text));
  });

  app.post(COUNT, async (c) => {
    const view = viewOf(c);
    const outcome = await countOf(c, await definitionOf(c));
    if (outcome.kind === "refused") {
      c.header("HX-Retarget", "#count-notice");
      c.header("HX-Reswap", "innerHTML");
      return render(c, <CountView view={view} outcome={outcome} />, { fragment: true });
    }
    return render(
      c,
      <>
        <CountView view={view} outcome={outcome} />
        <div id="count-notice" aria-live="assertive" hx-swap-oob="true" />
      </>,
      { fragment: true },
    );
  });
}
