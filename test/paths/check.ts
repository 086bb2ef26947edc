/**
 * Plays steps on the SUT and on the oracle in lockstep and compares: each proposal's and each
 * operator action's decision, whether the model ran, then the refunds, tickets and the main
 * conversation's status after the step, and the store-side audit of every refund (audit.ts).
 */
import { describe, stepNamed, type OperatorCall, type Step, type TurnStep } from './alphabet.js';
import { auditRefunds } from './audit.js';
import {
  cloneWorld,
  expectedRecords,
  modelRuns,
  newWorld,
  statusOf,
  turn,
  type Decision,
  type Turn,
  type World,
} from './oracle.js';
import { operate, passDeadline, sweep } from './oracle-operators.js';
import type { Checkpoint, ProposalSeen, Sut, TurnSeen } from './sut.js';

export interface Run {
  world: World;
  twins: number;
}

export const newRun = (sut: Sut): Run => ({ world: newWorld(sut.profile === 'confirm'), twins: 0 });

/** The addresses the customer typed (the oracle's own reading of the text, not the runtime's). */
const emailsIn = (text: string) =>
  (text.match(/[a-z0-9._+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+/gi) ?? []).map((e) => e.toLowerCase());
const toTurn = (s: TurnStep): Turn => ({
  trigger: s.trigger,
  emails: emailsIn(s.text),
  answer: s.answer,
  proposals: s.calls.map((c) => c.action),
});

const showSeen = (p: ProposalSeen) =>
  `${p.tool} ${p.decision}${p.code ? ` (${p.code}${p.invariant ? `, ${p.invariant}` : ''})` : ''}`;

/** Differences between the decisions the oracle demands and those recorded in the audit log. */
function compareDecisions(where: string, step: TurnStep, expected: Decision[], seen: ProposalSeen[]): string[] {
  const problems: string[] = [];
  if (seen.length !== expected.length)
    problems.push(
      `${where}: ${expected.length} proposal(s) to decide, ${seen.length} recorded in the audit log (I11): ` +
        `[${seen.map(showSeen).join('; ')}]`,
    );
  expected.forEach((d, i) => {
    const s = seen[i];
    if (s && s.decision !== d)
      problems.push(`${where}: ${step.calls[i]?.name ?? '?'} must be ${d}, was ${showSeen(s)}`);
  });
  return problems;
}

/** I15: the model runs exactly when the agent is in charge (never while a person holds the conversation). */
function compareModel(where: string, agentInCharge: boolean, seen: TurnSeen): string[] {
  if (seen.busy) return [];
  if (!agentInCharge && seen.modelCalls > 0)
    return [`${where}: I15: the model was called ${seen.modelCalls} time(s) while a person held the conversation`];
  if (agentInCharge && seen.modelCalls === 0)
    return [`${where}: the model was not called although the agent is in charge`];
  return [];
}

const sameDecisions = (expected: Decision[], seen: ProposalSeen[]) =>
  expected.length === seen.length && expected.every((d, i) => seen[i]?.decision === d);

/** The twin conversation's way to ORD-1063's refund, and its racing step, per profile. */
const twinSetup = (w: World) =>
  w.confirm ? ['get:own', 'lookup:eligible', 'refund:eligible'] : ['get:own', 'lookup:eligible'];
const twinRace = (w: World) => (w.confirm ? 'msg:yes' : 'refund:eligible');

const sorted = (ds: Decision[]) => [...ds].sort().join(', ');

async function operatorStep(
  sut: Sut,
  run: Run,
  where: string,
  calls: OperatorCall[],
  together: boolean,
): Promise<string[]> {
  const mark = await sut.mark();
  // concurrent decisions must come out as some serial order does; the oracle's answer is order-free here
  const expected = calls.map((c) => operate(run.world, 'main', c.role, c.action));
  const seen = await sut.operate('main', calls, together);
  const recorded = await sut.operatorActionsSince('main', mark);
  const problems: string[] = [];
  const same = together ? sorted(expected) === sorted(seen) : expected.join() === seen.join();
  if (!same) problems.push(`${where}: operator actions must be [${expected.join(', ')}], were [${seen.join(', ')}]`);
  if (sorted(recorded) !== sorted(seen))
    problems.push(
      `${where}: operator actions recorded in the audit log (I11): [${recorded.join(', ')}], ` +
        `answered [${seen.join(', ')}]`,
    );
  return problems;
}

/** Plays one step on both sides; returns the problems found (empty when they agree). */
export async function applyStep(sut: Sut, run: Run, step: Step, index: number): Promise<string[]> {
  const where = `step ${index + 1} ${step.name}`;
  const problems: string[] = [];
  const humanActiveCalls = sut.model.callsWhileHumanActive;
  switch (step.kind) {
    case 'restart':
      await sut.restart();
      sweep(run.world); // a new process sweeps at start-up
      break;
    case 'clock':
      passDeadline(run.world, 'main');
      sut.setHours(run.world.hours);
      if (step.sweep) {
        sweep(run.world);
        await sut.sweep();
      }
      break;
    case 'operator':
      problems.push(...(await operatorStep(sut, run, where, step.calls, step.together)));
      break;
    case 'turn': {
      const agent = modelRuns(run.world, 'main');
      const expected = turn(run.world, 'main', toTurn(step));
      const seen = await sut.turn('main', step);
      if (seen.busy) problems.push(`${where}: refused as busy with no other turn running`);
      problems.push(...compareDecisions(where, step, expected, seen.proposals), ...compareModel(where, agent, seen));
      break;
    }
    case 'concurrent': {
      const mark = await sut.mark();
      const sent = await Promise.all([sut.send('main', step.of), sut.send('main', step.of)]);
      const busy = sent.filter((s) => s.busy).length;
      const seen = await sut.proposalsSince('main', mark);
      if (busy === 2) problems.push(`${where}: both concurrent turns refused as busy`);
      // one ran and the other was refused (409), or (if they did not overlap) both ran in turn
      const expected = turn(run.world, 'main', toTurn(step.of));
      if (busy === 0) expected.push(...turn(run.world, 'main', toTurn(step.of)));
      problems.push(...compareDecisions(where, step.of, expected, seen));
      break;
    }
    case 'race':
      problems.push(...(await raceStep(sut, run, where, step.of)));
      break;
    case 'interrupt':
      problems.push(...(await interruptStep(sut, run, where, step.of, step.calls)));
      break;
  }
  problems.push(...(await compareRecords(sut, run.world, where)));
  problems.push(...(await auditRefunds(sut)).map((p) => `after ${where}: ${p}`));
  const humanActive = sut.model.callsWhileHumanActive - humanActiveCalls;
  if (humanActive > 0)
    problems.push(`after ${where}: I15: the model was called ${humanActive} time(s) in state human-active`);
  return problems;
}

/** A second conversation of the persona races the main one for ORD-1063: the outcome must be one serial order's. */
async function raceStep(sut: Sut, run: Run, where: string, of: TurnStep): Promise<string[]> {
  const problems: string[] = [];
  const twin = `twin${++run.twins}`;
  await sut.newConversation(twin);
  for (const name of twinSetup(run.world)) {
    const s = stepNamed(name) as TurnStep;
    const expected = turn(run.world, twin, toTurn(s));
    const seen = await sut.turn(twin, s);
    problems.push(...compareDecisions(`${where} (${twin}: ${name})`, s, expected, seen.proposals));
  }
  const twinStep = stepNamed(twinRace(run.world)) as TurnStep;
  const mark = await sut.mark();
  const sent = await Promise.all([sut.send('main', of), sut.send(twin, twinStep)]);
  if (sent.some((s) => s.busy))
    problems.push(`${where}: a turn was refused as busy although each conversation had one`);
  const seenMain = await sut.proposalsSince('main', mark);
  const seenTwin = await sut.proposalsSince(twin, mark);
  // linearisable: the outcome must be that of one order or the other
  const orders = [
    ['main', twin],
    [twin, 'main'],
  ].map((order) => {
    const w = cloneWorld(run.world);
    const d = new Map(order.map((c) => [c, turn(w, c, toTurn(c === 'main' ? of : twinStep))]));
    return { w, main: d.get('main')!, twin: d.get(twin)! };
  });
  const records = await sut.records();
  const match = orders.find(
    (o) =>
      sameDecisions(o.main, seenMain) &&
      sameDecisions(o.twin, seenTwin) &&
      expectedRecords(o.w).refunds.join() === records.refunds.join(),
  );
  if (match) run.world = match.w;
  else {
    const o = orders[0]!;
    problems.push(
      ...compareDecisions(`${where} (main)`, of, o.main, seenMain),
      ...compareDecisions(`${where} (${twin})`, twinStep, o.twin, seenTwin),
    );
    if (problems.length === 0) problems.push(`${where}: outcome matches neither order of the two turns`);
    run.world = o.w;
  }
  return problems;
}

/**
 * A customer turn while operators act on the conversation (operator actions take no lease): the
 * outcome must be that of the turn first or the actions first, model calls included (I15) — or,
 * when the turn's text decides something in code before any model call (a trigger, an answer to
 * the offer), of that code-level part first, then the actions, then no model call: the answer's
 * refund is durable before the model is asked anything, and a person who took over in between
 * stops the rest of the turn.
 */
async function interruptStep(
  sut: Sut,
  run: Run,
  where: string,
  of: TurnStep,
  calls: OperatorCall[],
): Promise<string[]> {
  const mark = await sut.mark();
  const before = sut.model.calls;
  const [sent, acted] = await Promise.all([sut.send('main', of), sut.operate('main', calls, false)]);
  const seen = await sut.proposalsSince('main', mark);
  const modelCalls = sut.model.calls - before;
  const records = await sut.records();
  const serial = [true, false].map((turnFirst) => {
    const w = cloneWorld(run.world);
    const act = () => calls.map((c) => operate(w, 'main', c.role, c.action));
    const ops = turnFirst ? [] : act();
    const agent = modelRuns(w, 'main');
    const decisions = turn(w, 'main', toTurn(of));
    if (turnFirst) ops.push(...act());
    return { w, agent, decisions, ops, label: turnFirst ? 'the turn first' : 'the operator first' };
  });
  if (of.trigger || of.answer !== 'unclear') {
    // the code-level part of the turn (no proposals: the model is never asked), then the actions
    const w = cloneWorld(run.world);
    const decisions = turn(w, 'main', { ...toTurn(of), proposals: [] });
    const ops = calls.map((c) => operate(w, 'main', c.role, c.action));
    serial.push({ w, agent: false, decisions, ops, label: "the turn's code-level part, then the operator" });
  }
  const agrees = (o: (typeof serial)[number]) => {
    const want = expectedRecords(o.w);
    return (
      sameDecisions(o.decisions, seen) &&
      o.ops.join() === acted.join() &&
      o.agent === modelCalls > 0 &&
      want.refunds.join() === records.refunds.join() &&
      want.tickets.join() === records.tickets.join() &&
      statusOf(o.w, 'main') === records.status
    );
  };
  if (sent.busy) return [`${where}: refused as busy with no other turn running`];
  const match = serial.find(agrees);
  run.world = (match ?? serial[0]!).w;
  if (match) return [];
  const show = (o: (typeof serial)[number]) =>
    `  ${o.label}: proposals [${o.decisions.join(', ')}], operator [${o.ops.join(', ')}], ` +
    `model ${o.agent ? 'called' : 'not called'}, ` +
    `records ${JSON.stringify({ ...expectedRecords(o.w), status: statusOf(o.w, 'main') })}`;
  return [
    `${where}: matches neither serial order; seen: proposals [${seen.map(showSeen).join('; ')}], ` +
      `operator [${acted.join(', ')}], ${modelCalls} model call(s), records ${JSON.stringify(records)}`,
    ...serial.map(show),
  ];
}

/** Refunds, tickets and status in the database against the oracle's. */
export async function compareRecords(sut: Sut, world: World, where: string): Promise<string[]> {
  const seen = await sut.records();
  const want = expectedRecords(world);
  const problems: string[] = [];
  const list = (xs: string[]) => `[${xs.join(', ')}]`;
  if (list(seen.refunds) !== list(want.refunds))
    problems.push(`after ${where}: refunds must be ${list(want.refunds)}, are ${list(seen.refunds)}`);
  if (list(seen.tickets) !== list(want.tickets))
    problems.push(`after ${where}: tickets must be ${list(want.tickets)}, are ${list(seen.tickets)}`);
  const status = statusOf(world, 'main');
  if (seen.status !== status)
    problems.push(`after ${where}: status must be ${status}, is ${seen.status} (machine state ${seen.state})`);
  return problems;
}

/** applyStep, with an exception turned into a problem (a crash is a violation too, and must be readable). */
export async function safeStep(sut: Sut, run: Run, step: Step, index: number): Promise<string[]> {
  try {
    return await applyStep(sut, run, step, index);
  } catch (error) {
    const e = error as Error;
    return [`step ${index + 1} ${step.name} threw ${e?.name ?? 'Error'}: ${String(e?.message ?? e).slice(0, 300)}`];
  }
}

/** Plays a whole sequence from the start checkpoint; stops at the first failing step (`at`, or -1). */
export async function playSequence(
  sut: Sut,
  start: Checkpoint,
  names: string[],
): Promise<{ problems: string[]; at: number; refunds: number }> {
  await sut.restore(start);
  const run = newRun(sut);
  for (let i = 0; i < names.length; i++) {
    const problems = await safeStep(sut, run, stepNamed(names[i]!), i);
    if (problems.length) return { problems, at: i, refunds: run.world.refunds.size };
  }
  return { problems: [], at: -1, refunds: run.world.refunds.size };
}

/** A counterexample, readable: the steps by name and what they do, then what went wrong. */
export function formatCounterexample(title: string, names: string[], problems: string[]): string {
  const width = Math.max(...names.map((n) => n.length));
  return [
    `${title} (${names.length} step${names.length === 1 ? '' : 's'}):`,
    ...names.map((n, i) => `  ${String(i + 1).padStart(2)}. ${n.padEnd(width)}  ${describe(stepNamed(n))}`),
    ...problems.map((p) => `  ✗ ${p}`),
  ].join('\n');
}
