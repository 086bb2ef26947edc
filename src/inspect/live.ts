/**
 * Live inspection: committed facts go to a Stately inspector relay as they happen, through
 * @statelyai/inspect's WebSocket inspector. Off unless the composition root creates one
 * (SUPPORT_INSPECT=ws://host:port). Nothing here can fail a turn: errors go to `onError`.
 */
import { createWebSocketInspector } from '@statelyai/inspect';
import type { AnyStateMachine } from 'xstate';
import { initialSnapshot, valueString } from './fold.js';
import { createInspectionChannel, feedLog, type ConversationFeed } from './inspection.js';
import type { ConversationLog, Fact } from './types.js';

export interface LiveInspectorOptions {
  /** The relay, e.g. ws://127.0.0.1:8790 (`npm run inspect`). */
  url: string;
  machine: AnyStateMachine;
  /**
   * A conversation's whole log, read when it is first seen in this process, so the inspector gets
   * its earlier facts too (e.g. `(id) => conversationLog(store, id)`). Without it, a conversation
   * first seen mid-way starts at its first new fact's `from` state with an initial context.
   */
  history?: (conversationId: string) => Promise<ConversationLog | null>;
  /**
   * Messages held while the relay is not connected (the package's default of 200 would drop the
   * start of a long conversation, definition included). Default 20,000: about 10,000 facts.
   */
  maxDeferredMessages?: number;
  /** Conversations remembered, default 10,000 (least recently active forgotten first; seen again, definition again). */
  maxConversations?: number;
  onError?: (error: unknown) => void;
}

export interface LiveInspector {
  /** Sends a conversation's newly committed facts (the definition first for a conversation not seen yet). */
  committed(conversationId: string, facts: readonly Fact[]): Promise<void>;
  /** Closes the connection to the relay. */
  stop(): void;
}

/**
 * Creates the live inspector; it connects to the relay at once and retries every 5 s while it
 * cannot. Known limit of @statelyai/inspect 0.7.2's adapter: once connected, a relay that goes
 * away is not reconnected (messages are held, up to maxDeferredMessages): restart the server.
 */
export function createLiveInspector(options: LiveInspectorOptions): LiveInspector {
  const { machine, history } = options;
  const maxConversations = options.maxConversations ?? 10_000;
  const onError =
    options.onError ?? ((error: unknown) => process.stderr.write(`inspect: ${(error as Error)?.message ?? error}\n`));
  const channel = createInspectionChannel(machine, (inspectorOptions) =>
    createWebSocketInspector({
      ...inspectorOptions,
      url: options.url,
      maxDeferredEvents: options.maxDeferredMessages ?? 20_000,
    }),
  );
  const feeds = new Map<string, ConversationFeed>();
  // one conversation's facts are sent in commit order, even across an async history read
  const chains = new Map<string, Promise<void>>();

  function remember(id: string, feed: ConversationFeed): void {
    feeds.delete(id);
    feeds.set(id, feed);
    while (feeds.size > maxConversations) {
      const oldest = feeds.keys().next().value;
      if (oldest === undefined) break;
      feeds.delete(oldest);
    }
  }

  async function open(id: string, first: Fact): Promise<ConversationFeed> {
    const log = history ? await history(id) : null;
    if (log) return feedLog(channel, log);
    const input = { conversationId: id };
    const initial = initialSnapshot(machine, input);
    const start =
      valueString(initial.value) === first.from ? undefined : { state: first.from, context: initial.context };
    return channel.open(id, input, first.at, start);
  }

  async function deliver(id: string, facts: readonly Fact[]): Promise<void> {
    const first = facts[0];
    if (!first) return;
    const feed = feeds.get(id) ?? (await open(id, first));
    for (const fact of facts) feed.push(fact);
    remember(id, feed);
  }

  return {
    committed(conversationId, facts) {
      const previous = chains.get(conversationId) ?? Promise.resolve();
      const next = previous.then(() => deliver(conversationId, facts)).catch(onError);
      chains.set(conversationId, next);
      void next.finally(() => {
        if (chains.get(conversationId) === next) chains.delete(conversationId);
      });
      return next;
    },
    stop: () => channel.inspector.stop(),
  };
}
