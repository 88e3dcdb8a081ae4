/** What one load did to one lake table. read = inserted + updated + unchanged + quarantined. */
export interface TableReport {
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  quarantined: Record<string, number>;
  redactions: Record<string, number>;
  /** Records the SQL checks could not vouch for, decided one by one by the exact path. */
  checkedOneByOne: number;
  /** Rows loaded with a code in a system the registry does not know, by system URI (kept, not checked). */
  unregisteredCodeSystems?: Record<string, number>;
}

export interface LoadReport {
  loadId: number;
  source: string;
  export: string;
  /** Set when this export was loaded before: nothing was changed. */
  alreadyLoaded: boolean;
  transactionTime: string;
  tables: Record<string, TableReport>;
  /** Resource types in the export that no lake table takes, with their record counts. */
  notLoaded: Record<string, number>;
  /**
   * Files of a loose folder in which no line has a readable resourceType (a `log.ndjson`), with
   * their non-blank lines: listed, since no table or quarantine reason can take them.
   */
  unreadable: Record<string, number>;
  /** Seconds spent per step of the load (check, persons, views, exact, notes, keys, quarantine, merge). */
  seconds: Record<string, number>;
}

export function emptyTableReport(): TableReport {
  return {
    read: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    checkedOneByOne: 0,
    quarantined: {},
    redactions: {},
  };
}

export function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

export function quarantinedTotal(t: TableReport): number {
  return Object.values(t.quarantined).reduce((a, b) => a + b, 0);
}

/** Nothing a source sends may be lost: every record read was loaded, unchanged or quarantined. */
export function assertNothingLost(report: LoadReport): void {
  for (const [name, t] of Object.entries(report.tables)) {
    if (t.read !== t.inserted + t.updated + t.unchanged + quarantinedTotal(t)) {
      throw new Error(
        `load ${report.loadId}, ${name}: read ${t.read} is not loaded + unchanged + quarantined (a bug)`,
      );
    }
  }
}
