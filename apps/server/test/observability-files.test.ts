/**
 * deploy/observability: the Grafana dashboard and the Prometheus alert rules
 * ask only for metrics the server exports (a renamed metric would leave a
 * panel empty and an alert silent), and the rules have the shape Prometheus
 * loads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../src/metrics.js';

const DIR = join(import.meta.dirname, '../../../deploy/observability');

/** The metric names an expression reads (histograms by their series: _bucket, _count, _sum). */
function metricsIn(expression: string): string[] {
  const withoutLabels = expression.replace(/\{[^}]*\}/g, '').replace(/"[^"]*"/g, '');
  const words = withoutLabels.match(/\b[a-z_][a-z0-9_]*\b/g) ?? [];
  const promql = new Set([
    'sum',
    'by',
    'rate',
    'max',
    'clamp_min',
    'histogram_quantile',
    'offset',
    'le',
    'route',
    'status',
    'outcome',
    'procedure',
    'budget',
    'd',
    'm',
    'e',
  ]);
  return words.filter((word) => !promql.has(word) && word.includes('_'));
}

async function exportedSeries(): Promise<Set<string>> {
  // With a pool, as on MySQL: its gauges are exported too.
  const pool = { max: 10, inUse: 0, waiting: 0, acquireTimeouts: 0 };
  const metrics = await createMetrics({ pool }).registry.getMetricsAsJSON();
  return new Set(
    metrics.flatMap((metric) =>
      String(metric.type) === 'histogram'
        ? [`${metric.name}_bucket`, `${metric.name}_count`, `${metric.name}_sum`]
        : [metric.name],
    ),
  );
}

describe('deploy/observability', () => {
  it('the alert rules load as Prometheus rule groups and read only exported metrics', async () => {
    const rules = parse(readFileSync(join(DIR, 'alerts.yml'), 'utf8')) as {
      groups: { name: string; rules: { alert: string; expr: string; for?: string; labels?: object }[] }[];
    };
    const series = await exportedSeries();
    expect(rules.groups.length).toBeGreaterThan(0);
    for (const group of rules.groups) {
      expect(group.name).toMatch(/\S/);
      for (const rule of group.rules) {
        expect(rule.alert).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
        expect(rule.for ?? '1m').toMatch(/^\d+[smhd]$/);
        const used = metricsIn(rule.expr);
        expect(used.length, rule.alert).toBeGreaterThan(0);
        expect(
          used.filter((name) => !series.has(name)),
          rule.alert,
        ).toEqual([]);
      }
    }
  });

  it('the Grafana dashboard parses, and every panel reads only exported metrics', async () => {
    const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const series = await exportedSeries();
    expect(dashboard.panels.length).toBeGreaterThan(0);
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const used = metricsIn(target.expr);
        expect(used.length, panel.title).toBeGreaterThan(0);
        expect(
          used.filter((name) => !series.has(name)),
          panel.title,
        ).toEqual([]);
      }
    }
  });
});
