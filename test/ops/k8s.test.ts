import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ALERTS_PATH, PROMETHEUS_RULE_PATH, renderPrometheusRule } from '../../scripts/k8s-alerts';
import { ConfigError, type Env, type ServiceConfig } from '@liyuan/kit';
import subgraphs from '../../schemas/subgraphs.json';
import { loadConfig as loadGatewayConfig } from '../../gateway/src/config';
import { loadConfig as loadFacilitiesConfig } from '../../services/facilities/src/config';
import { loadConfig as loadMediationConfig } from '../../services/mediation/src/config';
import { loadConfig as loadResidentsConfig } from '../../services/residents/src/config';
import { loadConfig as loadSharedSpacesConfig } from '../../services/shared-spaces/src/config';
import { loadConfig as loadVolunteersConfig } from '../../services/volunteers/src/config';

/**
 * The Kubernetes manifests in infra/k8s, checked without a cluster: every YAML document is parsed
 * and each workload's objects are held against each other (selectors, ports, probes), against the
 * platform's rules (rolling updates, resources, non-root, secrets only by reference, gateway-only
 * ingress) and against the service's own configuration schema. Each assertion compares a list of
 * problems with [], so a failure names what is missing.
 */

const K8S_DIR = resolve(__dirname, '../../infra/k8s');
const NAMESPACE = 'liyuan';
const MEBI = 1024 * 1024;

/* ------------------------------------------------------------------ manifest shapes (loose) -- */

type Labels = Record<string, string>;
interface Meta {
  name?: string;
  namespace?: string;
  labels?: Labels;
}
interface Probe {
  httpGet?: { path?: string; port?: number | string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
}
interface EnvVar {
  name: string;
  value?: unknown;
  valueFrom?: {
    secretKeyRef?: { name?: string; key?: string; optional?: boolean };
    configMapKeyRef?: { name?: string; key?: string };
  };
}
interface Container {
  name?: string;
  image?: string;
  ports?: { name?: string; containerPort?: number }[];
  envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
  env?: EnvVar[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds?: number } } };
  resources?: {
    requests?: { cpu?: string | number; memory?: string | number };
    limits?: { cpu?: string | number; memory?: string | number };
  };
  securityContext?: SecurityContext;
  volumeMounts?: { name?: string; mountPath?: string }[];
}
interface PodSpec {
  containers?: Container[];
  securityContext?: SecurityContext;
  terminationGracePeriodSeconds?: number;
  volumes?: { name?: string; emptyDir?: object }[];
}
interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: unknown[];
}
interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}
interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: Meta;
  data?: Record<string, unknown>;
  spec?: {
    // Deployment
    replicas?: number;
    selector?: LabelSelector | Labels;
    strategy?: {
      type?: string;
      rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string };
    };
    template?: { metadata?: Meta; spec?: PodSpec };
    // Service
    type?: string;
    ports?: { name?: string; port?: number; targetPort?: number | string }[];
    // PodDisruptionBudget
    minAvailable?: number | string;
    // NetworkPolicy
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: {
      from?: NetworkPolicyPeer[];
      ports?: { protocol?: string; port?: number | string }[];
    }[];
  };
}
interface Loaded {
  file: string;
  manifest: Manifest;
}

/* ------------------------------------------------------------------------- the manifests ---- */

const parseProblems: string[] = [];
const FILES = readdirSync(K8S_DIR)
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
  .sort();
const ALL: Loaded[] = FILES.flatMap((file) => {
  const docs = parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8'));
  return Array.from(docs).flatMap((doc, i) => {
    for (const e of [...doc.errors, ...doc.warnings])
      parseProblems.push(`${file} document ${i + 1}: ${e.message}`);
    const manifest = doc.toJS() as Manifest | null;
    return manifest == null ? [] : [{ file, manifest }];
  });
});

const API_VERSIONS: Record<string, string> = {
  Namespace: 'v1',
  ConfigMap: 'v1',
  Service: 'v1',
  Deployment: 'apps/v1',
  PodDisruptionBudget: 'policy/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  PrometheusRule: 'monitoring.coreos.com/v1',
};

const SECRET_VARIABLES = ['DATABASE_URL', 'IDENTITY_SECRET', 'JWT_SECRET'];

/** What each loadConfig result is checked for, whatever its shape. */
interface LoadedConfig {
  port: number;
  nodeEnv: string;
  databaseUrl?: string;
  subgraphUrls?: Record<string, string>;
  safelist?: boolean;
  /** A subgraph's topic retention, dedupe window and outbox retention, in hours. */
  retentionHours?: { topics: number; dedupeWindow: number; sentOutbox: number };
}
interface Workload {
  name: string;
  subgraph: boolean;
  memoryLimitMi: number;
  loadConfig(env: Env): LoadedConfig;
  /** The secretKeyRef variables the pod must get: variable -> Secret / key (optional or not). */
  secrets: Record<string, { secret: string; key: string; optional?: boolean }>;
}

const subgraph = (name: string, load: (env: Env) => ServiceConfig): Workload => ({
  name,
  subgraph: true,
  memoryLimitMi: 256,
  loadConfig: (env) => {
    const c = load(env);
    return {
      port: c.port,
      nodeEnv: c.nodeEnv,
      databaseUrl: c.database.url,
      retentionHours: {
        topics: c.kafka.topicRetentionMs / 3_600_000,
        dedupeWindow: c.prune.dedupeWindowMs / 3_600_000,
        sentOutbox: c.prune.outboxRetentionMs / 3_600_000,
      },
    };
  },
  secrets: {
    DATABASE_URL: { secret: `liyuan-${name}`, key: 'database-url' },
    IDENTITY_SECRET: { secret: 'liyuan-identity', key: 'identity-secret' },
  },
});

const SUBGRAPHS: Workload[] = [
  subgraph('residents', loadResidentsConfig),
  subgraph('facilities', loadFacilitiesConfig),
  subgraph('shared-spaces', loadSharedSpacesConfig),
  subgraph('volunteers', loadVolunteersConfig),
  subgraph('mediation', loadMediationConfig),
];
const GATEWAY: Workload = {
  name: 'gateway',
  subgraph: false,
  memoryLimitMi: 512,
  loadConfig: (env) => {
    const c = loadGatewayConfig(env);
    return { port: c.port, nodeEnv: c.nodeEnv, subgraphUrls: c.subgraphUrls, safelist: c.safelist };
  },
  secrets: {
    IDENTITY_SECRET: { secret: 'liyuan-identity', key: 'identity-secret' },
    JWT_SECRET: { secret: 'liyuan-identity', key: 'jwt-secret', optional: true },
    RATE_LIMIT_DATABASE_URL: { secret: 'liyuan-gateway', key: 'database-url', optional: true },
  },
};
const WORKLOADS = [...SUBGRAPHS, GATEWAY];

/* ------------------------------------------------------------------------------ helpers ---- */

const inFile = (file: string, kind: string): Manifest[] =>
  ALL.filter((l) => l.file === file && l.manifest.kind === kind).map((l) => l.manifest);

const one = (file: string, kind: string): Manifest => {
  const found = inFile(file, kind);
  if (found.length !== 1) throw new Error(`${file}: expected one ${kind}, found ${found.length}`);
  return found[0]!;
};

const podLabels = (d: Manifest): Labels => d.spec?.template?.metadata?.labels ?? {};
const containerOf = (d: Manifest): Container => d.spec?.template?.spec?.containers?.[0] ?? {};
const containerPort = (d: Manifest): number | undefined => containerOf(d).ports?.[0]?.containerPort;

/** matchLabels of a LabelSelector (Deployment, PDB, NetworkPolicy) or a plain map (Service). */
const matchLabelsOf = (selector: LabelSelector | Labels | undefined): Labels | undefined => {
  if (!selector) return undefined;
  if ('matchLabels' in selector || 'matchExpressions' in selector)
    return (selector as LabelSelector).matchLabels;
  return selector as Labels;
};

/** Problems when `selector` does not select pods labelled `labels` (empty when it does). */
function selects(selector: Labels | undefined, labels: Labels): string[] {
  if (!selector || Object.keys(selector).length === 0) return ['the selector is empty'];
  return Object.entries(selector)
    .filter(([k, v]) => labels[k] !== v)
    .map(([k, v]) => `selects ${k}=${v} but the pods have ${k}=${labels[k] ?? '(none)'}`);
}

/** A port given by number or by a container port's name, as a number. */
const resolvePort = (port: number | string | undefined, c: Container): number | undefined =>
  typeof port === 'string' ? c.ports?.find((p) => p.name === port)?.containerPort : port;

/** Bytes of a Kubernetes memory quantity ("256Mi", "1Gi", "500M", 1048576). */
function bytes(q: string | number | undefined): number {
  if (q === undefined) return NaN;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  if (!m) return NaN;
  const unit: Record<string, number> = {
    Ki: 1024,
    Mi: MEBI,
    Gi: 1024 * MEBI,
    Ti: 1024 * 1024 * MEBI,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Number(m[1]) * (m[2] ? unit[m[2]]! : 1);
}

/** Millicores of a CPU quantity ("100m", "1", 0.5). */
function millicores(q: string | number | undefined): number {
  if (q === undefined) return NaN;
  const s = String(q);
  return s.endsWith('m') ? Number(s.slice(0, -1)) : Number(s) * 1000;
}

/** A stand-in for a secret value, long enough for every 32-character minimum. */
const placeholder = (key: string): string =>
  key === 'database-url'
    ? `postgres://liyuan:${'p'.repeat(40)}@postgres.liyuan.svc:5432/liyuan`
    : 'x'.repeat(40);

/**
 * The environment the pod would see: the ConfigMaps it imports, its literal values, and each
 * secretKeyRef set to a placeholder (optional secrets only when `withOptional`).
 */
function podEnv(file: string, withOptional = true): { env: Env; problems: string[] } {
  const c = containerOf(one(file, 'Deployment'));
  const env: Env = {};
  const problems: string[] = [];
  const configMap = (name: string | undefined) => {
    const cm = ALL.find(
      (l) => l.manifest.kind === 'ConfigMap' && l.manifest.metadata?.name === name,
    );
    if (!cm)
      problems.push(`the pod imports ConfigMap ${name ?? '(unnamed)'}, which is not defined`);
    return cm?.manifest.data ?? {};
  };
  for (const from of c.envFrom ?? []) {
    if (from.secretRef)
      problems.push(`envFrom secretRef ${from.secretRef.name ?? ''}: name each secret variable`);
    if (from.configMapRef)
      for (const [k, v] of Object.entries(configMap(from.configMapRef.name))) env[k] = String(v);
  }
  for (const v of c.env ?? []) {
    const ref = v.valueFrom;
    if (ref?.secretKeyRef) {
      if (withOptional || !ref.secretKeyRef.optional)
        env[v.name] = placeholder(ref.secretKeyRef.key ?? '');
    } else if (ref?.configMapKeyRef) {
      const value = configMap(ref.configMapKeyRef.name)[ref.configMapKeyRef.key ?? ''];
      if (value !== undefined) env[v.name] = String(value);
    } else if (v.value !== undefined) {
      env[v.name] = String(v.value);
    }
  }
  return { env, problems };
}

/** The ConfigError message of loading `env`, or 'accepted'. */
function configVerdict(w: Workload, env: Env): { verdict: string; config?: LoadedConfig } {
  try {
    return { verdict: 'accepted', config: w.loadConfig(env) };
  } catch (err) {
    if (err instanceof ConfigError) return { verdict: err.message };
    throw err;
  }
}

/* -------------------------------------------------------------------------------- tests ---- */

describe('the Kubernetes manifests (infra/k8s)', () => {
  it('when every file is parsed, then each document is valid YAML of a known kind in namespace liyuan', () => {
    const problems = [...parseProblems];
    for (const { file, manifest: m } of ALL) {
      const where = `${file}: ${m.kind ?? '(no kind)'} ${m.metadata?.name ?? '(no name)'}`;
      const expected = API_VERSIONS[m.kind ?? ''];
      if (!expected) problems.push(`${where}: unexpected kind`);
      else if (m.apiVersion !== expected)
        problems.push(`${where}: apiVersion ${m.apiVersion} instead of ${expected}`);
      if (!m.metadata?.name) problems.push(`${where}: no metadata.name`);
      if (m.kind === 'Namespace') {
        if (m.metadata?.name !== NAMESPACE) problems.push(`${where}: not the namespace liyuan`);
      } else if (m.metadata?.namespace !== NAMESPACE) {
        problems.push(`${where}: namespace ${m.metadata?.namespace ?? '(none)'} instead of liyuan`);
      }
    }
    const namespaces = inFile('namespace.yaml', 'Namespace');
    if (namespaces.length !== 1) problems.push('namespace.yaml does not define the namespace');
    const names = ALL.map((l) => `${l.manifest.kind}/${l.manifest.metadata?.name}`);
    for (const dup of names.filter((n, i) => names.indexOf(n) !== i))
      problems.push(`${dup} is defined more than once`);
    const expectedFiles = [
      ...WORKLOADS.map((w) => `${w.name}.yaml`),
      'namespace.yaml',
      'alerts.yaml',
    ].sort();
    expect({ files: FILES, problems }).toEqual({ files: expectedFiles, problems: [] });
  });

  it('when the subgraphs’ environments are loaded, then they state one retention for the topics (each creates topics the others consume) and one dedupe window, and do not leave them to defaults', () => {
    const retention = Object.fromEntries(
      SUBGRAPHS.map((w) => {
        const { env } = podEnv(`${w.name}.yaml`);
        const stated = ['TOPIC_RETENTION_HOURS', 'DEDUPE_WINDOW_HOURS', 'OUTBOX_RETENTION_HOURS'];
        return [
          w.name,
          {
            unstated: stated.filter((v) => env[v] === undefined),
            hours: configVerdict(w, env).config?.retentionHours,
          },
        ];
      }),
    );
    const first = retention[SUBGRAPHS[0]!.name]!;
    expect(first.hours).toBeDefined();
    expect(retention).toEqual(
      Object.fromEntries(SUBGRAPHS.map((w) => [w.name, { unstated: [], hours: first.hours }])),
    );
  });

  it('when values reach the API server, then ConfigMap data and env values are strings (a bare 4001 or true is rejected)', () => {
    const problems: string[] = [];
    for (const { file, manifest: m } of ALL) {
      if (m.kind === 'ConfigMap')
        for (const [k, v] of Object.entries(m.data ?? {}))
          if (typeof v !== 'string') problems.push(`${file}: ConfigMap ${k} is a ${typeof v}`);
      if (m.kind === 'Deployment')
        for (const v of containerOf(m).env ?? [])
          if (v.value !== undefined && typeof v.value !== 'string')
            problems.push(`${file}: env ${v.name} is a ${typeof v.value}`);
    }
    expect(problems).toEqual([]);
  });

  it('when the README explains the Secrets, then it names every Secret and key the manifests reference', () => {
    const readme = readFileSync(join(K8S_DIR, 'README.md'), 'utf8');
    const problems: string[] = [];
    for (const { file, manifest: m } of ALL.filter((l) => l.manifest.kind === 'Deployment'))
      for (const v of containerOf(m).env ?? []) {
        const ref = v.valueFrom?.secretKeyRef;
        if (!ref) continue;
        if (!readme.includes(`\`${ref.name}\``))
          problems.push(`${file}: Secret ${ref.name} is not in README.md`);
        if (!readme.includes(`\`${ref.key}\``))
          problems.push(`${file}: key ${ref.key} is not in README.md`);
      }
    expect(problems).toEqual([]);
  });

  it('when the gateway routes, then SUBGRAPH_URLS names exactly the five subgraph Services on their ports', () => {
    const { env } = podEnv('gateway.yaml');
    const { verdict, config } = configVerdict(GATEWAY, env);
    expect(verdict).toBe('accepted');
    const urls = config?.subgraphUrls ?? {};
    expect(Object.keys(urls).sort()).toEqual(Object.keys(subgraphs).sort());
    const problems: string[] = [];
    for (const [name, raw] of Object.entries(urls)) {
      const url = new URL(raw);
      const host = url.hostname;
      const service = ALL.find(
        (l) => l.manifest.kind === 'Service' && l.manifest.metadata?.name === name,
      )?.manifest;
      if (!service) {
        problems.push(`${name}: no Service ${name} in infra/k8s`);
        continue;
      }
      const svc = `${name}.${NAMESPACE}.svc`;
      if (![name, `${name}.${NAMESPACE}`, svc, `${svc}.cluster.local`].includes(host))
        problems.push(`${name}: host ${host} is not the Service ${name} in ${NAMESPACE}`);
      const port = service.spec?.ports?.[0]?.port;
      if (Number(url.port) !== port)
        problems.push(`${name}: URL port ${url.port} but the Service listens on ${port}`);
      if (url.pathname !== '/graphql') problems.push(`${name}: path ${url.pathname}, not /graphql`);
      if (url.protocol !== 'http:') problems.push(`${name}: ${url.protocol} (in-cluster is http)`);
    }
    expect(problems).toEqual([]);
  });

  it('when the gateway has no JWT_SECRET (production), then its configuration still loads, verifying tokens by JWKS_URL, with the safelist on', () => {
    const { env } = podEnv('gateway.yaml', false);
    expect(env.JWT_SECRET).toBeUndefined();
    const { verdict, config } = configVerdict(GATEWAY, env);
    expect(verdict).toBe('accepted');
    expect(config?.safelist).toBe(true);
  });

  describe.each(WORKLOADS.map((w) => [w.name, w] as const))('the %s workload', (name, w) => {
    const file = `${name}.yaml`;
    const deployment = () => one(file, 'Deployment');

    it('when its file is parsed, then it holds a ConfigMap, Deployment, Service and PodDisruptionBudget (and a NetworkPolicy for a subgraph)', () => {
      const kinds = ALL.filter((l) => l.file === file)
        .map((l) => l.manifest.kind ?? '(no kind)')
        .sort();
      const expected = ['ConfigMap', 'Deployment', 'Service', 'PodDisruptionBudget'];
      if (w.subgraph) expected.push('NetworkPolicy');
      expect({ file, kinds }).toEqual({ file, kinds: expected.sort() });
    });

    it('when its objects select pods, then the Deployment, Service, PodDisruptionBudget (and NetworkPolicy) select its pods and no other workload', () => {
      const d = deployment();
      const labels = podLabels(d);
      const problems: string[] = [];
      if (labels['app.kubernetes.io/name'] !== name)
        problems.push(`pod label app.kubernetes.io/name is ${labels['app.kubernetes.io/name']}`);
      if (labels['app.kubernetes.io/part-of'] !== 'liyuan')
        problems.push(
          `pod label app.kubernetes.io/part-of is ${labels['app.kubernetes.io/part-of']}`,
        );
      const selectors: [string, Labels | undefined][] = [
        ['Deployment', matchLabelsOf(d.spec?.selector)],
        ['Service', matchLabelsOf(one(file, 'Service').spec?.selector)],
        ['PodDisruptionBudget', matchLabelsOf(one(file, 'PodDisruptionBudget').spec?.selector)],
      ];
      if (w.subgraph)
        selectors.push([
          'NetworkPolicy',
          matchLabelsOf(one(file, 'NetworkPolicy').spec?.podSelector),
        ]);
      const others = ALL.filter(
        (l) => l.manifest.kind === 'Deployment' && l.manifest.metadata?.name !== name,
      );
      for (const [kind, selector] of selectors) {
        for (const p of selects(selector, labels)) problems.push(`${kind}: ${p}`);
        for (const other of others)
          if (
            selector &&
            Object.keys(selector).length &&
            !selects(selector, podLabels(other.manifest)).length
          )
            problems.push(`${kind} also selects the pods of ${other.manifest.metadata?.name}`);
      }
      const deploymentSelector = matchLabelsOf(d.spec?.selector);
      const serviceSelector = matchLabelsOf(one(file, 'Service').spec?.selector);
      if (JSON.stringify(serviceSelector) !== JSON.stringify(deploymentSelector))
        problems.push('the Service selector differs from the Deployment selector');
      expect(problems).toEqual([]);
    });

    it('when traffic is routed, then the container port, the Service (ClusterIP) targetPort and the ConfigMap PORT agree', () => {
      const d = deployment();
      const c = containerOf(d);
      const port = containerPort(d);
      const service = one(file, 'Service');
      const servicePort = service.spec?.ports?.[0];
      const expectedPort = w.subgraph
        ? Number(new URL((subgraphs as Record<string, { url: string }>)[name]!.url).port)
        : 4000;
      expect({
        containerPort: port,
        serviceType: service.spec?.type ?? 'ClusterIP',
        servicePort: servicePort?.port,
        targetPort: resolvePort(servicePort?.targetPort, c),
        configMapPort: Number(one(file, 'ConfigMap').data?.PORT),
      }).toEqual({
        containerPort: expectedPort,
        serviceType: 'ClusterIP',
        servicePort: expectedPort,
        targetPort: expectedPort,
        configMapPort: expectedPort,
      });
    });

    it('when the kubelet probes it, then readiness asks /health/ready and liveness /health/live on the container port, liveness more lenient, with time to start (migrations)', () => {
      const d = deployment();
      const c = containerOf(d);
      const port = containerPort(d);
      const problems: string[] = [];
      const probe = (kind: 'readinessProbe' | 'livenessProbe' | 'startupProbe', path: string) => {
        const p = c[kind];
        if (!p) return problems.push(`no ${kind}`);
        if (p.httpGet?.path !== path)
          problems.push(`${kind} asks ${p.httpGet?.path ?? '(no httpGet)'} instead of ${path}`);
        const probed = resolvePort(p.httpGet?.port, c);
        if (probed !== port) problems.push(`${kind} probes port ${probed}, not ${port}`);
      };
      probe('readinessProbe', '/health/ready');
      probe('livenessProbe', '/health/live');
      // Kubernetes defaults: period 10 s, failure threshold 3.
      const window = (p: Probe | undefined) =>
        (p?.periodSeconds ?? 10) * (p?.failureThreshold ?? 3) + (p?.initialDelaySeconds ?? 0);
      if (window(c.livenessProbe) <= window(c.readinessProbe))
        problems.push(
          `liveness gives up after ${window(c.livenessProbe)} s, readiness after ${window(c.readinessProbe)} s: liveness must be more lenient`,
        );
      if ((c.readinessProbe?.timeoutSeconds ?? 1) < 3)
        problems.push(
          'readinessProbe timeout under 3 s (the readiness checks take up to 2 s each)',
        );
      if (c.startupProbe) probe('startupProbe', '/health/live');
      const startWindow = c.startupProbe
        ? window(c.startupProbe)
        : (c.livenessProbe?.initialDelaySeconds ?? 0);
      if (startWindow < 60)
        problems.push(
          `only ${startWindow} s to start before liveness can kill the pod (want >= 60)`,
        );
      expect(problems).toEqual([]);
    });

    it(`when it is scheduled, then cpu and memory requests and limits are set, memory limit <= ${w.memoryLimitMi}Mi`, () => {
      const r = containerOf(deployment()).resources;
      const problems: string[] = [];
      for (const [what, q, parse] of [
        ['requests.cpu', r?.requests?.cpu, millicores],
        ['limits.cpu', r?.limits?.cpu, millicores],
        ['requests.memory', r?.requests?.memory, bytes],
        ['limits.memory', r?.limits?.memory, bytes],
      ] as const)
        if (!(parse(q) > 0)) problems.push(`${what} is ${q ?? 'not set'}`);
      if (bytes(r?.limits?.memory) > w.memoryLimitMi * MEBI)
        problems.push(`limits.memory ${r?.limits?.memory} exceeds ${w.memoryLimitMi}Mi`);
      if (bytes(r?.requests?.memory) > bytes(r?.limits?.memory))
        problems.push('requests.memory exceeds limits.memory');
      if (millicores(r?.requests?.cpu) > millicores(r?.limits?.cpu))
        problems.push('requests.cpu exceeds limits.cpu');
      expect(problems).toEqual([]);
    });

    it('when a new version rolls out, then no pod goes before its successor is ready (RollingUpdate, maxUnavailable 0), the process has time to drain, and a PodDisruptionBudget keeps one', () => {
      const d = deployment();
      const pod = d.spec?.template?.spec;
      const preStop = containerOf(d).lifecycle?.preStop?.sleep?.seconds ?? 0;
      const grace = pod?.terminationGracePeriodSeconds ?? 30;
      const problems: string[] = [];
      if (d.spec?.replicas !== 2) problems.push(`replicas ${d.spec?.replicas ?? '(default 1)'}`);
      if (d.spec?.strategy?.type !== 'RollingUpdate')
        problems.push(`strategy ${d.spec?.strategy?.type ?? '(none)'}`);
      const ru = d.spec?.strategy?.rollingUpdate;
      if (ru?.maxUnavailable !== 0)
        problems.push(`maxUnavailable ${ru?.maxUnavailable ?? '(25%)'}`);
      if (!(typeof ru?.maxSurge === 'number' ? ru.maxSurge >= 1 : ru?.maxSurge))
        problems.push(`maxSurge ${ru?.maxSurge ?? '(none)'}`);
      // The process forces its own exit 30 s after SIGTERM; preStop runs before the signal.
      if (grace < 30 + preStop)
        problems.push(`terminationGracePeriodSeconds ${grace} < 30 s drain + ${preStop} s preStop`);
      const pdb = one(file, 'PodDisruptionBudget');
      if (pdb.spec?.minAvailable !== 1) problems.push(`PDB minAvailable ${pdb.spec?.minAvailable}`);
      expect(problems).toEqual([]);
    });

    it('when the container runs, then it is uid 1000 (non-root), read-only root with a writable /tmp, no privilege escalation, no capabilities', () => {
      const pod = deployment().spec?.template?.spec;
      const c = containerOf(deployment());
      const effective = { ...pod?.securityContext, ...c.securityContext };
      const problems: string[] = [];
      if (effective.runAsNonRoot !== true) problems.push('runAsNonRoot is not true');
      if (effective.runAsUser !== 1000)
        problems.push(`runAsUser ${effective.runAsUser} (node is 1000)`);
      if (c.securityContext?.readOnlyRootFilesystem !== true)
        problems.push('readOnlyRootFilesystem is not true');
      if (c.securityContext?.allowPrivilegeEscalation !== false)
        problems.push('allowPrivilegeEscalation is not false');
      if (!c.securityContext?.capabilities?.drop?.includes('ALL'))
        problems.push('capabilities do not drop ALL');
      if (c.securityContext?.capabilities?.add?.length)
        problems.push(`capabilities add ${c.securityContext.capabilities.add.join(', ')}`);
      const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
      const volume = pod?.volumes?.find((v) => v.name === tmp?.name);
      if (!tmp || !volume?.emptyDir) problems.push('/tmp is not an emptyDir mount');
      expect(problems).toEqual([]);
    });

    it('when it needs secrets, then they come only through secretKeyRef (Secret and key as documented), never as literal values or ConfigMap data', () => {
      const c = containerOf(deployment());
      const problems: string[] = [];
      for (const cm of ALL.filter((l) => l.manifest.kind === 'ConfigMap'))
        for (const v of SECRET_VARIABLES)
          if (cm.manifest.data && v in cm.manifest.data)
            problems.push(`${cm.file}: ConfigMap ${cm.manifest.metadata?.name} holds ${v}`);
      for (const v of c.env ?? [])
        if (SECRET_VARIABLES.includes(v.name) && !v.valueFrom?.secretKeyRef)
          problems.push(`${v.name} is not a secretKeyRef`);
      for (const [variable, expected] of Object.entries(w.secrets)) {
        const ref = c.env?.find((v) => v.name === variable)?.valueFrom?.secretKeyRef;
        const got = ref && { secret: ref.name, key: ref.key, optional: ref.optional ?? false };
        const want = { ...expected, optional: expected.optional ?? false };
        if (JSON.stringify(got) !== JSON.stringify(want))
          problems.push(
            `${variable}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`,
          );
      }
      for (const v of c.env ?? [])
        if (v.valueFrom?.secretKeyRef && !(v.name in w.secrets))
          problems.push(`${v.name} comes from a Secret not expected for ${name}`);
      expect(problems).toEqual([]);
    });

    it("when the pod's environment (ConfigMap plus placeholder secrets) is loaded, then the service's own loadConfig accepts it for production on the container port", () => {
      const { env, problems } = podEnv(file);
      expect(problems).toEqual([]);
      const { verdict, config } = configVerdict(w, env);
      expect(verdict).toBe('accepted');
      expect(config?.port).toBe(containerPort(deployment()));
      expect(config?.nodeEnv).toBe('production');
      // Without DATABASE_URL a subgraph would fall back to an embedded database on the pod's disk.
      if (w.subgraph) expect(config?.databaseUrl).toMatch(/^postgres/);
    });

    if (w.subgraph)
      it('when anything but the gateway connects, then its NetworkPolicy admits only the gateway pods (or Prometheus from the monitoring namespace) and only on the service port', () => {
        const policy = one(file, 'NetworkPolicy');
        const port = containerPort(deployment());
        const c = containerOf(deployment());
        const gatewayLabels = podLabels(one('gateway.yaml', 'Deployment'));
        const problems: string[] = [];
        if (JSON.stringify(policy.spec?.policyTypes) !== JSON.stringify(['Ingress']))
          problems.push(`policyTypes ${JSON.stringify(policy.spec?.policyTypes)}, not [Ingress]`);
        const rules = policy.spec?.ingress ?? [];
        let gatewayAdmitted = false;
        rules.forEach((rule, i) => {
          const where = `ingress rule ${i + 1}`;
          if (!rule.from?.length) problems.push(`${where} has no "from": it admits every source`);
          if (!rule.ports?.length) problems.push(`${where} has no "ports": it admits every port`);
          for (const p of rule.ports ?? [])
            if (resolvePort(p.port, c) !== port || (p.protocol ?? 'TCP') !== 'TCP')
              problems.push(`${where} admits ${p.protocol ?? 'TCP'} ${p.port}, not TCP ${port}`);
          for (const peer of rule.from ?? []) {
            const keys = Object.keys(peer).sort().join('+');
            const podMatch = matchLabelsOf(peer.podSelector);
            const nsMatch = matchLabelsOf(peer.namespaceSelector);
            if (keys === 'podSelector' && podMatch?.['app.kubernetes.io/name'] === 'gateway') {
              for (const p of selects(podMatch, gatewayLabels))
                problems.push(`${where}: the gateway peer ${p}`);
              gatewayAdmitted = true;
            } else if (
              (keys === 'namespaceSelector' || keys === 'namespaceSelector+podSelector') &&
              JSON.stringify(nsMatch) ===
                JSON.stringify({ 'kubernetes.io/metadata.name': 'monitoring' })
            ) {
              // Prometheus scraping /metrics, documented in the manifest.
            } else {
              problems.push(
                `${where} admits a peer other than the gateway: ${JSON.stringify(peer)}`,
              );
            }
          }
        });
        if (!gatewayAdmitted) problems.push('no rule admits the gateway pods');
        expect(problems).toEqual([]);
      });
  });

  it('when operators load the alerts in a cluster, then alerts.yaml is the PrometheusRule of infra/prometheus/alerts.yml, current (npm run k8s:alerts)', () => {
    expect(readFileSync(PROMETHEUS_RULE_PATH, 'utf8')).toBe(renderPrometheusRule());
    const rule = one('alerts.yaml', 'PrometheusRule') as Manifest & { spec?: { groups?: unknown } };
    const compose = parse(readFileSync(ALERTS_PATH, 'utf8')) as { groups: unknown };
    expect(rule.spec?.groups).toEqual(compose.groups);
  });
});
