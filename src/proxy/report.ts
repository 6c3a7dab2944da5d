import type { ChalkInstance } from 'chalk';
import type { Violation } from './checker.js';
import { RULE_IDS, RULES } from './rules.js';

// The conformance report, per connection: the rules broken, with their severity, how often, and the
// first offending frame (masked before it got here). Pretty for a person, JSON as the contract's
// object, JUnit (one testcase per rule) for CI.

export type ProxyReporter = 'pretty' | 'json' | 'junit';
export const PROXY_REPORTERS: ProxyReporter[] = ['pretty', 'json', 'junit'];

export interface ConnectionReport {
  id: number;
  /** Where the client connected from. */
  peer: string;
  /** When its upstream connection could not be opened: why. */
  upstreamError?: string;
  violations: Violation[];
}

export const hasErrors = (conns: ConnectionReport[]) => conns.some((c) => c.violations.some((v) => v.severity === 'error'));

export function jsonReport(conns: ConnectionReport[]): string {
  const ok = !hasErrors(conns) && !conns.some((c) => c.upstreamError);
  return `${JSON.stringify({ ok, connections: conns })}\n`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function prettyReport(conns: ConnectionReport[], chalk: ChalkInstance): string {
  const lines = [chalk.bold(`AAPI conformance report: ${plural(conns.length, 'connection')}`)];
  if (conns.length === 0) lines.push('  no client connected');
  for (const c of conns) {
    const errors = c.violations.filter((v) => v.severity === 'error').length;
    const head = c.upstreamError ? chalk.red(`upstream not reached: ${c.upstreamError}`)
      : c.violations.length === 0 ? chalk.green('clean') : `${plural(errors, 'error')}, ${plural(c.violations.length - errors, 'warning')}`;
    lines.push(`connection ${c.id} (${c.peer}): ${head}`);
    for (const v of c.violations) {
      const tag = v.severity === 'error' ? chalk.red('error  ') : chalk.yellow('warning');
      lines.push(`  ${tag} ${chalk.bold(v.rule)} ×${v.count} (${v.source}): ${v.message}`);
      if (v.frame !== undefined) lines.push(chalk.dim(`          first: ${typeof v.frame === 'string' ? v.frame : JSON.stringify(v.frame)}`));
    }
  }
  return `${lines.join('\n')}\n`;
}

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function junitReport(conns: ConnectionReport[]): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = (c: ConnectionReport) => c.violations.filter((v) => v.severity === 'error').length + (c.upstreamError ? 1 : 0);
  const total = conns.reduce((n, c) => n + failures(c), 0);
  out.push(`<testsuites name="aapi proxy" tests="${conns.length * RULE_IDS.length}" failures="${total}">`);
  for (const c of conns) {
    out.push(`  <testsuite name="connection ${c.id} (${xml(c.peer)})" tests="${RULE_IDS.length}" failures="${failures(c)}">`);
    if (c.upstreamError) out.push(`    <properties><property name="upstreamError" value="${xml(c.upstreamError)}"/></properties>`);
    for (const id of RULE_IDS) {
      const v = c.violations.find((x) => x.rule === id);
      const name = `${id} (${RULES[id].severity}; ${RULES[id].source})`;
      if (!v) {
        out.push(`    <testcase classname="aapi.proxy" name="${xml(name)}"/>`);
        continue;
      }
      const first = v.frame === undefined ? '' : `first: ${typeof v.frame === 'string' ? v.frame : JSON.stringify(v.frame)}`;
      const body = `${v.count} × ${v.message}${first ? `\n${first}` : ''}`;
      // JUnit has no warnings: one passes, saying what it saw.
      const inner = v.severity === 'error' ? `<failure message="${xml(v.message)}">${xml(body)}</failure>` : `<system-out>${xml(`warning: ${body}`)}</system-out>`;
      out.push(`    <testcase classname="aapi.proxy" name="${xml(name)}">${inner}</testcase>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

export function renderReport(reporter: ProxyReporter, conns: ConnectionReport[], chalk: ChalkInstance): string {
  return reporter === 'json' ? jsonReport(conns) : reporter === 'junit' ? junitReport(conns) : prettyReport(conns, chalk);
}
