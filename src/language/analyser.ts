/** The NLP library the language decisions use (chosen by measurement: see README.md). */
export { winkAnalyser as analyser } from './analysers/wink.js';
