import type { Context, Hono } from "hono";
import type { FC } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isAllowed } from "../auth/permissions.js";
import { cohortVersion, explainCohort, listCohorts } from "../cohort/cohort-service.js";
import { enforceRole } from "../permits/permit-access.js";
import {
  approvePermit,
  draftPermit,
  listPermits,
  type Permit,
  type RequestableTable,
  rejectPermit,
  requestableVariables,
  returnPermit,
  reviewPermit,
  reviewQueue,
  showPermit,
  submitPermit,
  updateDraft,
} from "../permits/permit-service.js";
import { decide } from "../permits/policy.js";
import { serviceCtx } from "../server/actor.js";
import type { AppEnv } from "../server/app-env.js";
import { statusOf } from "../server/errors.js";
import { KaivoError } from "../shared/errors.js";
import {
  type ApplicationFields,
  applicationFromBody,
  applicationFromPermit,
  applicationJson,
  emptyApplication,
} from "./application-form.js";
import type { Body } from "./cohort-form.js";
import { CsrfField, Notice, Page } from "./layout.js";
import type { MessageKey } from "./messages/en.js";
import { PORTAL } from "./paths.js";
import { render, type View, viewOf } from "./view.js";

export const APPLICATIONS = `${PORTAL}/applications`;
const NEW = `${APPLICATIONS}/new`;
export const REVIEW = `${PORTAL}/review`;
const one = (id: string) => `${APPLICATIONS}/${encodeURIComponent(id)}`;

type Ctx = ReturnType<typeof serviceCtx>;

/** The cohort versions an applicant may name: their own saved ones, newest first. */
async function versionsOf(ctx: Ctx) {
  const all = (await listCohorts(ctx)).versions.filter((v) => v.created_by === ctx.actor.name);
  return [...all].reverse();
}

const StatusText: FC<{ view: View; status: string }> = ({ view, status }) => (
  <span class="status">{view.t(`status.${status}` as MessageKey)}</span>
);

const ApplicationForm: FC<{
  view: View;
  action: string;
  fields: ApplicationFields;
  versions: Array<{ name: string; hash: string; title: string | null }>;
  tables: RequestableTable[];
  submit: boolean;
}> = ({ view, action, fields, versions, tables, submit }) => {
  const { t } = view;
  const text = (id: keyof ApplicationFields, label: string, type = "text") => (
    <p class="field">
      <label for={`app-${id}`}>{label}</label>
      <input id={`app-${id}`} name={id} type={type} value={String(fields[id])} />
    </p>
  );
  return (
    <form method="post" action={action} class="stacked application">
      <CsrfField view={view} />
      <fieldset>
        <legend>{t("app.about")}</legend>
        {text("title", t("app.titleField"))}
        {text("organisation", t("app.organisation"))}
        {text("legalBasis", t("app.legalBasis"))}
        <p class="field">
          <label for="app-purpose">{t("app.purpose")}</label>
          <textarea id="app-purpose" name="purpose" rows={5}>
            {fields.purpose}
          </textarea>
        </p>
        {text("team", t("app.team"))}
        {text("validUntil", t("app.validUntil"), "date")}
      </fieldset>
      <fieldset>
        <legend>{t("app.scope")}</legend>
        <p class="field">
          <label for="app-cohort">{t("app.cohort")}</label>
          <select id="app-cohort" name="cohort">
            <option value="">{t("app.chooseCohort")}</option>
            {versions.map((v) => (
              <option value={v.hash} selected={v.hash === fields.cohort}>
                {`${v.name} · ${v.hash.slice(0, 12)}${v.title ? ` · ${v.title}` : ""}`}
              </option>
            ))}
          </select>
        </p>
        {versions.length === 0 ? <p class="hint">{t("app.noCohorts")}</p> : null}
        {text("from", t("app.from"), "date")}
        {text("to", t("app.to"), "date")}
        {tables.map((table) => (
          <fieldset class="choices variables">
            <legend>
              <code>{table.name}</code> {table.title}
            </legend>
            {table.variables.map((v) => {
              const value = `${table.name}.${v.variable}`;
              return (
                <label>
                  <input
                    type="checkbox"
                    name="variables"
                    value={value}
                    checked={fields.variables.includes(value)}
                  />{" "}
                  <code>{v.variable}</code>
                  {v.title ? ` ${v.title}` : ""}
                  {v.freeText ? ` (${t("app.freeText")})` : ""}
                </label>
              );
            })}
          </fieldset>
        ))}
        <p class="field">
          <label>
            <input type="checkbox" name="notes" checked={fields.notes} /> {t("app.notes")}
          </label>
        </p>
      </fieldset>
      <p class="actions">
        <button type="submit" name="op" value="save">
          {t("app.saveDraft")}
        </button>{" "}
        {submit ? (
          <button type="submit" name="op" value="submit">
            {t("app.submit")}
          </button>
        ) : null}
      </p>
    </form>
  );
};

const Refusal: FC<{ view: View; error: KaivoError | undefined }> = ({ view, error }) =>
  error ? (
    <Notice kind="error">
      <p>{view.t("app.refused")}</p>
      <p>{error.message}</p>
      {error.hint ? <p>{error.hint}</p> : null}
    </Notice>
  ) : null;

const PermitTable: FC<{ view: View; permits: Permit[] }> = ({ view, permits }) => {
  const { t } = view;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t("app.id")}</th>
          <th scope="col">{t("app.titleField")}</th>
          <th scope="col">{t("app.applicant")}</th>
          <th scope="col">{t("app.status")}</th>
          <th scope="col">{t("app.updated")}</th>
        </tr>
      </thead>
      <tbody>
        {permits.map((p) => (
          <tr>
            <th scope="row">
              <a href={one(p.id)}>{p.id}</a>
            </th>
            <td>{p.title}</td>
            <td>{p.applicant}</td>
            <td>
              <StatusText view={view} status={p.status} />
            </td>
            <td>{p.updatedAt.slice(0, 16).replace("T", " ")}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
};

async function formPage(
  c: Context<AppEnv>,
  options: {
    title: string;
    action: string;
    fields: ApplicationFields;
    error?: KaivoError | undefined;
    submit: boolean;
    status?: ContentfulStatusCode;
  },
) {
  const view = viewOf(c);
  const ctx = serviceCtx(c);
  const [versions, tables] = await Promise.all([versionsOf(ctx), requestableVariables(ctx)]);
  return render(
    c,
    <Page view={view} title={options.title}>
      <p>{view.t("app.intro")}</p>
      <Refusal view={view} error={options.error} />
      <ApplicationForm
        view={view}
        action={options.action}
        fields={options.fields}
        versions={versions}
        tables={tables}
        submit={options.submit}
      />
    </Page>,
    { status: options.status ?? 200 },
  );
}

/** The application JSON for the fields, with the cohort's name looked up among the versions. */
async function jsonOf(ctx: Ctx, fields: ApplicationFields) {
  const names = new Map((await listCohorts(ctx)).versions.map((v) => [v.hash, v.name]));
  return applicationJson(fields, names);
}

const statusOfError = (e: KaivoError) => statusOf(e);

/** One application: its answers, scope, cohort in plain language, timeline and what one may do. */
async function applicationPage(
  c: Context<AppEnv>,
  id: string,
  extra: { error?: KaivoError; fields?: ApplicationFields; done?: string } = {},
) {
  const view = viewOf(c);
  const ctx = serviceCtx(c);
  const { t } = view;
  const { permit, events } = await showPermit(ctx, id);
  const parties = { ...permit, registeredBy: null };
  const may = (action: Parameters<typeof decide>[1]) => decide(ctx.actor, action, parties).allowed;
  const canEdit = permit.status === "draft" && may("edit");
  const canDecide = permit.status === "in_review" && may("approve");
  const canTake = permit.status === "submitted" && may("review");
  let explanation: string | undefined;
  try {
    const version = await cohortVersion(ctx, permit.requestedScope.cohort.hash);
    explanation = await explainCohort(ctx, version.definition, "the application's cohort");
  } catch (error) {
    if (!(error instanceof KaivoError)) throw error;
  }
  const versions = canEdit ? await versionsOf(ctx) : [];
  const tables = canEdit ? await requestableVariables(ctx) : [];
  const returned = [...events]
    .reverse()
    .find((e) => e.to_status === "draft" && e.from_status === "in_review");
  return render(
    c,
    <Page view={view} title={t("app.one", { id: permit.id })}>
      {extra.done ? (
        <Notice kind="info">
          <p>{extra.done}</p>
        </Notice>
      ) : null}
      <Refusal view={view} error={extra.error} />
      <dl class="facts">
        <dt>{t("app.status")}</dt>
        <dd>
          <StatusText view={view} status={permit.status} />
        </dd>
        <dt>{t("app.titleField")}</dt>
        <dd>{permit.title}</dd>
        <dt>{t("app.applicant")}</dt>
        <dd>{permit.applicant}</dd>
        <dt>{t("app.organisation")}</dt>
        <dd>{permit.organisation}</dd>
        <dt>{t("app.legalBasis")}</dt>
        <dd>{permit.legalBasis}</dd>
        <dt>{t("app.purpose")}</dt>
        <dd>{permit.purpose}</dd>
        <dt>{t("app.team")}</dt>
        <dd>{permit.team.join(", ") || "–"}</dd>
        <dt>{t("app.validUntil")}</dt>
        <dd>{permit.validUntil}</dd>
        <dt>{t("app.cohort")}</dt>
        <dd>
          <code>{`${permit.requestedScope.cohort.name} · ${permit.requestedScope.cohort.hash.slice(0, 12)}`}</code>
        </dd>
        <dt>{t("app.period")}</dt>
        <dd>{`${permit.requestedScope.period.from} – ${permit.requestedScope.period.to}`}</dd>
        <dt>{t("app.variables")}</dt>
        <dd>
          <ul>
            {Object.entries(permit.requestedScope.tables).map(([table, vs]) => (
              <li>
                <code>{table}</code>: {vs.join(", ")}
              </li>
            ))}
          </ul>
        </dd>
      </dl>
      {returned && permit.status === "draft" ? (
        <Notice kind="warning">
          <p>{t("app.returnedBy", { user: returned.actor })}</p>
          <p>{returned.reason}</p>
        </Notice>
      ) : null}
      <section aria-labelledby="cohort-title">
        <h2 id="cohort-title">{t("app.cohortExplained")}</h2>
        {explanation ? <pre class="explain">{explanation}</pre> : <p>–</p>}
      </section>
      {canEdit ? (
        <section aria-labelledby="edit-title">
          <h2 id="edit-title">{t("app.edit")}</h2>
          <ApplicationForm
            view={view}
            action={one(permit.id)}
            fields={extra.fields ?? applicationFromPermit(permit)}
            versions={versions}
            tables={tables}
            submit
          />
        </section>
      ) : null}
      {canTake || canDecide ? (
        <section aria-labelledby="decide-title">
          <h2 id="decide-title">{t("app.decision")}</h2>
          <form method="post" action={one(permit.id)} class="stacked">
            <CsrfField view={view} />
            <p class="field">
              <label for="comment">{t("app.comment")}</label>
              <textarea id="comment" name="comment" rows={3} />
            </p>
            <p class="actions">
              {canTake ? (
                <button type="submit" name="op" value="review">
                  {t("app.takeIntoReview")}
                </button>
              ) : (
                <>
                  <button type="submit" name="op" value="approve">
                    {t("app.approve")}
                  </button>{" "}
                  <button type="submit" name="op" value="return">
                    {t("app.return")}
                  </button>{" "}
                  <button type="submit" name="op" value="reject">
                    {t("app.reject")}
                  </button>
                </>
              )}
            </p>
          </form>
        </section>
      ) : null}
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t("app.timeline")}</h2>
        <ol class="timeline">
          {events.map((e) => (
            <li>
              <time datetime={e.at}>{e.at.slice(0, 16).replace("T", " ")}</time>{" "}
              <StatusText view={view} status={e.to_status} /> · {e.actor}
              {e.reason ? ` · ${e.reason}` : ""}
            </li>
          ))}
        </ol>
      </section>
    </Page>,
    { status: extra.error ? statusOfError(extra.error) : 200 },
  );
}

/**
 * Data requests (permit applications): a researcher drafts, saves and submits; a reviewer not
 * named on it takes it into review and approves, returns or rejects it with a comment. Every
 * rule (who may, in which status, what the scope may hold) is the permit service's.
 */
export function applicationPages(app: Hono<AppEnv>): void {
  app.get(APPLICATIONS, async (c) => {
    const view = viewOf(c);
    const ctx = serviceCtx(c);
    const { t } = view;
    const permits = await listPermits(ctx);
    return render(
      c,
      <Page view={view} title={t("app.listTitle")}>
        {isAllowed(ctx.actor.role, "permit.apply") ? (
          <p>
            <a href={NEW} class="button">
              {t("app.new")}
            </a>
          </p>
        ) : null}
        {permits.length === 0 ? (
          <p>{t("app.none")}</p>
        ) : (
          <PermitTable view={view} permits={permits} />
        )}
      </Page>,
    );
  });

  app.get(NEW, async (c) => {
    const view = viewOf(c);
    const ctx = serviceCtx(c);
    await enforceRole(ctx, "draft");
    return formPage(c, {
      title: view.t("app.newTitle"),
      action: NEW,
      fields: emptyApplication(),
      submit: false,
    });
  });

  app.post(NEW, async (c) => {
    const view = viewOf(c);
    const ctx = serviceCtx(c);
    const fields = applicationFromBody((await c.req.parseBody({ all: true })) as Body);
    try {
      const permit = await draftPermit(ctx, await jsonOf(ctx, fields));
      return c.redirect(one(permit.id), 303);
    } catch (error) {
      if (!(error instanceof KaivoError)) throw error;
      return formPage(c, {
        title: view.t("app.newTitle"),
        action: NEW,
        fields,
        error,
        submit: false,
        status: statusOfError(error),
      });
    }
  });

  app.get(`${APPLICATIONS}/:id`, (c) => applicationPage(c, c.req.param("id")));

  app.post(`${APPLICATIONS}/:id`, async (c) => {
    const view = viewOf(c);
    const ctx = serviceCtx(c);
    const { t } = view;
    const id = c.req.param("id");
    const body = (await c.req.parseBody({ all: true })) as Body;
    const op = typeof body.op === "string" ? body.op : "";
    const comment = typeof body.comment === "string" ? body.comment : "";
    let fields: ApplicationFields | undefined;
    try {
      switch (op) {
        case "save":
        case "submit":
          fields = applicationFromBody(body);
          await updateDraft(ctx, id, await jsonOf(ctx, fields));
          if (op === "submit") await submitPermit(ctx, id, "submitted in the portal");
          break;
        case "review":
          await reviewPermit(ctx, id, comment.trim() || "taken into review");
          break;
        case "approve":
          await approvePermit(ctx, id, comment);
          break;
        case "return":
          await returnPermit(ctx, id, comment);
          break;
        case "reject":
          await rejectPermit(ctx, id, comment);
          break;
        default:
          return applicationPage(c, id);
      }
    } catch (error) {
      if (!(error instanceof KaivoError)) throw error;
      return applicationPage(c, id, { error, ...(fields ? { fields } : {}) });
    }
    return applicationPage(c, id, { done: t(`app.done.${op}` as MessageKey) });
  });

  app.get(REVIEW, async (c) => {
    const view = viewOf(c);
    const ctx = serviceCtx(c);
    const { t } = view;
    const queue = await reviewQueue(ctx);
    return render(
      c,
      <Page view={view} title={t("review.title")}>
        <p>{t("review.intro")}</p>
        {queue.length === 0 ? (
          <p>{t("review.none")}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t("app.id")}</th>
                <th scope="col">{t("app.titleField")}</th>
                <th scope="col">{t("app.applicant")}</th>
                <th scope="col">{t("app.status")}</th>
                <th scope="col">{t("review.days")}</th>
              </tr>
            </thead>
            <tbody>
              {queue.map((q) => (
                <tr>
                  <th scope="row">
                    <a href={one(q.permit.id)}>{q.permit.id}</a>
                  </th>
                  <td>{q.permit.title}</td>
                  <td>{q.permit.applicant}</td>
                  <td>
                    <StatusText view={view} status={q.permit.status} />
                  </td>
                  <td>{q.days}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Page>,
    );
  });
}
