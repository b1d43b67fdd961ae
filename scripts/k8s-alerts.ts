import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, stringify } from 'yaml';

const ROOT = resolve(__dirname, '..');
export const ALERTS_PATH = resolve(ROOT, 'infra/prometheus/alerts.yml');
export const PROMETHEUS_RULE_PATH = resolve(ROOT, 'infra/k8s/alerts.yaml');

/**
 * The alert rules of infra/prometheus/alerts.yml as a PrometheusRule for clusters that run the
 * Prometheus operator: the same groups, in the namespace of the other manifests, labelled so a
 * Prometheus selecting `role: alert-rules` loads them.
 */
export function renderPrometheusRule(alerts = readFileSync(ALERTS_PATH, 'utf8')): string {
  const { groups } = parse(alerts) as { groups: unknown[] };
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'liyuan-alerts',
      namespace: 'liyuan',
      labels: { 'app.kubernetes.io/part-of': 'liyuan', role: 'alert-rules' },
    },
    spec: { groups },
  };
  return `# Generated from infra/prometheus/alerts.yml by \`npm run k8s:alerts\`; do not edit by hand.\n${stringify(rule, { lineWidth: 0 })}`;
}

if (require.main === module) {
  writeFileSync(PROMETHEUS_RULE_PATH, renderPrometheusRule());
  process.stdout.write(`wrote ${PROMETHEUS_RULE_PATH}\n`);
}
