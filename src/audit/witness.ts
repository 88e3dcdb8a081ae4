import { type Checkpoint, checkpointLine } from "./checkpoint.js";

const WITNESS_TIMEOUT_MS = 10_000;

/**
 * POSTs a checkpoint to an HTTP witness: a service on another host that keeps what it is sent,
 * so someone who controls this host cannot take back a checkpoint. Any 2xx is acceptance.
 */
export async function postToWitness(url: string, checkpoint: Checkpoint): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: checkpointLine(checkpoint),
      signal: AbortSignal.timeout(WITNESS_TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(`the witness at ${safeUrl(url)} did not answer (${(error as Error).message})`);
  }
  await response.body?.cancel();
  if (!response.ok) {
    throw new Error(`the witness at ${safeUrl(url)} refused it (HTTP ${response.status})`);
  }
}

/** The URL without credentials or query, which may carry a token. */
export function safeUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}
