// A short name for one routing configuration, so that a queue's object can be told which one the
// Worker routes by without the configuration itself: equal configurations have equal versions.
import type { StoredRoutingConfig } from "./routing-config";

const versions = new WeakMap<StoredRoutingConfig, string>();

/** FNV-1a of the configuration's JSON, computed once per configuration object. */
export function routingVersion(config: StoredRoutingConfig): string {
  let version = versions.get(config);
  if (version === undefined) {
    const json = JSON.stringify(config);
    let h = 0x811c9dc5;
    for (let i = 0; i < json.length; i++) h = Math.imul(h ^ json.charCodeAt(i), 0x01000193);
    version = `${(h >>> 0).toString(36)}.${json.length.toString(36)}`;
    versions.set(config, version);
  }
  return version;
}
