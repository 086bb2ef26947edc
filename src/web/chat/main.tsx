/** Entry point of the customer chat page (GET /). */
import { render } from 'preact';
import '../shared/base.css';
import './chat.css';
import { ChatApp } from './chat-app.js';
import { ChatSession } from './chat-session.js';

const session = new ChatSession();
const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<ChatApp session={session} />, root);
  void session.start();
}
