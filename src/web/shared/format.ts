/** Small display helpers shared by the two pages. */
import type { ChatMessage } from './contract.js';

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** 89.99 → "$89.99" */
export const formatUsd = (amount: number): string => usd.format(amount);

/** 45 → "45 s", 190 → "3 min", 7500 → "2 h 5 min". */
export function formatWait(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

/** "14:05" in the reader's locale; the ISO string when it cannot be parsed. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** "Dec 2, 14:05" in the reader's locale; the ISO string when it cannot be parsed. */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** Who said it, in words; `you` is what the reader is called (the customer or the operator). */
export function speaker(message: Pick<ChatMessage, 'role' | 'author'>, view: 'customer' | 'operator'): string {
  switch (message.role) {
    case 'customer':
      return view === 'customer' ? 'You' : 'Customer';
    case 'agent':
      return 'Assistant (automated)';
    case 'operator':
      return `${message.author?.trim() || 'A member of our team'} (support team)`;
    case 'system':
      return 'Notice';
  }
}
