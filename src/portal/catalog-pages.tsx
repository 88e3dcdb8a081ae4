import type { Context, Hono } from "hono";
import type { FC } from "hono/jsx";
import {
  type CatalogEntry,
  type CatalogListing,
  listCatalog,
  searchCatalogService,
  showCatalog,
} from "../catalog/catalog-service.js";
import type { TableMeta, VariableMeta } from "../catalog/metadata.js";
import type { SearchHit } from "../catalog/search.js";
import type { Shown } from "../disclosure/engine.js";
import { serviceCtx } from "../server/actor.js";
import type { AppEnv } from "../server/app-env.js";
import { type Bar, BarChart } from "./chart.js";
import { Notice, Page } from "./layout.js";
import { PORTAL } from "./paths.js";
import { render, type View, viewOf } from "./view.js";

const CATALOG = `${PORTAL}/catalog`;
const SEARCH = `${CATALOG}/search`;
/** The API's limit on a search (GET /api/catalog/search). */
const QUERY_LENGTH = 200;

const entryHref = (name: string) => `${CATALOG}/${encodeURIComponent(name)}`;

/** A title or description in the page's language where the catalog has it (Finnish or English). */
const local = (view: View, en: string | undefined, fi: string | undefined) =>
  (view.lang === "fi" ? (fi ?? en) : (en ?? fi)) ?? "";

const shown = (view: View, value: Shown | null | undefined) =>
  value === null || value === undefined
    ? "–"
    : typeof value === "number"
      ? view.number(value)
      : value;

const DisclosureNote: FC<{ view: View; disclosure: CatalogListing["disclosure"] }> = ({
  view,
  disclosure,
}) => (
  <p class="disclosure">
    {disclosure.exact
      ? view.t("catalog.exact")
      : view.t("catalog.disclosed", { policy: disclosure.policy })}
  </p>
);

const Hits: FC<{ view: View; hits: SearchHit[] | undefined }> = ({ view, hits }) => {
  if (!hits) return null;
  const { t } = view;
  return (
    <section aria-labelledby="results-title">
      <h2 id="results-title">{t("catalog.results")}</h2>
      {hits.length === 0 ? (
        <p>{t("catalog.noHits")}</p>
      ) : (
        <ul class="hits">
          {hits.map((hit) => (
            <li>
              <span class="kind">{t(`catalog.kind.${hit.kind}`)}</span>{" "}
              {hit.kind === "code" || hit.kind === "value" ? (
                <span>{hit.name}</span>
              ) : (
                <a href={entryHref(hit.name)}>{hit.name}</a>
              )}{" "}
              <span>{hit.title}</span>
              {hit.usedIn.length > 0 ? (
                <span class="used-in">
                  {" "}
                  ({t("catalog.usedIn")}{" "}
                  {hit.usedIn.map((name, i) => (
                    <>
                      {i > 0 ? ", " : ""}
                      <a href={entryHref(name)}>{name}</a>
                    </>
                  ))}
                  )
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
};

const SearchForm: FC<{ view: View; query: string }> = ({ view, query }) => (
  <search>
    <form method="get" action={CATALOG} class="search">
      <label for="q">{view.t("catalog.search")}</label>
      <input
        id="q"
        name="q"
        type="search"
        value={query}
        maxlength={QUERY_LENGTH}
        aria-describedby="q-hint"
        hx-get={SEARCH}
        hx-trigger="input changed delay:300ms, search"
        hx-target="#results"
      />
      <button type="submit">{view.t("catalog.searchSubmit")}</button>
      <p id="q-hint" class="hint">
        {view.t("catalog.searchHint")}
      </p>
    </form>
  </search>
);

const Listing: FC<{ view: View; listing: CatalogListing }> = ({ view, listing }) => {
  const { t } = view;
  return (
    <section aria-labelledby="listing-title">
      <h2 id="listing-title">{t("catalog.registries")}</h2>
      <DisclosureNote view={view} disclosure={listing.disclosure} />
      {listing.registries.map((r) => (
        <table>
          <caption>
            <a href={entryHref(r.registry)}>{local(view, r.title, r.titleFi)}</a>
          </caption>
          <thead>
            <tr>
              <th scope="col">{t("catalog.table")}</th>
              <th scope="col">{t("catalog.persons")}</th>
              <th scope="col">{t("catalog.firstEvent")}</th>
              <th scope="col">{t("catalog.lastEvent")}</th>
            </tr>
          </thead>
          <tbody>
            {r.tables.map((table) => (
              <tr>
                <th scope="row">
                  <a href={entryHref(`${r.registry}.${table.table}`)}>{table.title}</a>
                </th>
                <td class="number">{shown(view, table.persons)}</td>
                <td>{table.firstEvent ?? "–"}</td>
                <td>{table.lastEvent ?? "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </section>
  );
};

async function search(c: Context<AppEnv>, query: string): Promise<SearchHit[] | undefined> {
  const text = query.trim();
  return text ? searchCatalogService(serviceCtx(c), text) : undefined;
}

const Variables: FC<{ view: View; table: TableMeta; variables: VariableMeta[] }> = ({
  view,
  table,
  variables,
}) => {
  const { t } = view;
  return (
    <table>
      <caption>{t("catalog.variables")}</caption>
      <thead>
        <tr>
          <th scope="col">{t("catalog.variable")}</th>
          <th scope="col">{t("catalog.description")}</th>
          <th scope="col">{t("catalog.unit")}</th>
          <th scope="col">{t("catalog.codeSystem")}</th>
          <th scope="col">{t("catalog.type")}</th>
        </tr>
      </thead>
      <tbody>
        {variables.map((v) => (
          <tr>
            <th scope="row">
              <a href={entryHref(`${table.registry}.${table.table}.${v.variable}`)}>{v.variable}</a>
            </th>
            <td>
              {local(view, v.title, v.titleFi)}
              {v.description || v.descriptionFi ? (
                <span class="description"> {local(view, v.description, v.descriptionFi)}</span>
              ) : null}
            </td>
            <td>{v.unit ?? ""}</td>
            <td>{v.codeSystem ?? ""}</td>
            <td>{v.type}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
};

type TableEntry = Extract<CatalogEntry, { level: "table" }>;
type VariableEntry = Extract<CatalogEntry, { level: "variable" }>;

const perYearBars = (entry: TableEntry): Bar[] =>
  (entry.profile?.perYear ?? []).map((y) => ({ label: String(y.year), value: y.persons }));

const TablePage: FC<{ view: View; entry: TableEntry }> = ({ view, entry }) => (
  <>
    <p>{local(view, entry.table.description, entry.table.descriptionFi)}</p>
    <DisclosureNote view={view} disclosure={entry.disclosure} />
    {entry.profile ? (
      <BarChart view={view} title={view.t("catalog.perYear")} bars={perYearBars(entry)} />
    ) : (
      <Notice kind="info">{view.t("catalog.noProfile")}</Notice>
    )}
    <Variables view={view} table={entry.table} variables={entry.variables} />
  </>
);

const VariablePage: FC<{ view: View; entry: VariableEntry; table: TableEntry }> = ({
  view,
  entry,
  table,
}) => {
  const { t } = view;
  const v = entry.variable;
  const p = entry.profile;
  const missing = p ? ("missingShare" in p ? p.missingShare : p.nullShare) : null;
  const median = p?.quantiles?.p50;
  const values: Bar[] = (p?.top ?? []).map((top) => ({
    label: entry.titles[top.value] ? `${top.value} ${entry.titles[top.value]}` : top.value,
    value: top.persons,
  }));
  return (
    <>
      <p>{local(view, v.description, v.descriptionFi)}</p>
      <dl class="facts">
        <dt>{t("catalog.table")}</dt>
        <dd>
          <a href={entryHref(`${v.registry}.${v.table}`)}>{entry.table.title}</a>
        </dd>
        <dt>{t("catalog.type")}</dt>
        <dd>{v.type}</dd>
        {v.unit ? (
          <>
            <dt>{t("catalog.unit")}</dt>
            <dd>{v.unit}</dd>
          </>
        ) : null}
        {v.codeSystem ? (
          <>
            <dt>{t("catalog.codeSystem")}</dt>
            <dd>{v.codeSystem}</dd>
          </>
        ) : null}
        {p ? (
          <>
            <dt>{t("catalog.persons")}</dt>
            <dd>{shown(view, p.persons)}</dd>
            {missing !== null ? (
              <>
                <dt>{t("catalog.missing")}</dt>
                <dd>{view.percent(missing)}</dd>
              </>
            ) : null}
            {p.distinct !== undefined ? (
              <>
                <dt>{t("catalog.distinct")}</dt>
                <dd>{view.number(p.distinct)}</dd>
              </>
            ) : null}
            {typeof p.mean === "number" ? (
              <>
                <dt>{t("catalog.mean")}</dt>
                <dd>{view.number(p.mean)}</dd>
              </>
            ) : null}
            {median !== undefined ? (
              <>
                <dt>{t("catalog.median")}</dt>
                <dd>{view.number(median)}</dd>
              </>
            ) : null}
          </>
        ) : null}
      </dl>
      <DisclosureNote view={view} disclosure={entry.disclosure} />
      {p ? null : <Notice kind="info">{t("catalog.noProfile")}</Notice>}
      {values.length > 0 ? (
        <BarChart view={view} title={t("catalog.values")} bars={values} />
      ) : null}
      {entry.measurements ? (
        <table>
          <caption>{t("catalog.measurements")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("catalog.code")}</th>
              <th scope="col">{t("catalog.unit")}</th>
              <th scope="col">{t("catalog.persons")}</th>
              <th scope="col">{t("catalog.period")}</th>
            </tr>
          </thead>
          <tbody>
            {entry.measurements.map((m) => (
              <tr>
                <th scope="row">
                  {m.code} {entry.titles[m.code] ?? ""}
                </th>
                <td>{m.unit ?? ""}</td>
                <td class="number">{shown(view, m.persons)}</td>
                <td>
                  {m.first ?? "–"} – {m.last ?? "–"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {table.profile ? (
        <BarChart view={view} title={t("catalog.perYearOfTable")} bars={perYearBars(table)} />
      ) : null}
    </>
  );
};

/**
 * The catalog in the browser: a search with live results (htmx asks the fragment route as the
 * user types; without scripts the form submits), the registries and tables, and each table's
 * and variable's page with its profile. Every figure is as the catalog service gave it.
 */
export function catalogPages(app: Hono<AppEnv>): void {
  app.get(CATALOG, async (c) => {
    const view = viewOf(c);
    const query = (c.req.query("q") ?? "").slice(0, QUERY_LENGTH);
    const hits = await search(c, query);
    const listing = await listCatalog(serviceCtx(c));
    return render(
      c,
      <Page view={view} title={view.t("catalog.title")}>
        <SearchForm view={view} query={query} />
        <div id="results" aria-live="polite">
          <Hits view={view} hits={hits} />
        </div>
        <Listing view={view} listing={listing} />
      </Page>,
    );
  });

  app.get(SEARCH, async (c) => {
    const view = viewOf(c);
    const query = (c.req.query("q") ?? "").slice(0, QUERY_LENGTH);
    return render(c, <Hits view={view} hits={await search(c, query)} />, {
      fragment: true,
    });
  });

  app.get(`${CATALOG}/:name`, async (c) => {
    const view = viewOf(c);
    const ctx = serviceCtx(c);
    const entry = await showCatalog(ctx, c.req.param("name"));
    if (entry.level === "registry")
      return render(
        c,
        <Page view={view} title={local(view, entry.registry.title, entry.registry.titleFi)}>
          <p>{local(view, entry.registry.description, entry.registry.descriptionFi)}</p>
          <h2>{view.t("catalog.tables")}</h2>
          <ul>
            {entry.tables.map((table) => (
              <li>
                <a href={entryHref(`${table.registry}.${table.table}`)}>
                  {local(view, table.title, table.titleFi)}
                </a>
              </li>
            ))}
          </ul>
        </Page>,
      );
    if (entry.level === "table")
      return render(
        c,
        <Page view={view} title={local(view, entry.table.title, entry.table.titleFi)}>
          <TablePage view={view} entry={entry} />
        </Page>,
      );
    // The variable's table gives the per-year figures the variable's own profile does not have.
    const table = await showCatalog(ctx, `${entry.table.registry}.${entry.table.table}`);
    return render(
      c,
      <Page view={view} title={`${entry.table.table}.${entry.variable.variable}`}>
        {table.level === "table" ? <VariablePage view={view} entry={entry} table={table} /> : null}
      </Page>,
    );
  });
}
