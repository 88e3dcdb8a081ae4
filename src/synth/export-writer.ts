import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Defect, DefectKind, DefectPlanner } from "./defects.js";
import type { Resource } from "./fhir-types.js";
import { NdjsonSink } from "./ndjson-sink.js";
import { diagnosisCategory, type TruthCounter } from "./truth.js";

export interface ManifestEntry {
  type: string;
  url: string;
  count: number;
}

/**
 * One FHIR bulk export folder: an NDJSON sink per resource type, the planted defects, the
 * truth count of what was written cleanly, and the `$export` completion manifest.
 */
export class ExportWriter {
  readonly #sinks = new Map<string, NdjsonSink>();
  #deleted: NdjsonSink | null = null;
  #deletedCount = 0;
  /** The newest clean record of the truncation type, held back so the file's last line can be cut. */
  #held: { resource: Resource; json: string } | null = null;

  constructor(
    /** Folder of this export, relative to the synth output folder ("fhir", "day-1/fhir"). */
    private readonly relDir: string,
    private readonly absDir: string,
    private readonly splitBytes: number,
    private readonly planner: DefectPlanner,
    private readonly truth: TruthCounter,
    private readonly defects: Defect[],
    private readonly truncateType: string | null,
  ) {
    mkdirSync(absDir, { recursive: true });
  }

  private sink(type: string): NdjsonSink {
    let sink = this.#sinks.get(type);
    if (!sink) {
      sink = new NdjsonSink(this.absDir, type, this.splitBytes);
      this.#sinks.set(type, sink);
    }
    return sink;
  }

  private defect(at: { file: string; line: number }, kind: DefectKind, r: Resource): void {
    this.defects.push({
      file: `${this.relDir}/${at.file}`,
      line: at.line,
      kind,
      resourceType: r.resourceType,
      id: r.id,
    });
  }

  /** A Patient whose identity code was deliberately broken: written, reported, not counted. */
  writeInvalidPatient(patient: Resource): void {
    this.defect(this.sink("Patient").write(JSON.stringify(patient)), "invalid_hetu", patient);
  }

  /**
   * Writes one person's records; the caller has already counted the Patient. Returns the
   * diagnosis categories of the person's clean Conditions.
   */
  writeRecords(resources: Resource[], withDefects = true): Set<string> {
    const categories = new Set<string>();
    for (const r of resources) {
      const json = JSON.stringify(r);
      const kind = withDefects ? this.planner.recordDefect(r) : null;
      if (kind && kind !== "duplicate_resource") {
        const lines = this.planner.corrupt(r, kind, json);
        for (const line of lines) this.defect(this.sink(r.resourceType).write(line), kind, r);
        continue;
      }
      if (kind === "duplicate_resource") {
        // The original first, then the copy: the copy is the defect.
        this.writeClean(r, json);
        this.defect(this.sink(r.resourceType).write(json), kind, r);
      } else this.commit(r, json);
      if (r.resourceType === "Condition") {
        const c = diagnosisCategory(r);
        if (c) categories.add(c);
      }
    }
    return categories;
  }

  /** Writes a clean record and counts it; the truncation type's newest record is held back. */
  private commit(r: Resource, json: string): void {
    if (r.resourceType === this.truncateType) {
      if (this.#held) this.writeClean(this.#held.resource, this.#held.json);
      this.#held = { resource: r, json };
      return;
    }
    this.writeClean(r, json);
  }

  private writeClean(r: Resource, json: string): void {
    this.sink(r.resourceType).write(json);
    this.truth.record(r);
  }

  /** A new version of a record already counted: written, not counted again. */
  writeUpdate(r: Resource): void {
    this.sink(r.resourceType).write(JSON.stringify(r));
  }

  /** Records a deletion the way bulk export reports it: a transaction Bundle with a DELETE entry. */
  writeDeletion(r: Resource, bundleId: string, at: string): void {
    this.#deleted ??= new NdjsonSink(this.absDir, "deleted-Bundle", this.splitBytes);
    this.#deleted.write(
      JSON.stringify({
        resourceType: "Bundle",
        id: bundleId,
        type: "transaction",
        timestamp: at,
        entry: [{ request: { method: "DELETE", url: `${r.resourceType}/${r.id}` } }],
      }),
    );
    this.#deletedCount++;
    this.truth.record(r, -1);
  }

  /** Closes every file (cutting the held-back last line when truncating) and writes the manifest. */
  finish(transactionTime: string, request: string): { files: number; bytes: number } {
    if (this.#held) {
      const { resource, json } = this.#held;
      if (this.truncateType) {
        const cut = json.slice(0, Math.floor(json.length * 0.6));
        this.defect(
          this.sink(resource.resourceType).write(cut, false),
          "truncated_last_line",
          resource,
        );
      } else this.writeClean(resource, json);
      this.#held = null;
    }
    const output: ManifestEntry[] = [];
    let bytes = 0;
    for (const [type, sink] of [...this.#sinks.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      sink.close();
      for (const part of sink.parts) {
        output.push({ type, url: part.file, count: part.count });
        bytes += part.bytes;
      }
    }
    const deleted: ManifestEntry[] = [];
    if (this.#deleted) {
      this.#deleted.close();
      for (const part of this.#deleted.parts)
        deleted.push({ type: "Bundle", url: part.file, count: part.count });
    }
    const manifest = {
      transactionTime,
      request,
      requiresAccessToken: false,
      output,
      deleted,
      error: [],
    };
    writeFileSync(join(this.absDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    return { files: output.length + deleted.length, bytes };
  }

  get deletions(): number {
    return this.#deletedCount;
  }
}
