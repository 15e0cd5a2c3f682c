import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');

/** A policy set of `n` policies over the examples' tools: permits and forbids with conditions, as people write them. */
export function generatedPolicies(n: number): string {
  const tools = ['get_order', 'lookup_customer', 'kb.search', 'update_ticket', 'send_email', 'issue_refund', 'read_logs', 'restart_service'];
  const roles = ['support', 'billing', 'ops'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const tool = tools[i % tools.length]!;
    const role = roles[i % roles.length]!;
    if (i % 5 === 4) {
      out.push(`@id("bench-forbid-${i}")\nforbid (principal, action == Acme::Action::"${tool}", resource)\nwhen { context.session has destination && context.session.destination == "blocked-${i}.example" };\n`);
    } else {
      out.push(`@id("bench-permit-${i}")\npermit (principal in Acme::Role::"${role}", action == Acme::Action::"${tool}", resource)\nwhen { context.session.purpose == "${['support', 'billing', 'ops', 'incident'][i % 4]}" && context.session.task_id == "task-${i}" };\n`);
    }
  }
  return out.join('\n');
}

/** The examples' files, with the generated policies added as policies/bench.cedar. */
export function benchWorkspace(n: number): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.(cedar|ya?ml|json)$/.test(e.name)) files.set(`/ws/${path.relative(path.join(REPO, 'examples'), full).split(path.sep).join('/')}`, fs.readFileSync(full, 'utf8'));
    }
  };
  walk(path.join(REPO, 'examples'));
  files.set('/ws/policies/bench.cedar', generatedPolicies(n));
  return files;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function ms(x: number): string {
  return `${x.toFixed(x < 1 ? 3 : 1)} ms`;
}

export function time<T>(f: () => T): [T, number] {
  const t = process.hrtime.bigint();
  const r = f();
  return [r, Number(process.hrtime.bigint() - t) / 1e6];
}
