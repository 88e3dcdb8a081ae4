import { basename, dirname, join } from "node:path";

/**
 * A permit id as a folder name: every character outside [A-Za-z0-9-] percent-encoded (UTF-8), so
 * distinct ids never share a folder (`FINDATA/2026/77` is `FINDATA%2F2026%2F77`, `FINDATA_2026_77`
 * is `FINDATA%5F2026%5F77`) while ids of letters, digits and hyphens are themselves.
 */
export function permitFolderName(permitId: string): string {
  return permitId.replace(/[^A-Za-z0-9-]/gu, (c) =>
    [...Buffer.from(c, "utf8")]
      .map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`)
      .join(""),
  );
}

/** `<encoded permit id>-r<n>`: the number after the last `-r` is all digits, so this is injective too. */
export const releaseFolderName = (permitId: string, number: number) =>
  `${permitFolderName(permitId)}-r${number}`;

/** Where a release is built: a dot folder beside the final one, one per process. */
export const stagingFolder = (final: string, pid = process.pid) =>
  join(dirname(final), `.staging-${basename(final)}-${pid}`);

/** The process id of a staging folder of `final`, or undefined when `name` is not one. */
export function stagingPid(final: string, name: string): number | undefined {
  const prefix = `.staging-${basename(final)}-`;
  if (!name.startsWith(prefix)) return undefined;
  const pid = Number(name.slice(prefix.length));
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
