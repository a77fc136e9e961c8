import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultAlertRules } from '../../../core/alerts/default-alert-rules.js';

/**
 * ops/prometheus/alerts.yml states the built-in default rules in PromQL: one alert per default rule
 * (its `rule` label), with the same severity, duration and threshold. promtool checks the file's
 * syntax and behaviour (test/integration/observability.test.ts); this checks it matches the data.
 */

interface PromRule {
  alert: string;
  expr: string;
  for?: string;
  severity: string;
  rule: string;
}

function parseAlerts(text: string): PromRule[] {
  return text
    .split(/^\s+- alert: /m)
    .slice(1)
    .map((block) => {
      const alert = block.split('\n')[0]!.trim();
      const expr = block.slice(block.indexOf('expr:'), block.indexOf('labels:'));
      return {
        alert,
        expr,
        for: block.match(/^\s+for: (\S+)/m)?.[1],
        severity: block.match(/^\s+severity: (\S+)/m)![1]!,
        rule: block.match(/^\s+rule: (\S+)/m)![1]!,
      };
    });
}

const seconds = (duration: string | undefined) => {
  if (duration === undefined) return 0;
  const m = duration.match(/^(\d+)([smh])$/)!;
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
};

/** The threshold as PromQL states it: milliseconds as seconds. */
const promThreshold = (metric: string, threshold: number) => (metric.endsWith('_ms') ? threshold / 1000 : threshold);

describe('ops/prometheus/alerts.yml matches the built-in default rules', () => {
  const rules = parseAlerts(readFileSync('ops/prometheus/alerts.yml', 'utf8'));

  it('one Prometheus alert per default rule, none other', () => {
    expect(rules.map((r) => r.rule).sort()).toEqual(defaultAlertRules.map((r) => r.id).sort());
  });

  it.each(defaultAlertRules.map((r) => [r.id, r] as const))('%s: same severity, duration, operator and threshold', (_id, rule) => {
    const prom = rules.find((r) => r.rule === rule.id)!;
    expect(prom.severity).toBe(rule.severity);
    expect(seconds(prom.for)).toBe(rule.duration);
    const threshold = promThreshold(rule.metric, rule.threshold);
    expect(prom.expr).toMatch(new RegExp(`${rule.operator.replace(/[<>=]/g, (c) => `\\${c}`)}\\s*${String(threshold).replace('.', '\\.')}(?![\\d.])`));
  });
});
