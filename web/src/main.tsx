// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * Entry: wires the transport and the model, and renders the views. The
 * session is an HttpOnly cookie the server set at /login, so no credential
 * is ever visible to scripts or kept in the address bar.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { STREAM_WINDOW_QUERY } from '@keepalive-dashboard/shared';

import { DashboardModel } from './model/dashboard.js';
import { syncUrlState } from './model/url-state.js';
import { ApiClient } from './transport/api.js';
import { StreamTransport } from './transport/stream-transport.js';
import { App } from './view/App.js';
import { EnvContext } from './view/context.js';
import { FrameClock } from './view/frame-clock.js';
import './styles.css';

const api = new ApiClient((input, init) => window.fetch(input, init));
let model: DashboardModel | null = null;
const stream = new StreamTransport({
  url: `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/stream?${STREAM_WINDOW_QUERY}`,
  createSocket: (url) => new WebSocket(url),
  onFrame: (frame) => model?.onFrame(frame),
  onStatus: (status) => model?.onLinkStatus(status),
  onOpen: () => model?.onStreamOpen(),
});
model = new DashboardModel({ api, stream, windowed: true });
const frames = new FrameClock(model.now, {
  request: (callback) => window.requestAnimationFrame(callback),
  cancel: (handle) => window.cancelAnimationFrame(handle),
});
// Before start: the first window the stream asks for is already the shared URL's view.
syncUrlState(model, {
  search: () => window.location.search,
  replace: (query) => window.history.replaceState(window.history.state, '', `${window.location.pathname}${query}${window.location.hash}`),
  setTimer: (callback, ms) => window.setTimeout(callback, ms),
  clearTimer: (handle) => window.clearTimeout(handle as number),
});
model.start();

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <EnvContext.Provider value={{ model, frames }}>
      <App />
    </EnvContext.Provider>
  </StrictMode>,
);
