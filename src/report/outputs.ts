// The step outputs, from the report. Pure.
import type { RunReport, Side, SideResult } from '../model.ts';

function sideJson(r: SideResult): Record<string, unknown> {
  return {
    vnet: r.vnet.id,
    remoteVnet: r.remoteVnet.id,
    tenantId: r.tenantId,
    addressSpace: r.addressSpace,
    peeringName: r.peeringName,
    peeringId: r.peeringId,
    state: r.state,
    syncLevel: r.syncLevel,
    provisioningState: r.provisioningState,
    action: r.action,
    outcome: r.outcome,
    reason: r.reason,
    settings: r.settings
      ? {
          allowVirtualNetworkAccess: r.settings.allowVirtualNetworkAccess,
          allowForwardedTraffic: r.settings.allowForwardedTraffic,
          allowGatewayTransit: r.settings.allowGatewayTransit,
          useRemoteGateways: r.settings.useRemoteGateways,
        }
      : null,
    desired: r.desired,
    error: r.problem ? { code: r.problem.code, message: r.problem.message, advice: r.problem.advice } : null,
  };
}

export function toOutputs(report: RunReport): Record<string, string> {
  const out: Record<string, string> = { changed: String(report.changed) };
  for (const s of ['a', 'b'] satisfies Side[]) {
    const r = report.sides[s];
    out[`state-${s}`] = r.state;
    out[`sync-level-${s}`] = r.syncLevel;
    out[`action-${s}`] = r.action;
    out[`peering-id-${s}`] = r.peeringId;
  }
  out.result = JSON.stringify({
    mode: report.mode,
    verdict: report.verdict,
    changed: report.changed,
    addressSpaces: { a: report.sides.a.addressSpace, b: report.sides.b.addressSpace },
    a: sideJson(report.sides.a),
    b: sideJson(report.sides.b),
    errors: report.problems.map((p) => ({ code: p.code, message: p.message, advice: p.advice })),
  });
  return out;
}

/** Whether the step fails: apply unless healthy; plan when Azure could not be read, a conflict blocks, or drift is pending with fail-on-drift. */
export function shouldFail(report: RunReport, failOnDrift: boolean): boolean {
  if (report.verdict === 'failed' || report.verdict === 'cancelled') return true;
  return report.mode === 'plan' && failOnDrift && report.changed;
}

const LABEL: Record<Side, string> = { a: 'A→B', b: 'B→A' };

/** The step's failure message: which side, what state, which Azure code, what to do. */
export function failureMessage(report: RunReport): string {
  const lines: string[] = [];
  if (report.verdict === 'cancelled') lines.push('The run was cancelled; operations already accepted by Azure go on, and the next run converges.');
  for (const p of report.problems) lines.push(`${p.code}: ${p.message}${p.advice ? ` ${p.advice}` : ''}`);
  for (const s of ['a', 'b'] satisfies Side[]) {
    const r = report.sides[s];
    if (!r.problem) continue;
    lines.push(
      `${LABEL[s]} '${r.peeringName}' on ${r.vnet.name} (state ${r.state}${r.syncLevel ? `, ${r.syncLevel}` : ''}): ${r.problem.code}: ${r.problem.message}${r.problem.advice ? ` ${r.problem.advice}` : ''}`,
    );
  }
  if (report.mode === 'plan' && report.verdict === 'pending') {
    const pending = (['a', 'b'] satisfies Side[]).filter((s) => report.sides[s].action !== 'none');
    lines.unshift(`Drift: ${pending.map((s) => `${LABEL[s]} needs ${report.sides[s].action} (${report.sides[s].reason})`).join('; ')}. Run with mode: apply to repair.`);
  }
  return lines.join('\n') || 'The peering is not healthy.';
}
