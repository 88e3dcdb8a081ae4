import type { Command } from "commander";

/** `kaivo workspace output request|check|review|show|verify`: thin over src/outputs/. */
export function registerOutputRequests(_output: Command): void {}
