import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KaivoError } from "../shared/errors.js";
import type { ChildLine, ChildRequest } from "./protocol.js";

/** Bubblewrap is missing or cannot make its namespaces: the workspace does not run at all. */
export class SandboxUnavailableError extends KaivoError {}

/** The query failed, ran too long, needed too much memory or gave too much output. */
export class WorkspaceQueryError extends KaivoError {
  constructor(
    message: string,
    readonly outcome: "error" | "timeout" | "memory" | "output",
    hint?: string,
  ) {
    super(message, hint);
  }
}

export interface SandboxLimits {
  timeoutSeconds: number;
  memoryLimit: string;
  threads: number;
  maxOutputBytes: number;
}

export interface SandboxRun {
  /** The release folder (read-only inside) and a scratch folder (read-write, DuckDB's spill). */
  releaseDir: string;
  scratchDir: string;
  tables: ChildRequest["tables"];
  sql: string;
  limits: SandboxLimits;
}

export interface SandboxResult {
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHILD = join(ROOT, "dist", "workspace", "sandbox-child.js");
/** Where the release and the scratch folder appear inside the sandbox. */
const RELEASE = "/release";
const SCRATCH = "/scratch";

function findOnPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

/** The system folders node and DuckDB's library load from; merged-/usr links stay links. */
function systemBinds(): string[] {
  const args: string[] = [];
  for (const dir of ["/usr", "/lib", "/lib64", "/bin"]) {
    if (!existsSync(dir)) continue;
    if (lstatSync(dir).isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
    else args.push("--ro-bind", dir, dir);
  }
  return args;
}

/** The bwrap command line: only node, the project's code and the release; nothing of the home. */
export function bwrapArgs(run: SandboxRun, node: string): string[] {
  const ro = (p: string) => ["--ro-bind", p, p];
  const request: ChildRequest = {
    memoryLimit: run.limits.memoryLimit,
    threads: run.limits.threads,
    data: `${RELEASE}/data`,
    scratch: SCRATCH,
    tables: run.tables,
  };
  return [
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--clearenv",
    ...systemBinds(),
    ...ro(node),
    ...ro(join(ROOT, "package.json")),
    ...ro(join(ROOT, "dist")),
    ...ro(join(ROOT, "node_modules")),
    "--ro-bind",
    run.releaseDir,
    RELEASE,
    "--bind",
    run.scratchDir,
    SCRATCH,
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--chdir",
    SCRATCH,
    node,
    "--max-old-space-size=256",
    CHILD,
    JSON.stringify(request),
  ];
}

const unavailable = (problem: string) =>
  new SandboxUnavailableError(
    `The workspace sandbox cannot start: ${problem}. Kaivo never runs a workspace query outside it.`,
    "Install bubblewrap (Debian: apt-get install bubblewrap) and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or the container's seccomp/AppArmor profile).",
  );

/**
 * Runs one query in a fresh sandboxed process. The parent holds the limits: past the time limit
 * or the output limit the whole process group is killed, so nothing of the query survives it.
 */
export function runInSandbox(run: SandboxRun): Promise<SandboxResult> {
  const bwrap = findOnPath("bwrap", process.env.PATH ?? "");
  if (!bwrap) return Promise.reject(unavailable("bubblewrap (bwrap) is not on PATH"));
  if (!existsSync(CHILD))
    return Promise.reject(new KaivoError(`${CHILD} is missing.`, "Run `npm run build`."));
  const node = realpathSync(process.execPath);
  const child = spawn(bwrap, bwrapArgs(run, node), {
    detached: true,
    env: {},
    stdio: ["pipe", "pipe", "pipe"],
  });
  const kill = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {}
  };
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let buffered = "";
    let stderr = "";
    let columns: SandboxResult["columns"] | undefined;
    const rows: unknown[][] = [];
    let ended = false;
    let failure: Error | undefined;
    const stop = (error: Error) => {
      failure ??= error;
      kill();
    };
    const timer = setTimeout(
      () =>
        stop(
          new WorkspaceQueryError(
            `The query ran longer than ${run.limits.timeoutSeconds} s (workspace.timeoutSeconds) and was stopped.`,
            "timeout",
            "Narrow it (filter first, avoid cross joins); the workspace is ready for the next query.",
          ),
        ),
      run.limits.timeoutSeconds * 1000,
    );
    const take = (text: string) => {
      let line: ChildLine;
      try {
        line = JSON.parse(text) as ChildLine;
      } catch {
        // Only the query process writes here; a line that is not its JSON ends the run.
        stop(new WorkspaceQueryError("The query process wrote an unreadable result.", "error"));
        return;
      }
      if ("columns" in line) columns = line.columns;
      else if ("rows" in line) rows.push(...line.rows);
      else if ("end" in line) ended = true;
      else if (/Out of Memory Error/.test(line.error))
        stop(
          new WorkspaceQueryError(
            `The query needed more than its memory cap of ${run.limits.memoryLimit} (workspace.memoryLimit) and was stopped: ${line.error.split("\n")[0]}`,
            "memory",
            "Aggregate before collecting, or select fewer columns; the workspace is ready for the next query.",
          ),
        );
      else stop(new WorkspaceQueryError(line.error, "error"));
    };
    child.stdout.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > run.limits.maxOutputBytes) {
        stop(
          new WorkspaceQueryError(
            `The result is larger than ${run.limits.maxOutputBytes} bytes (workspace.maxOutputBytes) and was stopped.`,
            "output",
            "Aggregate, or add a LIMIT.",
          ),
        );
        return;
      }
      buffered += chunk.toString("utf8");
      let nl = buffered.indexOf("\n");
      while (nl >= 0 && !failure) {
        take(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf("\n");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString("utf8");
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(unavailable(`bwrap could not be started (${(error as NodeJS.ErrnoException).code})`));
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      if (ended && columns) return resolve({ columns, rows });
      // bwrap reports its own failures (no namespaces, a bind that fails) on stderr as `bwrap: ...`.
      const bwrapProblem = /^bwrap: (.*)$/m.exec(stderr)?.[1];
      if (bwrapProblem && !columns) return reject(unavailable(`bwrap failed: ${bwrapProblem}`));
      reject(
        new WorkspaceQueryError(
          `The query process ended without a result (exit ${code}).`,
          "error",
          "Try again; if it persists, the steward finds the cause in the server's log.",
        ),
      );
    });
    child.stdin.on("error", () => {});
    child.stdin.end(run.sql);
  });
}
