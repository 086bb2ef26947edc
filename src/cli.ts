/**
 * support-agent CLI: `chat` (a terminal chat showing the machine state after each turn),
 * `serve` (the HTTP server, as `npm start`) and `machine` (the machine definition as JSON).
 */
import { createInterface } from 'node:readline/promises';
import { stdin, stdout } from 'node:process';
import { conversationMachine } from './machines/conversation.machine.js';
import { assemble, startServer } from './main.js';
import { operatorCommand } from './operators/cli.js';
import { createMailEcho } from './backends/mail-echo.js';

async function chat(args: string[]): Promise<void> {
  const stream = !args.includes('--no-stream');
  const { runtime, model, db, mailbox } = await assemble();
  await runtime.recoverPendingEffects();
  // the development mailbox: one-time codes mailed during the chat are printed here (SUPPORT_VERIFICATION=code)
  const echo = mailbox ? createMailEcho(mailbox, (t) => stdout.write(t)) : null;
  await echo?.prime();
  const { conversation_id, token, state } = await runtime.createConversation();
  stdout.write(`Support agent (model: ${model.name}, store: ${db.description})\n`);
  stdout.write(`Conversation ${conversation_id} [state: ${state}]. Type your message; /quit to leave.\n`);
  stdout.write('Try: Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.\n\n');
  const rl = createInterface({ input: stdin, output: stdout, terminal: stdin.isTTY === true });
  try {
    stdout.write('you> ');
    // the async iterator queues piped lines; question() would drop lines that arrive mid-turn
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === '/quit' || line === '/exit') break;
      if (!line) {
        stdout.write('you> ');
        continue;
      }
      stdout.write('agent> ');
      let streamed = false;
      const result = await runtime.sendMessage(conversation_id, token, line.slice(0, 4000), {
        stream,
        onEvent: (e) => {
          if (e.type === 'text') {
            streamed = true;
            stdout.write(e.text);
          } else if (e.type === 'tool_call') stdout.write(`\n  · ${e.name} proposed`);
          else if (e.type === 'tool_rejected') stdout.write(`\n  · ${e.name} refused: ${e.reason}\n  `);
          else if (e.type === 'tool_result') stdout.write(`\n  · ${e.name} ${e.is_error ? 'failed' : 'done'}\n  `);
        },
      });
      if (!streamed) stdout.write(result.reply);
      stdout.write(
        `\n  [state: ${result.state} | status: ${result.status} | model calls: ${result.usage.modelCalls}]\n`,
      );
      await echo?.flush();
      stdout.write('\nyou> ');
    }
  } finally {
    rl.close();
    await db.close();
  }
}

/** Prints the machine definition (states, guards and actions by name) for the Stately editor/inspector. */
async function machine(): Promise<void> {
  stdout.write(`${JSON.stringify(conversationMachine.toJSON(), null, 2)}\n`);
}

/** `operator add <name> --role …`, `operator list`, `operator revoke <name>` on the configured store. */
async function operator(args: string[]): Promise<void> {
  const { operators, db } = await assemble();
  try {
    process.exitCode = await operatorCommand(operators, args, (line) => stdout.write(`${line}\n`));
  } finally {
    await db.close();
  }
}

const commands: Record<string, (args: string[]) => Promise<void>> = {
  chat,
  serve: () => startServer(),
  machine,
  operator,
};
const [command = 'chat', ...rest] = process.argv.slice(2);
const handler = commands[command];
const run = handler
  ? handler(rest)
  : Promise.reject(new Error(`unknown command "${command}" (use: ${Object.keys(commands).join(' | ')})`));
run.catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
