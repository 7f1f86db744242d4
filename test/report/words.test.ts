import { describe, expect, it } from 'vitest';
import type { SideResult } from '../../src/model.ts';
import { actionWords, codeTally, duration, linkDirection, linkWords, past, sideNote, stateIcon } from '../../src/report/words.ts';
import { hubReport, makeReport, missing } from '../fixtures/report/reports.ts';

const sideOf = (over: Partial<SideResult>): SideResult => {
  const lr = makeReport({ a: over }).links[0];
  if (!lr) throw new Error('no link');
  return lr.sides.a;
};

describe('direction labels', () => {
  it('a link is named by its aliases, each direction from its own side', () => {
    const lr = hubReport({ mode: 'apply', spokes: [1] }).links[0];
    if (!lr) throw new Error('no link');
    expect(linkDirection(lr, 'a')).toBe('hub-0 → spoke-0-0');
    expect(linkDirection(lr, 'b')).toBe('spoke-0-0 → hub-0');
  });
});

describe('past tenses and action words', () => {
  it.each<[Partial<SideResult>, string]>([
    [{ action: 'create', outcome: 'done', writes: ['PUT'] }, 'created'],
    [{ action: 'update', outcome: 'done', writes: ['PUT'] }, 'updated'],
    [{ action: 'sync', outcome: 'done', writes: ['PUT'] }, 'synced'],
    [{ action: 'recreate', outcome: 'done', writes: ['PUT'] }, 'reconnected'],
    [{ action: 'recreate', outcome: 'done', writes: ['PUT', 'DELETE', 'PUT'] }, 'recreated'],
    [{ action: 'replace', outcome: 'done', writes: ['DELETE', 'PUT'] }, 'replaced'],
    [{ action: 'delete', outcome: 'done', writes: ['DELETE'] }, 'deleted'],
  ])('%o → %s', (over, word) => {
    expect(past(sideOf(over))).toBe(word);
    expect(sideNote(sideOf(over), 'apply')).toBe(word);
  });

  it('plan, failure and skip words', () => {
    expect(sideNote(sideOf({ action: 'delete', outcome: 'planned' }), 'plan')).toBe('would delete');
    expect(sideNote(sideOf({ action: 'replace', outcome: 'failed' }), 'apply')).toBe('replace failed');
    expect(sideNote(sideOf({ action: 'create', outcome: 'skipped' }), 'apply')).toBe('create not attempted');
    expect(sideNote(sideOf({}), 'apply')).toBe('');
  });

  it('the Action cell spells plan and apply out', () => {
    expect(actionWords(sideOf({ action: 'recreate', outcome: 'done', writes: ['PUT'] }), 'apply')).toEqual({ text: 'Applied — reconnected', strong: true });
    expect(actionWords(sideOf({ action: 'replace', outcome: 'planned' }), 'plan')).toEqual({ text: 'Plan — would replace', strong: true });
    expect(actionWords(sideOf({}), 'plan').text).toBe('Plan — nothing to do');
    expect(actionWords(sideOf({ ...missing('skipped'), action: 'none' }), 'apply').text).toBe('— not checked');
  });

  it('a link in a few words', () => {
    const links = hubReport({
      mode: 'apply',
      spokes: [5],
      kind: (i) => (['in-sync', 'reconnect', 'fail', 'teardown', 'replace'] as const)[i] ?? 'in-sync',
    }).links;
    expect(links.map((l) => linkWords(l, 'apply'))).toEqual(['in sync', 'reconnected', 'create failed', 'deleted', 'replaced']);
    const plan = hubReport({ mode: 'plan', spokes: [3], kind: (i) => (['create', 'fail', 'teardown'] as const)[i] ?? 'in-sync' }).links;
    expect(plan.map((l) => linkWords(l, 'plan'))).toEqual(['would create', 'apply would fail', 'would delete']);
  });
});

describe('icons and small words', () => {
  it('Missing is what a tear-down asks for', () => {
    expect(stateIcon('Missing', 'present')).toBe('❌');
    expect(stateIcon('Missing', 'absent')).toBe('✅');
    expect(stateIcon('Connected', 'absent')).toBe('⚠️');
    expect(stateIcon('Initiated', 'present')).toBe('⏳');
  });

  it('durations and code tallies', () => {
    expect(duration(40)).toBe('40 s');
    expect(duration(25 * 60)).toBe('25 min');
    expect(duration(6020)).toBe('1 h 41 min');
    expect(duration(7200)).toBe('2 h');
    expect(codeTally(['B', 'A', 'A', 'C', 'D', 'E'])).toBe('A ×2, B, C and 2 other codes');
  });
});
