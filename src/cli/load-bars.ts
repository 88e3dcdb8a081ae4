import cliProgress from "cli-progress";
import type { LoadProgress } from "../ingest/fhir-ingest.js";

const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

/**
 * Two bars per export on the terminal: input read and checked (the checks run ahead), and input
 * loaded (mapped, keyed and staged, or quarantined), with the records so far and the step.
 */
export class LoadBars {
  #multi: cliProgress.MultiBar | undefined;
  #checked: cliProgress.SingleBar | undefined;
  #loaded: cliProgress.SingleBar | undefined;
  #label: string | undefined;

  update(p: LoadProgress): void {
    if (this.#label !== p.label) this.stop();
    if (!this.#multi) {
      this.#label = p.label;
      this.#multi = new cliProgress.MultiBar(
        {
          format: "{label} [{bar}] {percentage}% | {done}/{all} MB {extra}",
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.#checked = this.#multi.create(p.totalBytes, 0);
      this.#loaded = this.#multi.create(p.totalBytes, 0);
    }
    const all = mb(p.totalBytes);
    this.#checked?.update(p.checkedBytes, {
      label: `${p.label} checked`,
      done: mb(p.checkedBytes),
      all,
      extra: "",
    });
    this.#loaded?.update(p.loadedBytes, {
      label: `${p.label} loaded `,
      done: mb(p.loadedBytes),
      all,
      extra: `| ${p.records} records | ${p.doing}`,
    });
  }

  /** Ends this export's bars; the next export's update starts new ones. */
  stop(): void {
    this.#multi?.stop();
    this.#multi = undefined;
  }
}
