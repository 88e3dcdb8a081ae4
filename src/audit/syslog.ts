import { createSocket } from "node:dgram";
import { isIPv6 } from "node:net";
import { hostname } from "node:os";
import { type Checkpoint, checkpointLine } from "./checkpoint.js";

export interface SyslogTarget {
  host: string;
  port: number;
}

// Facility 13 ("log audit"), severity 5 (notice).
const PRIORITY = 13 * 8 + 5;

/**
 * Sends a checkpoint to a syslog collector as one RFC 5424 message over UDP (RFC 5426). UDP
 * has no acknowledgement: this catches only errors the local stack sees, so a collector is a
 * copy for the security team's SIEM, not a replacement for the file or a witness.
 */
export async function sendToSyslog(target: SyslogTarget, checkpoint: Checkpoint): Promise<void> {
  const message = Buffer.from(
    `<${PRIORITY}>1 ${checkpoint.time} ${hostname() || "-"} kaivo ${process.pid} audit-checkpoint - ${checkpointLine(checkpoint).trimEnd()}`,
    "utf8",
  );
  const socket = createSocket(isIPv6(target.host) ? "udp6" : "udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.send(message, target.port, target.host, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  } catch (error) {
    throw new Error(
      `syslog at ${target.host}:${target.port} could not be sent to (${(error as Error).message})`,
    );
  } finally {
    socket.close();
  }
}
