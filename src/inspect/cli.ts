/**
 * Inspection commands (a composition point: the one place here that names the machine and the store):
 *   inspect [--port 8790] [--replay <conversation-id>]   the inspector relay on 127.0.0.1
 *   replay [--json]                                       every stored conversation through the current machine
 *   chart [--out docs/statechart.svg]                     the statechart for the README
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { stdout } from 'node:process';
import { WebSocket } from 'ws';
import { conversationMachine } from '../machines/conversation.machine.js';
import { assemble } from '../main.js';
import { restore } from '../runtime/machine-steps.js';
import { statechartSvg } from './chart-svg.js';
import { inspectionEvents, type InspectionMessage } from './inspection.js';
import { conversationLog } from './log.js';
import { DEFAULT_RELAY_PORT, startRelay, type Relay } from './relay.js';
import { formatReplay, replayStore } from './replay-check.js';

const machine = conversationMachine;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

async function storedMessages(id: string): Promise<{ messages: InspectionMessage[]; facts: number }> {
  const { runtime, db } = await assemble();
  try {
    const log = await conversationLog(runtime.store, id);
    if (!log) throw new Error(`no conversation ${id} in ${db.description}`);
    return { messages: inspectionEvents(machine, log).map((m) => m.message), facts: log.facts.length };
  } finally {
    await db.close();
  }
}

/** Sends messages to a relay that already runs (another `npm run inspect`), then disconnects. */
async function sendToRelay(url: string, messages: InspectionMessage[]): Promise<void> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolveOpen, reject) => {
    socket.once('open', () => resolveOpen());
    socket.once('error', reject);
  });
  for (const m of messages) socket.send(JSON.stringify(m));
  await new Promise<void>((done) => {
    socket.once('close', () => done());
    socket.close(); // the close frame goes after the queued messages
  });
}

async function inspect(args: string[]): Promise<void> {
  const port = Number(option(args, '--port') ?? DEFAULT_RELAY_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be a port number');
  const replayId = option(args, '--replay');
  let relay: Relay;
  try {
    relay = await startRelay({ port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !replayId) throw error;
    const { messages, facts } = await storedMessages(replayId);
    await sendToRelay(`ws://127.0.0.1:${port}`, messages);
    stdout.write(
      `replayed ${replayId} (${facts} facts, ${messages.length} messages) into the relay already on port ${port}\n`,
    );
    return;
  }
  stdout.write(
    [
      `Inspector relay on ${relay.wsUrl} (loopback only; nothing is opened for you).`,
      `Open in a browser with internet access (it embeds the Stately inspector): ${relay.pageUrl}`,
      `  or the hosted inspector pointed at the relay: ${relay.inspectorUrl}`,
      `Start the support server with:  SUPPORT_INSPECT=${relay.wsUrl} npm start`,
      '',
    ].join('\n'),
  );
  if (replayId) {
    const { messages, facts } = await storedMessages(replayId);
    for (const m of messages) relay.publish(m);
    stdout.write(
      `replayed ${replayId}: ${facts} facts, ${messages.length} messages (kept for viewers that connect later)\n`,
    );
  }
  const stop = () => void relay.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function replay(args: string[]): Promise<void> {
  const { runtime, db } = await assemble();
  try {
    const reports = await replayStore(runtime.store, machine, restore);
    const { lines, ok } = formatReplay(reports);
    stdout.write(args.includes('--json') ? `${JSON.stringify(reports, null, 2)}\n` : `${lines.join('\n')}\n`);
    if (!ok) process.exitCode = 1;
  } finally {
    await db.close();
  }
}

async function chart(args: string[]): Promise<void> {
  const out = resolve(option(args, '--out') ?? 'docs/statechart.svg');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, await statechartSvg(machine));
  stdout.write(`wrote ${out}\n`);
}

const commands: Record<string, (args: string[]) => Promise<void>> = { inspect, replay, chart };
const [command = 'inspect', ...rest] = process.argv.slice(2);
const handler = commands[command];
const run = handler
  ? handler(rest)
  : Promise.reject(new Error(`unknown command "${command}" (use: ${Object.keys(commands).join(' | ')})`));
run.catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
