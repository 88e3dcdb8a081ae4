import type { FC } from "hono/jsx";
import type { Shown } from "../disclosure/engine.js";
import type { View } from "./view.js";

export interface Bar {
  label: string;
  /** As the service gave it: a number, `<k`, or null when it gave none. */
  value: Shown | null;
}

const ROW = 22;
const LABEL = 150;
const BAR = 300;
const VALUE = 90;
const LABEL_CHARS = 22;

const short = (label: string) =>
  label.length > LABEL_CHARS ? `${label.slice(0, LABEL_CHARS - 1)}…` : label;

/**
 * A horizontal bar chart drawn on the server as SVG, so the browser runs no chart code and shows
 * exactly the figures disclosure control passed: bars are scaled to the shown numbers, and a
 * `<k` gets no bar, only its text. Colours come from the stylesheet (no inline style).
 */
export const BarChart: FC<{ view: View; title: string; bars: Bar[] }> = ({ view, title, bars }) => {
  if (bars.length === 0) return <p>{view.t("chart.empty")}</p>;
  const numbers = bars.map((b) => (typeof b.value === "number" ? b.value : 0));
  const max = Math.max(1, ...numbers);
  const height = bars.length * ROW + 4;
  const width = LABEL + BAR + VALUE;
  const shown = (v: Shown | null) =>
    v === null ? "–" : typeof v === "number" ? view.number(v) : v;
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg
        xmlns="http://www.w3.org/2000/svg"
        role="img"
        aria-label={title}
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
      >
        {bars.map((b, i) => {
          const y = i * ROW + 2;
          const w = typeof b.value === "number" ? Math.max(1, (b.value / max) * BAR) : 0;
          const text =
            typeof b.value === "string" ? `${b.value} (${view.t("chart.below")})` : shown(b.value);
          return (
            <g>
              <title>{`${b.label}: ${text}`}</title>
              <text class="label" x={LABEL - 6} y={y + ROW / 2 + 4} text-anchor="end">
                {short(b.label)}
              </text>
              {w > 0 ? (
                <rect class="bar" x={LABEL} y={y + 3} width={w.toFixed(1)} height={ROW - 6} />
              ) : null}
              <text class="value" x={LABEL + w + 4} y={y + ROW / 2 + 4}>
                {shown(b.value)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
};
