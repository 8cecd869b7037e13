type HubEnv = import("../src/env").Env;

declare namespace Cloudflare {
  interface Env extends HubEnv {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
  interface GlobalProps {
    mainModule: typeof import("../src/index");
    durableNamespaces: "QueueObject";
  }
}
