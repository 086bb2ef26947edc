/** The operator console page: sign-in, the queue, one conversation. */
import { useState } from 'preact/hooks';
import type { QueueItem } from '../shared/contract.js';
import { formatUsd, formatWait } from '../shared/format.js';
import { useNow, useStore } from '../shared/hooks.js';
import type { ConsoleSession, ConsoleState } from './console-session.js';
import { ConversationPanel } from './conversation-panel.js';

const ADD_OPERATOR = 'npm run operator -- add <name> --role agent|supervisor';

function SignIn(props: { session: ConsoleSession; s: ConsoleState }) {
  const [token, setToken] = useState('');
  return (
    <main class="signin">
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void props.session.signIn(token);
        }}
      >
        <h2>Sign in</h2>
        <label for="token">Operator token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-describedby={props.s.signInError ? 'token-hint signin-error' : 'token-hint'}
        />
        <p id="token-hint" class="hint">
          Your own token (<code>{ADD_OPERATOR}</code>) or the server's <code>SUPPORT_ADMIN_TOKEN</code> (the supervisor
          admin). It is kept for this tab only.
        </p>
        <button type="submit" disabled={props.s.signingIn}>
          {props.s.signingIn ? 'Signing in…' : 'Sign in'}
        </button>
        {props.s.signInError ? (
          <p id="signin-error" class="error" role="alert">
            {props.s.signInError}
          </p>
        ) : null}
      </form>
    </main>
  );
}

function kindWords(item: QueueItem): string {
  if (item.kind === 'approval')
    return item.approval
      ? `needs approval: ${formatUsd(item.approval.amount)} for ${item.approval.order_id}`
      : 'needs approval';
  if (item.kind === 'takeover') return item.operator ? `held by ${item.operator}` : 'held by a person';
  return item.ticket_id ? `ticket ${item.ticket_id}` : 'ticket';
}

function Queue(props: { session: ConsoleSession; s: ConsoleState }) {
  const { session, s } = props;
  const now = useNow(1000);
  const elapsed = Math.max(0, (now - s.queueAt) / 1000);
  return (
    <section class="queue" aria-labelledby="queue-title">
      <h2 id="queue-title">Queue ({s.queue.length})</h2>
      {s.queueError ? (
        <p class="error" role="alert">
          {s.queueError}
        </p>
      ) : null}
      {s.queue.length === 0 ? (
        <p class="notice">Nobody is waiting.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Conversations waiting for a person, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Priority</th>
                <th scope="col">Reason</th>
                <th scope="col">Waiting</th>
                <th scope="col">
                  <span class="visually-hidden">Open</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {s.queue.map((item) => (
                <tr
                  key={`${item.conversation_id}|${item.kind}`}
                  aria-current={item.conversation_id === s.selected ? 'true' : undefined}
                >
                  <td>
                    <span class={`prio prio-${item.priority}`}>{item.priority}</span>
                  </td>
                  <td>
                    {item.reason}
                    <span class="kind">
                      {' '}
                      · {kindWords(item)} · {item.conversation_id.slice(0, 13)}
                    </span>
                  </td>
                  <td>{formatWait(item.wait_seconds + elapsed)}</td>
                  <td>
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => void session.select(item.conversation_id)}
                      aria-label={`Open conversation ${item.conversation_id} (${item.priority}, ${item.reason})`}
                    >
                      Open
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function ConsoleApp(props: { session: ConsoleSession }) {
  const { session } = props;
  const s = useStore(session);
  return (
    <div class="console">
      <header class="bar">
        <h1>Operator console</h1>
        {s.me ? (
          <div class="actions">
            <span class="who-am-i">
              Signed in as {s.me.name} ({s.me.role})
            </span>
            <button type="button" class="secondary" onClick={() => session.signOut()}>
              Sign out
            </button>
          </div>
        ) : null}
      </header>
      {s.me ? (
        <main class="console-main">
          <Queue session={session} s={s} />
          <section class="conversation" aria-labelledby={s.selected ? 'conversation-title' : undefined}>
            <ConversationPanel session={session} s={s} />
          </section>
        </main>
      ) : (
        <SignIn session={session} s={s} />
      )}
    </div>
  );
}
