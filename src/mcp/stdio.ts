/**
 * `npm run mcp`: the MCP server over stdio, for a local client such as Claude Desktop. It builds
 * everything with `assemble()` (the same store, backends and runtime as the server), starts a
 * conversation or continues one (`--conversation <id> --token <token>`, or SUPPORT_MCP_CONVERSATION
 * and SUPPORT_MCP_TOKEN), and serves the same tools as `/mcp` for that conversation.
 *
 * stdout carries the protocol, so everything meant for a person goes to stderr: the conversation
 * id, its token (once, when it is new) and, with the development mailbox, each code "sent".
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { parseCliArgs } from '../args.js';
import { createMailEcho } from '../backends/mail-echo.js';
import { loadConfig, type Config } from '../config.js';
import { assemble } from '../main.js';
import { createSupportMcpServer } from './server.js';

const USAGE = 'usage: npm run mcp [-- --conversation <id> --token <token>]';
const say = (text: string) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);

async function main(): Promise<void> {
  // nothing but the protocol may reach stdout
  console.log = console.error;
  console.info = console.error;
  const { values } = parseCliArgs({
    options: { conversation: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) return void say(USAGE);
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    say((error as Error).message);
    process.exit(2);
  }
  const conversationId = values.conversation ?? config.SUPPORT_MCP_CONVERSATION;
  const givenToken = values.token ?? config.SUPPORT_MCP_TOKEN;
  if ((conversationId === undefined) !== (givenToken === undefined)) {
    say(`give both the conversation id and its token (${USAGE})`);
    process.exit(2);
  }

  // like `npm run chat`, this does not own the embedded store: it can run beside a server on ./data
  const { runtime, db, mailbox } = await assemble(config);
  await runtime.recoverPendingEffects();
  let credentials: { conversationId: string; token: string };
  if (conversationId !== undefined && givenToken !== undefined) {
    try {
      await runtime.authoriseToken(conversationId, givenToken);
    } catch {
      say(`conversation ${conversationId} not found, or the token is not its token`);
      await db.close();
      process.exit(2);
    }
    credentials = { conversationId, token: givenToken };
    say(`support-agent MCP (stdio): continuing conversation ${conversationId} (store: ${db.description})`);
  } else {
    const created = await runtime.createConversation();
    credentials = { conversationId: created.conversation_id, token: created.token };
    say(`support-agent MCP (stdio): conversation ${created.conversation_id} (store: ${db.description})`);
    say(`  its token (shown once): ${created.token}`);
    say(`  continue it later with: npm run mcp -- --conversation ${created.conversation_id} --token <token>`);
  }

  // the development mailbox: show each code as it is "sent" (Claude Desktop keeps stderr in its MCP log)
  const echo = mailbox ? createMailEcho(mailbox, say) : null;
  await echo?.prime();
  const server = createSupportMcpServer(runtime, { credentials: () => credentials });
  const poll = echo ? setInterval(() => void echo.flush().catch(() => {}), 500) : null;
  poll?.unref();

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    if (poll) clearInterval(poll);
    await echo?.flush().catch(() => {});
    await server.close().catch(() => {});
    await runtime.drain(5_000);
    await db.close();
    process.exit(0);
  };
  process.stdin.on('end', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  await server.connect(new StdioServerTransport());
}

main().catch((error) => {
  say(`support-agent MCP failed to start: ${(error as Error).message}`);
  process.exit(1);
});
