import {
  createReadStream,
  createWriteStream,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
} from "node:fs";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import { createGunzip, gunzipSync } from "node:zlib";
import { contentHash, fileContentHash } from "../lake/merge.js";
import { ValidationError } from "../shared/errors.js";

/**
 * The files of one bulk export as a load sees them: the manifest's (every file it lists must be
 * there) or, for a folder of loose NDJSON files, one worked out from the files themselves. Gzipped
 * files (`.ndjson.gz`, as Bulk Data servers often send them) are read like the others.
 */
export interface Manifest {
  transactionTime: string;
  output: Array<{ type: string; url: string; count?: number }>;
  deleted?: Array<{ type: string; url: string }>;
}

export interface ExportListing {
  manifest: Manifest;
  /** Equal for the same export only: the manifest's text, or the loose files' names and contents. */
  fingerprint: string;
  /** Loose files in which no line has a readable resourceType, with their non-blank lines. */
  unreadable: Record<string, number>;
}

/**
 * Beside registry CSV extracts: `{"asOf": "2025-12-31T23:59:00+02:00"}`, the time the extracts
 * were taken. Their end of data and future-date check come from it, never from the day of the
 * load.
 */
export const REGISTRY_EXTRACT_FILE = "extract.json";

/**
 * The time registry extracts in `dir` were taken: their extract.json, else the FHIR export they
 * came with; refused before anything loads when neither says.
 */
export function registryExtractTime(dir: string, firstExport: string | undefined): number {
  const extract = join(dir, REGISTRY_EXTRACT_FILE);
  const manifest = firstExport ? join(firstExport, "manifest.json") : undefined;
  const time = existsSync(extract)
    ? (JSON.parse(readFileSync(extract, "utf8")) as { asOf?: unknown }).asOf
    : manifest && existsSync(manifest)
      ? (JSON.parse(readFileSync(manifest, "utf8")) as Manifest).transactionTime
      : undefined;
  const parsed = typeof time === "string" ? Date.parse(time) : Number.NaN;
  if (Number.isNaN(parsed))
    throw new ValidationError(
      `The registry extracts in ${dir} say nowhere when they were taken, so their end of data is unknown.`,
      `Write ${join(dir, REGISTRY_EXTRACT_FILE)} as {"asOf": "2025-12-31T23:59:00+02:00"} (the time of the extract); nothing was loaded.`,
    );
  return parsed;
}

/** Names of files a load reads as NDJSON. */
export const NDJSON_FILE = /\.(ndjson|jsonl)(\.gz)?$/;
const GZIPPED = /\.gz$/;

export async function readExportListing(dir: string, source: string): Promise<ExportListing> {
  const manifestFile = join(dir, "manifest.json");
  if (existsSync(manifestFile)) {
    const text = readFileSync(manifestFile, "utf8");
    const manifest = JSON.parse(text) as Manifest;
    // Before anything is written: a file the export promises but lacks would be lost unseen.
    const missing = [...manifest.output, ...(manifest.deleted ?? [])]
      .map((entry) => basename(entry.url))
      .filter((file) => !existsSync(join(dir, file)));
    if (missing.length > 0)
      throw new ValidationError(
        `The export's manifest.json lists ${missing.join(", ")}, but ${dir} has no such file.`,
        "Copy the whole export again (or fetch it again); nothing was loaded.",
      );
    return { manifest, fingerprint: contentHash(`${source}\n${text}`), unreadable: {} };
  }
  return looseListing(dir, source);
}

/**
 * A manifest for loose NDJSON files: each file's type from its first line with a readable
 * resourceType (however far into the file), the export's time the newest file's modification
 * (the files carry no export time of their own; never the time of the load). The fingerprint
 * covers every file's name and content, so a corrected file of the same size is a new export.
 */
async function looseListing(dir: string, source: string): Promise<ExportListing> {
  const output: Manifest["output"] = [];
  const identity: string[] = [];
  const unreadable: Record<string, number> = {};
  let newest = 0;
  for (const name of readdirSync(dir)
    .filter((f) => NDJSON_FILE.test(f))
    .sort()) {
    const file = join(dir, name);
    newest = Math.max(newest, statSync(file).mtimeMs);
    identity.push(`${name}:${await fileContentHash(file, "")}`);
    const found = await firstResourceType(file);
    if (found.type) output.push({ type: found.type, url: name });
    else unreadable[name] = found.lines;
  }
  return {
    manifest: { transactionTime: new Date(newest).toISOString(), output, deleted: [] },
    fingerprint: contentHash(`${source}\nloose\n${identity.join("\n")}`),
    unreadable,
  };
}

/** The first readable resourceType of a file, or how many non-blank lines it has without one. */
async function firstResourceType(file: string): Promise<{ type?: string; lines: number }> {
  let lines = 0;
  const reader = createInterface({ input: openText(file), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of reader) {
      if (line.trim() === "") continue;
      lines++;
      try {
        const type = (JSON.parse(line) as { resourceType?: unknown } | null)?.resourceType;
        if (typeof type === "string" && type) return { type, lines };
      } catch {
        // not JSON: the next line may be
      }
    }
  } finally {
    reader.close();
  }
  return { lines };
}

function openText(file: string) {
  const input = createReadStream(file);
  return GZIPPED.test(file) ? input.pipe(createGunzip()) : input;
}

/**
 * Where the load reads a file: the file itself, or a gzipped one unpacked into the load's staging
 * folder (the checks read lines by their byte offsets, which a compressed file has not). The
 * staging folder goes with the load.
 */
export async function readablePath(file: string, stagingDir: string): Promise<string> {
  if (!GZIPPED.test(file)) return file;
  const unpacked = join(stagingDir, `unpacked-${basename(file).replace(GZIPPED, "")}`);
  if (!existsSync(unpacked))
    await pipeline(createReadStream(file), createGunzip(), createWriteStream(unpacked));
  return unpacked;
}

/** A small file's text, gzipped or not (the deleted-resource bundles). */
export function readText(file: string): string {
  const bytes = readFileSync(file);
  return (GZIPPED.test(file) ? gunzipSync(bytes) : bytes).toString("utf8");
}
