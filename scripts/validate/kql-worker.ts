/** Worker thread of `createKqlPool`: loads the Kusto service once and analyses the jobs it is sent. */
import { parentPort, workerData } from "node:worker_threads";
import type { FunctionDef } from "../../kql/kusto.ts";
import { createAnalyzer, type KqlJob } from "./kql.ts";

let analyzeJob = createAnalyzer((workerData as { functions: FunctionDef[] }).functions);
parentPort?.on("message", (m: { id: number; job: KqlJob } | { functions: FunctionDef[] }) => {
  if ("functions" in m) {
    analyzeJob = createAnalyzer(m.functions);
    return;
  }
  parentPort?.postMessage({ id: m.id, result: analyzeJob(m.job) });
});
