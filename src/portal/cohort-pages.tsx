import type { Hono } from "hono";
import { listCohorts } from "../cohort/cohort-service.js";
import { serviceCtx } from "../server/actor.js";
import type { AppEnv } from "../server/app-env.js";
import { Page } from "./layout.js";
import { PORTAL } from "./paths.js";
import { render, viewOf } from "./view.js";

/** The cohort definitions the user saved, newest last, as the cohort service lists them. */
export function cohortPages(app: Hono<AppEnv>): void {
  app.get(`${PORTAL}/cohorts`, async (c) => {
    const view = viewOf(c);
    const ctx = serviceCtx(c);
    const { t } = view;
    const mine = (await listCohorts(ctx)).versions.filter((v) => v.created_by === ctx.actor.name);
    return render(
      c,
      <Page view={view} title={t("cohorts.title")}>
        <p>{t("cohorts.intro")}</p>
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
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Page>,
    );
  });
}
