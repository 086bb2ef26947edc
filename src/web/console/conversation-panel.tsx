/** One conversation as an operator sees it: actions the machine accepts now, transcript, audit, chart. */
import { useState } from 'preact/hooks';
import { MessageItem } from '../shared/components.js';
import type { OperatorView } from '../shared/contract.js';
import { formatDateTime, formatTime, formatUsd } from '../shared/format.js';
import type { Action, ConsoleSession, ConsoleState } from './console-session.js';

function ApprovalCard(props: { view: OperatorView; s: ConsoleState; act: (a: Action) => void }) {
  const { view, s, act } = props;
  const [note, setNote] = useState('');
  const approval = view.approval;
  if (!approval) return null;
  const what = `${formatUsd(approval.amount)} for order ${approval.order_id}`;
  const canApprove = view.allowed.includes('operator.approve');
  const canDeny = view.allowed.includes('operator.deny');
  const base = { requestId: approval.request_id, digest: approval.digest };
  const denyNote = note.trim() ? { note: note.trim() } : {};
  return (
    <div class="card approval">
      <h3>Refund approval: {what}</h3>
      <p>
        Reason {approval.reason}; request {approval.request_id}
        {approval.ticket_id ? `, ticket ${approval.ticket_id}` : ''}; decide before{' '}
        <time dateTime={approval.deadline}>{formatDateTime(approval.deadline)}</time>.
      </p>
      {canApprove || canDeny ? (
        <>
          <label for="approval-note">Note for the customer (optional, sent with a denial)</label>
          <input id="approval-note" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </>
      ) : (
        <p class="notice">A supervisor decides this request.</p>
      )}
      <div class="actions">
        {canApprove ? (
          <button type="button" disabled={s.busy !== null} onClick={() => act({ event: 'operator.approve', ...base })}>
            Approve refund of {what}
          </button>
        ) : null}
        {canDeny ? (
          <button
            type="button"
            class="danger"
            disabled={s.busy !== null}
            onClick={() => act({ event: 'operator.deny', ...base, ...denyNote })}
          >
            Deny refund of {what}
          </button>
        ) : null}
      </div>
    </div>
  );
}

function ReplyForm(props: { s: ConsoleState; act: (a: Action) => void }) {
  const [message, setMessage] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    if (!message.trim()) return;
    props.act({ event: 'operator.reply', message: message.trim() });
    setMessage('');
  };
  return (
    <form class="card reply" onSubmit={submit}>
      <label for="reply">Reply to the customer</label>
      <textarea
        id="reply"
        rows={3}
        maxLength={4000}
        value={message}
        onInput={(e) => setMessage(e.currentTarget.value)}
      />
      <button type="submit" disabled={props.s.busy !== null || !message.trim()}>
        Send reply
      </button>
    </form>
  );
}

function Actions(props: { view: OperatorView; s: ConsoleState; act: (a: Action) => void }) {
  const { view, s, act } = props;
  const allowed = new Set(view.allowed);
  const simple = (event: 'operator.takeover' | 'operator.handback' | 'operator.resolve', label: string) =>
    allowed.has(event) ? (
      <button type="button" class="secondary" disabled={s.busy !== null} onClick={() => act({ event })}>
        {label}
      </button>
    ) : null;
  const any = view.allowed.some((a) => a.startsWith('operator.'));
  return (
    <section class="panel-actions" aria-labelledby="actions-title">
      <h3 id="actions-title">Actions</h3>
      {!any ? <p class="notice">Nothing can be done by a person in this state.</p> : null}
      <ApprovalCard view={view} s={s} act={act} />
      <div class="actions">
        {simple('operator.takeover', 'Take over')}
        {simple('operator.handback', 'Hand back to the assistant')}
        {simple('operator.resolve', 'Mark resolved')}
      </div>
      {allowed.has('operator.reply') ? <ReplyForm s={s} act={act} /> : null}
      <p role="status" class="action-status">
        {s.busy ? 'Sending…' : (s.actionNotice ?? '')}
      </p>
      {s.actionError ? (
        <p class="error" role="alert">
          {s.actionError}
        </p>
      ) : null}
    </section>
  );
}

function Proposals(props: { view: OperatorView }) {
  if (props.view.proposals.length === 0) return <p class="notice">No tool proposals yet.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption>Every tool call the model proposed, with the machine's decision</caption>
        <thead>
          <tr>
            <th scope="col">Tool</th>
            <th scope="col">Input</th>
            <th scope="col">State</th>
            <th scope="col">Decision</th>
            <th scope="col">Reason</th>
            <th scope="col">Invariant</th>
            <th scope="col">At</th>
          </tr>
        </thead>
        <tbody>
          {props.view.proposals.map((p, i) => (
            <tr key={i} class={`decision-${p.decision}`}>
              <td>{p.tool}</td>
              <td>
                <code>{JSON.stringify(p.input)}</code>
              </td>
              <td>{p.state}</td>
              <td>{p.decision}</td>
              <td>{p.reason}</td>
              <td>{p.invariant ?? ''}</td>
              <td>
                <time dateTime={p.at}>{formatTime(p.at)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Facts(props: { view: OperatorView }) {
  const { customer, escalation } = props.view;
  if (!customer && !escalation) return null;
  return (
    <dl class="facts">
      {customer ? (
        <>
          <dt>Customer</dt>
          <dd>
            {customer.name} &lt;{customer.email}&gt;, account {customer.status}
          </dd>
        </>
      ) : null}
      {escalation ? (
        <>
          <dt>Escalation</dt>
          <dd>
            <span class={`prio prio-${escalation.priority}`}>{escalation.priority}</span> {escalation.reason}
            {escalation.ticket_id ? ` (ticket ${escalation.ticket_id})` : ''}: {escalation.summary}
          </dd>
        </>
      ) : null}
    </dl>
  );
}

export function ConversationPanel(props: { session: ConsoleSession; s: ConsoleState }) {
  const { session, s } = props;
  const act = (a: Action) => void session.act(a);
  if (!s.selected) return <p class="notice">Choose a conversation in the queue.</p>;
  const view = s.view;
  return (
    <div class="panel">
      <div class="panel-head">
        <h2 id="conversation-title">Conversation {s.selected}</h2>
        <button type="button" class="secondary" onClick={() => session.close()}>
          Close
        </button>
      </div>
      {s.viewError ? (
        <p class="error" role="alert">
          {s.viewError}
        </p>
      ) : null}
      {!view ? (
        s.viewError ? null : (
          <p class="notice">Loading…</p>
        )
      ) : (
        <>
          <p>
            State <strong>{view.state}</strong>, status <strong>{view.status}</strong>
            {view.takeover ? `, held by ${view.takeover.operator} since ${formatTime(view.takeover.since)}` : ''}.
            {s.live === 'retrying' ? ' Reconnecting for live updates…' : ''}
          </p>
          <Facts view={view} />
          <Actions view={view} s={s} act={act} />
          <section aria-labelledby="transcript-title">
            <h3 id="transcript-title">Transcript</h3>
            <ol class="transcript" aria-live="polite" aria-label="Transcript">
              {view.messages.map((m, i) => (
                <MessageItem key={`${i}|${m.at}`} message={m} view="operator" />
              ))}
            </ol>
          </section>
          <section aria-labelledby="chart-title">
            <h3 id="chart-title">Statechart</h3>
            {s.chartUrl ? (
              <a href={s.chartUrl} target="_blank" rel="noopener" title="Open the statechart full size">
                <img
                  class="chart"
                  src={s.chartUrl}
                  alt={`Statechart of this conversation, now in state ${view.state}`}
                />
              </a>
            ) : (
              <p class="notice">The statechart is not available.</p>
            )}
          </section>
          <section aria-labelledby="proposals-title">
            <h3 id="proposals-title">Proposals</h3>
            <Proposals view={view} />
          </section>
          <section aria-labelledby="records-title">
            <h3 id="records-title">Refunds and tickets</h3>
            <ul>
              {view.refunds.map((r) => (
                <li key={r.refund_id}>
                  Refund {r.refund_id}: {formatUsd(r.amount)} for {r.order_id} ({r.reason})
                </li>
              ))}
              {view.tickets.map((t) => (
                <li key={t.ticket_id}>
                  Ticket {t.ticket_id} ({t.priority}), opened {formatTime(t.created_at)}
                </li>
              ))}
              {view.refunds.length + view.tickets.length === 0 ? <li>None.</li> : null}
            </ul>
          </section>
        </>
      )}
    </div>
  );
}
