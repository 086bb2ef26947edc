/** Pieces both pages render: one transcript message, and an error line with its recovery button. */
import type { ChatMessage } from './contract.js';
import { formatTime, speaker } from './format.js';
import { useNow } from './hooks.js';

export function MessageItem(props: {
  message: ChatMessage;
  view: 'customer' | 'operator';
  pending?: boolean;
  busy?: boolean;
}) {
  const { message, view } = props;
  if (message.role === 'system')
    return (
      <li class="msg msg-system">
        <span class="visually-hidden">Notice: </span>
        {message.text}
      </li>
    );
  return (
    <li
      class={`msg msg-${message.role}${props.pending ? ' msg-pending' : ''}`}
      aria-busy={props.busy ? 'true' : undefined}
    >
      <span class="who">{speaker(message, view)}</span>
      <p class="text">{message.text}</p>
      {props.pending ? (
        props.busy ? null : (
          <span class="when">sending…</span>
        )
      ) : (
        <time class="when" dateTime={message.at}>
          {formatTime(message.at)}
        </time>
      )}
    </li>
  );
}

/** A failure in words; the button stays disabled until Retry-After has passed. */
export function ErrorNotice(props: {
  message: string;
  retryAt: number | null;
  actionLabel: string | null;
  onAction: () => void;
  onDismiss?: () => void;
}) {
  const now = useNow(500, props.retryAt !== null && props.retryAt > Date.now());
  const wait = props.retryAt === null ? 0 : Math.max(0, Math.ceil((props.retryAt - now) / 1000));
  return (
    <div class="error" role="alert">
      <p>
        {props.message}
        {wait > 0 ? ` You can try again in ${wait} s.` : ''}
      </p>
      <div class="actions">
        {props.actionLabel ? (
          <button type="button" onClick={props.onAction} disabled={wait > 0}>
            {props.actionLabel}
          </button>
        ) : null}
        {props.onDismiss ? (
          <button type="button" class="secondary" onClick={props.onDismiss}>
            Dismiss
          </button>
        ) : null}
      </div>
    </div>
  );
}
