// CPU seconds (and memory) used by this process and by its workerd child, to tell in the summary who used the
// cores during a phase. Linux /proc only; elsewhere the workerd figure is null.
import { readFileSync, readdirSync } from "node:fs";

const TICKS_PER_S = 100; // USER_HZ on Linux

function childPids(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S; // utime + stime
  } catch {
    return null;
  }
}

function commOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** The workerd process Miniflare started (a child of this process). */
export function findWorkerdPid() {
  return childPids(process.pid).find((pid) => commOf(pid) === "workerd") ?? null;
}

/** A reading now; `since(earlier)` gives CPU seconds used in between by this process and by workerd. */
export function cpuReading(workerdPid) {
  const self = process.cpuUsage();
  return {
    self: (self.user + self.system) / 1e6,
    workerd: workerdPid === null ? null : cpuSecondsOf(workerdPid),
    since(earlier) {
      return {
        bench: this.self - earlier.self,
        workerd: this.workerd === null || earlier.workerd === null ? null : this.workerd - earlier.workerd,
      };
    },
  };
}

/** Resident memory in MB of `pid` now and at its peak (VmRSS, VmHWM); nulls off Linux. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rss: Math.round(kb("VmRSS") / 1024), peak: Math.round(kb("VmHWM") / 1024) };
  } catch {
    return { rss: null, peak: null };
  }
}
