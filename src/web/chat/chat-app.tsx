/** The customer chat page. */
import { useEffect, useRef } from 'preact/hooks';
import { ErrorNotice, MessageItem } from '../shared/components.js';
import { formatUsd } from '../shared/format.js';
import { useStore } from '../shared/hooks.js';
import type { ChatSession, ChatState } from './chat-session.js';

const ACTION_LABELS = { retry: 'Try again', reload: 'Reload the conversation', new: 'Start a new conversation' };

function Offer(props: { state: ChatState; onAnswer: (answer: 'Yes' | 'No') => void }) {
  const { awaiting, sending } = props.state;
  if (awaiting?.kind === 'confirmation')
    return (
      <section class="offer" aria-labelledby="offer-title">
        <h2 id="offer-title">
          Refund offer: {formatUsd(awaiting.amount)} for order {awaiting.order_id}
        </h2>
        <p>{awaiting.text}</p>
        <div class="actions">
          <button type="button" onClick={() => props.onAnswer('Yes')} disabled={sending}>
            Yes
          </button>
          <button type="button" class="secondary" onClick={() => props.onAnswer('No')} disabled={sending}>
            No
          </button>
        </div>
      </section>
    );
  if (awaiting?.kind === 'approval')
    return (
      <p class="notice">
        A supervisor is reviewing your refund of {formatUsd(awaiting.amount)} for order {awaiting.order_id}. You can
        keep this page open: the answer will appear here.
      </p>
    );
  if (awaiting?.kind === 'code')
    return <p class="notice">We have emailed you a one-time code: type it in your next message.</p>;
  return null;
}

function Refunds(props: { state: ChatState }) {
  if (props.state.refunds.length === 0) return null;
  const words = {
    processed: 'refunded',
    confirming: 'being confirmed with the bank',
    declined: 'declined by the bank',
  };
  return (
    <section class="refunds" aria-labelledby="refunds-title">
      <h2 id="refunds-title">Your refunds</h2>
      <ul>
        {props.state.refunds.map((r) => (
          <li key={r.order_id}>
            Order {r.order_id}: {formatUsd(r.amount)} {words[r.status]}
            {r.refund_id ? ` (reference ${r.refund_id})` : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}

function StatusLine(props: { state: ChatState }) {
  const { status, live, awaiting } = props.state;
  const person = awaiting?.kind === 'person' ? awaiting.operator.trim() : null;
  return (
    <p class="status">
      {person !== null
        ? `${person ? `${person} from our support team` : 'A member of our support team'} is with you now. `
        : ''}
      {person === null && status === 'escalated' && awaiting?.kind !== 'approval'
        ? 'A member of our support team will continue this conversation. '
        : ''}
      {status === 'resolved' ? 'This conversation is resolved; you can still write to us. ' : ''}
      {live === 'retrying' ? 'Reconnecting for live updates…' : ''}
    </p>
  );
}

export function ChatApp(props: { session: ChatSession }) {
  const { session } = props;
  const s = useStore(session);
  const listRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const list = listRef.current;
    list?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [s.entries.length, s.streaming, s.awaiting]);

  const submit = (event: Event) => {
    event.preventDefault();
    void session.send(s.draft);
  };
  const startNew = () => {
    session.newConversation();
    inputRef.current?.focus();
  };

  return (
    <div class="chat">
      <header class="bar">
        <h1>Customer support</h1>
        <button type="button" class="secondary" onClick={startNew}>
          New conversation
        </button>
      </header>
      <main class="chat-main">
        <p class="intro">
          Hi! Tell us what happened. If it is about an order, include your email address and the order number (for
          example ORD-1234).
        </p>
        {s.restoring ? <p class="notice">Loading your conversation…</p> : null}
        <ol class="transcript" ref={listRef} aria-live="polite" aria-label="Conversation">
          {s.entries.map((e) => (
            <MessageItem key={e.key} message={e} view="customer" pending={e.pending} />
          ))}
          {s.sending && s.streaming !== null ? (
            <MessageItem message={{ role: 'agent', text: s.streaming, at: '' }} view="customer" pending busy />
          ) : null}
        </ol>
        {s.sending && !s.streaming ? <p class="typing">The assistant is answering…</p> : null}
        <Refunds state={s} />
        <Offer state={s} onAnswer={(answer) => void session.send(answer)} />
        <StatusLine state={s} />
        {s.error ? (
          <ErrorNotice
            message={s.error.message}
            retryAt={s.error.retryAt}
            actionLabel={s.error.action === 'dismiss' ? null : ACTION_LABELS[s.error.action]}
            onAction={() => void session.recover()}
            onDismiss={() => session.dismissError()}
          />
        ) : null}
        <form class="composer" onSubmit={submit}>
          <label for="message">Your message</label>
          <div class="composer-row">
            <textarea
              id="message"
              ref={inputRef}
              rows={2}
              maxLength={4000}
              value={s.draft}
              aria-describedby="message-hint"
              onInput={(e) => session.setDraft(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e);
              }}
            />
            <button type="submit" disabled={s.sending || s.draft.trim() === ''}>
              Send
            </button>
          </div>
          <p id="message-hint" class="hint">
            Enter sends; Shift+Enter starts a new line.
          </p>
        </form>
      </main>
    </div>
  );
}
