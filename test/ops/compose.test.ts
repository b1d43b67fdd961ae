import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigError, createMetrics, type Env, type ServiceConfig } from '@liyuan/kit';
import subgraphs from '../../schemas/subgraphs.json';
import { loadConfig as loadGatewayConfig } from '../../gateway/src/config';
import { loadConfig as loadFacilitiesConfig } from '../../services/facilities/src/config';
import { loadConfig as loadMediationConfig } from '../../services/mediation/src/config';
import { loadConfig as loadResidentsConfig } from '../../services/residents/src/config';
import { loadConfig as loadSharedSpacesConfig } from '../../services/shared-spaces/src/config';
import { loadConfig as loadVolunteersConfig } from '../../services/volunteers/src/config';

/** The parts of Prometheus's own PromQL parser (lezer) the alert checks read. */
interface PromqlCursor {
  type: { isError: boolean };
  name: string;
  from: number;
  to: number;
  node: { parent: { name: string } | null };
  next(): boolean;
}
// The package ships CommonJS beside its ES module, but declares its types for the ES module only.
const promql = (
  createRequire(__filename)('@prometheus-io/lezer-promql') as {
    parser: { parse(text: string): { cursor(): PromqlCursor } };
  }
).parser;

/**
 * No Docker engine runs here, so docker-compose.yml and the Prometheus and Grafana files it mounts
 * are checked as data: health checks, start-up order, and each process's environment against the
 * very schema the process validates at boot.
 */

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface ComposeService {
  image?: string;
  build?:
    string | { context?: string; dockerfile?: string; args?: Record<string, string | number> };
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  ports?: (string | { target?: number; published?: string | number })[];
  volumes?: (string | { source?: string; target?: string })[];
  restart?: string;
}

// Compose honours YAML merge keys (`<<: *anchor`); so must the parse.
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
const serviceNames = Object.keys(services);

const SUBGRAPH_LOADERS: Record<string, (env: Env) => ServiceConfig> = {
  residents: loadResidentsConfig,
  facilities: loadFacilitiesConfig,
  'shared-spaces': loadSharedSpacesConfig,
  volunteers: loadVolunteersConfig,
  mediation: loadMediationConfig,
};
const SUBGRAPHS = Object.keys(subgraphs).sort();
const APP_SERVICES = [...SUBGRAPHS, 'gateway'];
const DASHBOARD_METRICS = [
  'http_request_duration_seconds',
  'graphql_errors_total',
  'outbox_backlog',
  'consumer_lag',
  'dead_letters_total',
  'event_table_rows',
  'event_table_rows_pruned_total',
];

/** What a secret like `${IDENTITY_SECRET:?...}` stands for in these tests. */
const TEST_VALUE = 't'.repeat(40);

/** Compose's interpolation: `${VAR}`, `${VAR:?err}` and `${VAR?err}` become the test value, `${VAR:-x}` its default. */
function interpolate(value: string): string {
  return value
    .replace(/\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g, (_m, _name, op?: string, arg?: string) =>
      op === '-' || op === ':-' ? (arg ?? '') : TEST_VALUE,
    )
    .replace(/\$\$/g, '$');
}

/** A service's environment as the process would see it (map or KEY=value list form). */
function environmentOf(name: string): Env {
  const env = services[name]?.environment ?? {};
  const pairs: [string, string][] = Array.isArray(env)
    ? env.map((line) => {
        const i = line.indexOf('=');
        return i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1)];
      })
    : Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v)]));
}

/** depends_on as dependency -> condition ('(none)' for the short list form, which waits for nothing). */
function dependenciesOf(name: string): Record<string, string> {
  const deps = services[name]?.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, '(none)']));
  return Object.fromEntries(
    Object.entries(deps).map(([d, spec]) => [d, spec?.condition ?? '(none)']),
  );
}

/** Bind mounts as source -> target, for the short `./src:/target[:ro]` and the long syntax. */
function mountsOf(name: string): Record<string, string> {
  return Object.fromEntries(
    (services[name]?.volumes ?? []).map((v) => {
      if (typeof v === 'string') {
        const [source = '', target = ''] = v.split(':');
        return [source.replace(/^\.\//, ''), target];
      }
      return [(v.source ?? '').replace(/^\.\//, ''), v.target ?? ''];
    }),
  );
}

/** The port each app service listens on, per its own configuration (which must accept the environment). */
function portOf(name: string): number {
  const env = environmentOf(name);
  try {
    return name === 'gateway' ? loadGatewayConfig(env).port : loadSubgraph(name, env).port;
  } catch (e) {
    throw new Error(`${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function loadYaml<T>(path: string): T {
  return parse(read(path)) as T;
}

describe('docker-compose.yml', () => {
  it('when compared with the composed supergraph, then every subgraph and the gateway is a compose service with a config loader', () => {
    expect(Object.keys(SUBGRAPH_LOADERS).sort()).toEqual(SUBGRAPHS);
    const missing = [...APP_SERVICES, 'postgres', 'kafka', 'prometheus', 'grafana'].filter(
      (s) => !serviceNames.includes(s),
    );
    expect(missing).toEqual([]);
  });

  it('when every service is inspected, then each has a health check', () => {
    const without = serviceNames.filter((name) => {
      const hc = services[name]?.healthcheck;
      const test = hc?.test;
      return !hc || hc.disable || !test || [test].flat()[0] === 'NONE';
    });
    expect({ servicesWithoutHealthcheck: without }).toEqual({ servicesWithoutHealthcheck: [] });
  });

  it('when the subgraphs and the gateway are inspected, then their health check asks /health/ready and they restart unless stopped', () => {
    const problems = APP_SERVICES.flatMap((name) => {
      const s = services[name];
      const test = [s?.healthcheck?.test ?? []].flat().join(' ');
      return [
        ...(test.includes('/health/ready')
          ? []
          : [`${name}: health check does not ask /health/ready`]),
        ...(s?.restart === 'unless-stopped' ? [] : [`${name}: restart is ${s?.restart}`]),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('when every depends_on entry is inspected, then each names a defined service and waits on a condition', () => {
    const problems = serviceNames.flatMap((name) =>
      Object.entries(dependenciesOf(name)).flatMap(([dep, condition]) => [
        ...(serviceNames.includes(dep) ? [] : [`${name} -> ${dep}: no such service`]),
        ...(['service_started', 'service_healthy', 'service_completed_successfully'].includes(
          condition,
        )
          ? []
          : [`${name} -> ${dep}: condition ${condition}`]),
      ]),
    );
    expect(problems).toEqual([]);
  });

  it('when the start-up order is read, then the subgraphs wait for healthy postgres and kafka, the gateway for all five healthy subgraphs, and grafana for healthy prometheus', () => {
    const expected: [string, string, string][] = [
      ...SUBGRAPHS.flatMap((s): [string, string, string][] => [
        [s, 'postgres', 'service_healthy'],
        [s, 'kafka', 'service_healthy'],
      ]),
      ...SUBGRAPHS.map((s): [string, string, string] => ['gateway', s, 'service_healthy']),
      ['grafana', 'prometheus', 'service_healthy'],
    ];
    const wrong = expected
      .filter(([service, dep, condition]) => dependenciesOf(service)[dep] !== condition)
      .map(
        ([service, dep, condition]) =>
          `${service} -> ${dep}: expected ${condition}, got ${dependenciesOf(service)[dep] ?? 'no dependency'}`,
      );
    expect(wrong).toEqual([]);
  });

  it('when prometheus starts, then every process it scrapes has been started', () => {
    const deps = dependenciesOf('prometheus');
    const missing = APP_SERVICES.filter((s) => !deps[s]);
    expect({ prometheusDoesNotWaitFor: missing }).toEqual({ prometheusDoesNotWaitFor: [] });
  });

  it("when each subgraph's environment is loaded by the subgraph's own config, then it is accepted and points at its own database and the compose broker", () => {
    const problems: string[] = [];
    for (const name of SUBGRAPHS) {
      const env = environmentOf(name);
      try {
        const config = loadSubgraph(name, env);
        if (!config.database.url)
          problems.push(`${name}: no DATABASE_URL (would run an embedded database)`);
        if (config.kafka.brokers.join(',') !== 'kafka:9092')
          problems.push(`${name}: KAFKA_BROKERS is ${config.kafka.brokers.join(',')}`);
        if (!config.demoData) problems.push(`${name}: DEMO_DATA is not true`);
        if (config.port !== Number(new URL(subgraphs[name as keyof typeof subgraphs].url).port))
          problems.push(`${name}: PORT ${config.port} is not the supergraph's routing port`);
      } catch (e) {
        problems.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('when the subgraphs’ environments are loaded, then they agree on how long topics keep events and how long consumers remember them (each creates topics the others consume)', () => {
    const retention = Object.fromEntries(
      SUBGRAPHS.map((name) => {
        const c = loadSubgraph(name, environmentOf(name));
        return [name, { topicsMs: c.kafka.topicRetentionMs, dedupeMs: c.prune.dedupeWindowMs }];
      }),
    );
    const first = retention[SUBGRAPHS[0]!]!;
    expect(retention).toEqual(Object.fromEntries(SUBGRAPHS.map((name) => [name, first])));
  });

  it('when a required secret is missing from an environment, then the config loaders refuse it (so the check above can fail)', () => {
    const env = environmentOf('residents');
    delete env.IDENTITY_SECRET;
    expect(() => loadResidentsConfig(env)).toThrow(ConfigError);
    const gw = environmentOf('gateway');
    delete gw.JWT_SECRET;
    expect(() => loadGatewayConfig(gw)).toThrow(ConfigError);
  });

  it("when the gateway's environment is loaded by the gateway's config, then it is accepted, routes to every subgraph service on its port and keeps the safelist off", () => {
    let config: ReturnType<typeof loadGatewayConfig>;
    try {
      config = loadGatewayConfig(environmentOf('gateway'));
    } catch (e) {
      throw new Error(`gateway: ${e instanceof Error ? e.message : String(e)}`);
    }
    const expectedUrls = Object.fromEntries(
      SUBGRAPHS.map((s) => [s, `http://${s}:${portOf(s)}/graphql`]),
    );
    expect(config.subgraphUrls).toEqual(expectedUrls);
    expect(config.jwt.secret).toBe(TEST_VALUE);
    expect({ nodeEnv: config.nodeEnv, safelist: config.safelist }).toEqual({
      nodeEnv: 'development',
      safelist: false,
    });
  });

  it('when secrets are interpolated, then each uses ${VAR:?message} so compose refuses to start without it', () => {
    const text = read('docker-compose.yml');
    const bare = [...text.matchAll(/\$\{(\w+)(:?[-?][^}]*)?\}/g)]
      .filter((m) => !m[2])
      .map((m) => m[0]);
    expect({ interpolationsWithoutDefaultOrError: bare }).toEqual({
      interpolationsWithoutDefaultOrError: [],
    });
    for (const secret of ['IDENTITY_SECRET', 'JWT_SECRET']) {
      expect({ secret, required: new RegExp(`\\$\\{${secret}:\\?`).test(text) }).toEqual({
        secret,
        required: true,
      });
    }
  });

  it('when each DATABASE_URL is read, then it names a database that infra/postgres/init.sql creates on the postgres service, and no two services share one', () => {
    const created = [...read('infra/postgres/init.sql').matchAll(/CREATE DATABASE\s+"?(\w+)"?/gi)]
      .map((m) => m[1])
      .filter((d): d is string => Boolean(d));
    const owners: Record<string, string[]> = {};
    const problems: string[] = [];
    for (const name of serviceNames) {
      const url = environmentOf(name).DATABASE_URL;
      if (!url) continue;
      const parsed = new URL(url);
      const db = parsed.pathname.replace(/^\//, '');
      (owners[db] ??= []).push(name);
      if (!created.includes(db))
        problems.push(`${name}: database ${db} is not created by init.sql`);
      if (parsed.hostname !== 'postgres') problems.push(`${name}: host ${parsed.hostname}`);
    }
    for (const [db, users] of Object.entries(owners)) {
      if (users.length > 1) problems.push(`database ${db} shared by ${users.join(', ')}`);
    }
    const withoutDb = SUBGRAPHS.filter((s) => !environmentOf(s).DATABASE_URL);
    expect({ problems, subgraphsWithoutDatabase: withoutDb }).toEqual({
      problems: [],
      subgraphsWithoutDatabase: [],
    });
    expect(mountsOf('postgres')['infra/postgres/init.sql']).toMatch(
      /^\/docker-entrypoint-initdb\.d\//,
    );
  });

  it('when the build sections are read, then each app service builds the one Dockerfile from the repository root, naming itself and its port, under a liyuan/<name>:local image', () => {
    const expected = Object.fromEntries(
      APP_SERVICES.map((s) => [
        s,
        {
          context: '.',
          dockerfile: 'Dockerfile (default)',
          args: { SERVICE: s, PORT: String(portOf(s)) },
          image: `liyuan/${s}:local`,
        },
      ]),
    );
    const actual = Object.fromEntries(
      serviceNames
        .filter((s) => services[s]?.build !== undefined)
        .map((s) => {
          const b = services[s]?.build;
          const build = typeof b === 'string' ? { context: b } : (b ?? {});
          return [
            s,
            {
              context: build.context,
              dockerfile: build.dockerfile ?? 'Dockerfile (default)',
              args: Object.fromEntries(
                Object.entries(build.args ?? {}).map(([k, v]) => [k, String(v)]),
              ),
              image: services[s]?.image,
            },
          ];
        }),
    );
    expect(actual).toEqual(expected);
  });

  it('when the images pulled from a registry are read, then each is pinned to a version tag', () => {
    const unpinned = serviceNames
      .filter((s) => services[s]?.build === undefined)
      .map((s) => ({ service: s, image: services[s]?.image ?? '(none)' }))
      .filter(({ image }) => !/:[\w][\w.-]*$/.test(image) || image.endsWith(':latest'));
    expect(unpinned).toEqual([]);
  });

  it('when each app service is read, then it runs with the heap ceiling of its Kubernetes ConfigMap (the one the benchmark measures)', () => {
    const heaps = APP_SERVICES.map((name) => {
      const k8s = parseAllDocuments(read(`infra/k8s/${name}.yaml`))
        .map((d) => d.toJS() as { kind?: string; data?: Record<string, string> })
        .find((o) => o?.kind === 'ConfigMap');
      return { name, compose: environmentOf(name).NODE_OPTIONS, k8s: k8s?.data?.NODE_OPTIONS };
    });
    for (const h of heaps) {
      expect(h.compose).toMatch(/^--max-old-space-size=\d+$/);
      expect(h).toEqual({ name: h.name, compose: h.k8s, k8s: h.k8s });
    }
  });

  it('when published ports are read, then only the gateway (4000), grafana (3000) and prometheus (9090) publish one', () => {
    const published = Object.fromEntries(
      serviceNames
        .filter((s) => (services[s]?.ports ?? []).length > 0)
        .map((s) => [
          s,
          (services[s]?.ports ?? []).map((p) =>
            typeof p === 'string' ? p : `${p.published}:${p.target}`,
          ),
        ]),
    );
    expect(published).toEqual({
      gateway: ['4000:4000'],
      grafana: ['3000:3000'],
      prometheus: ['9090:9090'],
    });
  });
});

/** The subgraph config loader for `name`, which must exist. */
function loadSubgraph(name: string, env: Env) {
  const load = SUBGRAPH_LOADERS[name];
  if (!load) throw new Error(`no config loader for ${name}`);
  return load(env);
}

describe('infra/prometheus/prometheus.yml', () => {
  const mount = mountsOf('prometheus')['infra/prometheus/prometheus.yml'];
  const config = loadYaml<{
    global?: { scrape_interval?: string };
    scrape_configs?: {
      job_name: string;
      metrics_path?: string;
      scrape_interval?: string;
      static_configs?: { targets?: string[] }[];
    }[];
  }>('infra/prometheus/prometheus.yml');

  it('when mounted by the prometheus service, then it replaces the image default configuration', () => {
    expect({ mountedAt: mount }).toEqual({ mountedAt: '/etc/prometheus/prometheus.yml' });
  });

  it('when its targets are read, then it scrapes exactly the six service:port pairs the compose file defines, on /metrics every 5 s', () => {
    const jobs = config.scrape_configs ?? [];
    const targets = jobs.flatMap((j) => (j.static_configs ?? []).flatMap((c) => c.targets ?? []));
    const expected = APP_SERVICES.map((s) => `${s}:${portOf(s)}`);
    expect({
      missing: expected.filter((t) => !targets.includes(t)),
      unexpected: targets.filter((t) => !expected.includes(t)),
    }).toEqual({ missing: [], unexpected: [] });
    const settings = jobs.map((j) => ({
      job: j.job_name,
      metricsPath: j.metrics_path ?? '/metrics',
      interval: j.scrape_interval ?? config.global?.scrape_interval,
    }));
    expect(settings).toEqual(
      jobs.map((j) => ({ job: j.job_name, metricsPath: '/metrics', interval: '5s' })),
    );
  });
});

describe('infra/prometheus/alerts.yml', () => {
  const rules = loadYaml<{
    groups?: {
      name: string;
      rules?: { alert?: string; expr?: string; for?: string; labels?: { severity?: string } }[];
    }[];
  }>('infra/prometheus/alerts.yml');
  const all = (rules.groups ?? []).flatMap((g) => g.rules ?? []);

  it('when mounted, then prometheus.yml loads it from where compose puts it', () => {
    const config = loadYaml<{ rule_files?: string[] }>('infra/prometheus/prometheus.yml');
    const at = mountsOf('prometheus')['infra/prometheus/alerts.yml'];
    expect(at).toBeDefined();
    expect(config.rule_files ?? []).toContain(at);
  });

  it('when its rules are read, then a stuck consumer fires an alert on a metric every subgraph exports', () => {
    const stalled = all.find((r) => r.alert === 'ConsumerStalled');
    expect(stalled?.expr).toMatch(/\bconsumer_stalled\b/);
  });

  it('when every expression is parsed as PromQL, then it parses and names only metrics the processes export (or Prometheus’s own up)', async () => {
    const exported = new Set(['up']);
    for (const m of await createMetrics('probe').registry.getMetricsAsJSON()) {
      exported.add(m.name);
      if (String(m.type) === 'histogram')
        for (const suffix of ['_bucket', '_count', '_sum']) exported.add(`${m.name}${suffix}`);
    }
    const problems: string[] = [];
    for (const rule of all) {
      const expr = rule.expr ?? '';
      const cursor = promql.parse(expr).cursor();
      do {
        if (cursor.type.isError) problems.push(`${rule.alert}: syntax error at ${cursor.from}`);
        if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector') {
          const metric = expr.slice(cursor.from, cursor.to);
          if (!exported.has(metric)) problems.push(`${rule.alert}: unknown metric ${metric}`);
        }
      } while (cursor.next());
      if (!rule.labels?.severity || !['page', 'ticket'].includes(rule.labels.severity))
        problems.push(`${rule.alert}: severity must be page or ticket`);
    }
    expect(problems).toEqual([]);
    // What the README's operators section promises to watch.
    expect(all.map((r) => r.alert).sort()).toEqual(
      expect.arrayContaining([
        'ConsumerLagGrowing',
        'ConsumerStalled',
        'DeadLettersGrowing',
        'HighServerErrorRatio',
        'InternalErrorsRatio',
        'KafkaUnderReplicatedPartitions',
        'KitTablesNotPruned',
        'LatencyBudgetBurningFast',
        'LatencyBudgetBurningSlowly',
        'OutboxPublishFailing',
        'OutboxStuck',
        'ServiceDown',
      ]),
    );
  });

  it('when a broken expression is parsed, then the check sees it', () => {
    const cursor = promql.parse('sum(rate(outbox_backlog[5m]) >').cursor();
    let broken = false;
    do broken ||= cursor.type.isError;
    while (cursor.next());
    expect(broken).toBe(true);
  });
});

describe('infra/grafana', () => {
  interface Panel {
    title?: string;
    datasource?: { type?: string; uid?: string };
    targets?: { expr?: string; datasource?: { uid?: string } }[];
    panels?: Panel[];
  }
  const dashboardFiles = readdirSync(join(ROOT, 'infra/grafana/dashboards'));
  const dashboard = JSON.parse(read('infra/grafana/dashboards/liyuan.json')) as {
    uid?: string;
    title?: string;
    panels?: Panel[];
  };
  const panels = (dashboard.panels ?? []).flatMap((p): Panel[] => [p, ...(p.panels ?? [])]);
  const datasources = readdirSync(join(ROOT, 'infra/grafana/provisioning/datasources')).flatMap(
    (f) =>
      loadYaml<{ datasources?: { name: string; uid?: string; type: string; url: string }[] }>(
        `infra/grafana/provisioning/datasources/${f}`,
      ).datasources ?? [],
  );
  const providers = readdirSync(join(ROOT, 'infra/grafana/provisioning/dashboards')).flatMap(
    (f) =>
      loadYaml<{ providers?: { name: string; type?: string; options?: { path?: string } }[] }>(
        `infra/grafana/provisioning/dashboards/${f}`,
      ).providers ?? [],
  );

  it('when the grafana service is read, then it mounts the provisioning and dashboard folders', () => {
    const mounts = mountsOf('grafana');
    expect(mounts['infra/grafana/provisioning']).toBe('/etc/grafana/provisioning');
    expect(mounts['infra/grafana/dashboards']).toBeDefined();
    expect(dashboardFiles).toContain('liyuan.json');
  });

  it('when the datasource provisioning is read, then a Prometheus datasource points at the prometheus service', () => {
    const prometheus = datasources.filter((d) => d.type === 'prometheus');
    expect(prometheus.map((d) => d.url)).toEqual(['http://prometheus:9090']);
    expect(serviceNames).toContain(new URL(prometheus[0]?.url ?? 'http://none').hostname);
  });

  it('when the dashboard provider is read, then it loads the folder the compose file mounts the dashboards into', () => {
    const target = mountsOf('grafana')['infra/grafana/dashboards'];
    expect(providers.map((p) => ({ type: p.type ?? 'file', path: p.options?.path }))).toEqual([
      { type: 'file', path: target },
    ]);
  });

  it('when the dashboard is parsed, then a panel queries each of the metrics the services export', () => {
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
    const missing = DASHBOARD_METRICS.filter(
      (m) => !exprs.some((e) => new RegExp(`\\b${m}(_bucket|_count|_sum)?\\b`).test(e)),
    );
    expect({ metricsWithoutPanel: missing }).toEqual({ metricsWithoutPanel: [] });
    const p95 = exprs.some((e) =>
      /histogram_quantile\(\s*0\.95\s*,.*http_request_duration_seconds_bucket/.test(e),
    );
    expect({ p95LatencyPanel: p95 }).toEqual({ p95LatencyPanel: true });
  });

  it('when the dashboard panels name a datasource, then it is the provisioned one', () => {
    const uids = new Set(datasources.map((d) => d.uid));
    const wrong = panels
      .filter((p) => p.targets?.length)
      .flatMap((p) => [p.datasource?.uid, ...(p.targets ?? []).map((t) => t.datasource?.uid)])
      .filter((uid) => uid !== undefined && !uids.has(uid));
    expect({ unknownDatasourceUids: wrong }).toEqual({ unknownDatasourceUids: [] });
  });
});
