/** Entry point of the operator console (GET /console). */
import { render } from 'preact';
import '../shared/base.css';
import './console.css';
import { ConsoleApp } from './console-app.js';
import { ConsoleSession } from './console-session.js';

const session = new ConsoleSession();
const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<ConsoleApp session={session} />, root);
  void session.start();
}
