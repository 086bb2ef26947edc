// @vitest-environment happy-dom
/**
 * useStore against a real preact render (happy-dom): a store that changes between the first render
 * and the moment preact runs the component's effects (the chat page's restore answered that fast
 * after a reload) must still be shown.
 */
import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it } from 'vitest';
import { useStore } from '../../src/web/shared/hooks.js';

class Store {
  state = { text: 'first' };
  private listeners = new Set<() => void>();
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(text: string): void {
    this.state = { text };
    for (const l of this.listeners) l();
  }
  get listening(): number {
    return this.listeners.size;
  }
}

function Show(props: { store: Store }) {
  return h('p', null, useStore(props.store).text);
}

describe('useStore', () => {
  it('shows a change made right after the first render, before the component subscribed', () => {
    const root = document.createElement('div');
    const store = new Store();
    act(() => {
      render(h(Show, { store }), root);
      store.set('changed before the effects ran');
    });
    expect(root.textContent).toBe('changed before the effects ran');
  });

  it('follows later changes and stops listening when unmounted', () => {
    const root = document.createElement('div');
    const store = new Store();
    act(() => render(h(Show, { store }), root));
    expect(root.textContent).toBe('first');
    act(() => store.set('second'));
    expect(root.textContent).toBe('second');
    expect(store.listening).toBe(1);
    act(() => render(null, root));
    expect(store.listening).toBe(0);
  });
});
