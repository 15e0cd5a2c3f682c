import type { Prng } from '../fuzz/prng';

/** Policies with every shape of action scope: one tool, a list, the call_tool group, none; conditions that can error. */
export function generatedSet(rng: Prng, tools: string[], roles: string[], agents: string[], servers: string[], n: number): { id: string; text: string }[] {
  const act = (t: string) => `Acme::Action::${JSON.stringify(t)}`;
  const out: { id: string; text: string }[] = [];
  for (let i = 0; i < n; i++) {
    const id = `s-${i}`;
    const principal = rng.pick(['principal', `principal in Acme::Role::"${rng.pick(roles)}"`, `principal == Acme::Agent::"${rng.pick(agents)}"`]);
    const action = rng.pick([
      `action == ${act(rng.pick(tools))}`,
      `action in [${act(rng.pick(tools))}, ${act(rng.pick(tools))}]`,
      'action in Acme::Action::"call_tool"',
      'action',
      `action in ${act(rng.pick(tools))}`,
    ]);
    const resource = rng.pick(['resource', 'resource', `resource == Acme::McpServer::"${rng.pick(servers)}"`, `resource in Acme::McpServer::"${rng.pick(servers)}"`, 'resource is Acme::McpServer']);
    const cond = rng.pick([
      '',
      ` when { context.session.purpose == "${rng.pick(['support', 'billing', 'ops', 'incident'])}" }`,
      // destination is optional: without a `has` guard this errors when it is absent (the engine skips the policy).
      ` when { context.session.destination == "evil.example" }`,
      ` unless { context.session.purpose == "ops" }`,
      // Another agent's data: the simulator sends the engine only the agents it may read (the principal, literals).
      ` when { Acme::Agent::"${rng.pick(agents)}".trust_level > ${rng.int(5)} }`,
      ` when { Acme::Agent::"${rng.pick(agents)}" in Acme::Role::"${rng.pick(roles)}" }`,
      ` when { principal.trust_level >= ${rng.int(5)} }`,
      // Other entities named in conditions: the simulator sends those too (a scope's literals it need not send).
      ` when { principal in Acme::Role::"${rng.pick(roles)}" }`,
      ` when { Acme::Role::"${rng.pick(roles)}" in Acme::Role::"${rng.pick(roles)}" }`,
      ` when { resource == Acme::McpServer::"${rng.pick(servers)}" }`,
      ` when { Acme::McpServer::"${rng.pick(servers)}" has description }`,
    ]);
    const forbid = rng.chance(0.15);
    // A forbid always has a condition (an unconditional one would deny nearly every call and leave nothing to compare).
    // (Nor one on another agent's data alone, which holds for every call: it is narrowed to one task.)
    const when = forbid && !cond ? ` when { context.session.purpose == "incident" && context.session.task_id == "t-${i}" }` : forbid && cond.includes('Acme::Agent::"') ? cond.replace(/ \}$/, ` && context.session.task_id == "t-${i}" }`) : cond;
    out.push({ id, text: `@id("${id}")\n${forbid ? 'forbid' : 'permit'} (${principal}, ${action}, ${resource})${when};` });
  }
  return out;
}
