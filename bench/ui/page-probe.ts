/**
 * What runs inside the page, as source text: tsx would add helpers (such as
 * `__name`) to a function handed to page.evaluate, and the page has none.
 * web/src is not touched; everything here is injected by the browser.
 *
 * Load time, snapshot to painted table. The init script wraps the setter of
 * WebSocket.prototype.onmessage, so the transport's handler runs inside ours:
 * a frame is received when the page's message event fires (`receivedAt`; the
 * event's own timeStamp, when Blink made it, is kept as `createdAt`) and
 * handled when that handler returns (JSON.parse and the model; React renders
 * after it, in a microtask). A MutationObserver notes when the table's first
 * rows enter the DOM after the first snapshot (`rowsAt`). From there one
 * requestAnimationFrame callback — it runs just before that frame's style,
 * layout and paint — posts a MessageChannel message, and the message's task
 * runs once the frame has been painted: `paintedAt`, the first complete paint
 * of the table with rows. As a cross-check the first row's first cell is
 * given an `elementtiming` attribute before that paint, and the Element
 * Timing API reports when its text was presented (`elementPaintAt`).
 *
 * Frame time while scrolling. Every animation frame our rAF callback moves the
 * scroller's scrollTop on; the virtualizer hears the scroll event at the start
 * of the next frame and React renders the new window of rows. Setting
 * scrollTop forces layout, but ours is normally the frame's last rAF callback
 * (the live countdowns' FrameClock asked for its frame first, and each keeps
 * asking from its own callback), so the layout it forces is mostly the
 * frame's own, done earlier; the report's CDP layouts-per-frame figure shows
 * how many layouts a frame really had. The rAF timestamps give the
 * frame intervals (what a user sees; never below the display's 16.7 ms). The
 * main thread's work per frame is measured apart from the vsync: from the
 * frame's first scroll event (or our rAF callback, when none came) to the
 * task a MessageChannel message posted from the rAF callback gets, which runs
 * after that frame's paint. Of that work, the scroll handlers' share (the
 * virtualizer re-renders React synchronously in its scroll listener) is timed
 * from a capture listener on window to a listener on the scroller added after
 * the virtualizer's; the rest is rAF callbacks (the live countdowns), style,
 * layout and paint.
 */

/** One WebSocket message as the page saw it; times are performance.now() ms. */
export interface StreamFrameSeen {
  type: string;
  bytes: number;
  createdAt: number;
  receivedAt: number;
  handledAt: number;
}

export interface LoadProbe {
  frames: StreamFrameSeen[];
  /** receivedAt of the first snapshot frame. */
  snapshotAt: number | null;
  snapshotBytes: number | null;
  snapshotHandledAt: number | null;
  rowsAt: number | null;
  rowsInDom: number;
  rafAt: number | null;
  paintedAt: number | null;
  elementPaintAt: number | null;
}

export interface LongFrame {
  startTime: number;
  durationMs: number;
  blockingMs: number;
  /** From the frame's rendering start (rAF, style, layout, paint) to its end. */
  renderMs: number;
  /** The longest script in the frame, by its invoker, as the browser attributes it. */
  topScript: string | null;
}

export interface ScrollProbe {
  /** Differences of consecutive rAF timestamps. */
  intervalsMs: number[];
  /** Main-thread work per frame, scroll event to after-paint task. */
  workMs: number[];
  /** Of that, the scroll event's handlers: the virtualizer's flushSync render and commit. */
  handlersMs: number[];
  /** Long Animation Frames (> 50 ms) the browser reported during the scroll. */
  longFrames: LongFrame[];
  longFramesSupported: boolean;
  /** Stream messages that arrived during the scroll. */
  streamFrames: StreamFrameSeen[];
  scrolledPx: number;
  /** performance.now() when the scroll began. */
  startedAt: number;
  elapsedMs: number;
}

const FIRST_ROW = 'table.connections tbody tr.row';

export const PROBE_INIT_SCRIPT = `(() => {
  if (window.__kaBench) return;
  const probe = {
    frames: [], snapshotAt: null, snapshotBytes: null, snapshotHandledAt: null,
    rowsAt: null, rowsInDom: 0, rafAt: null, paintedAt: null, elementPaintAt: null,
  };
  Object.defineProperty(window, '__kaBench', { value: probe });

  const native = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    configurable: true,
    enumerable: true,
    get() { return native.get.call(this); },
    set(handler) {
      if (typeof handler !== 'function') { native.set.call(this, handler); return; }
      native.set.call(this, function (event) {
        const receivedAt = performance.now();
        const data = typeof event.data === 'string' ? event.data : '';
        const match = /^\\{"type":"(\\w+)"/.exec(data.slice(0, 32));
        const type = match ? match[1] : '?';
        const first = type === 'snapshot' && probe.snapshotAt === null;
        if (first) { probe.snapshotAt = receivedAt; probe.snapshotBytes = data.length; }
        try {
          return handler.call(this, event);
        } finally {
          const handledAt = performance.now();
          if (first) probe.snapshotHandledAt = handledAt;
          probe.frames.push({ type, bytes: data.length, createdAt: event.timeStamp, receivedAt, handledAt });
        }
      });
    },
  });

  const rows = new MutationObserver(() => {
    if (probe.snapshotAt === null || probe.rowsAt !== null) return;
    const found = document.querySelectorAll(${JSON.stringify(FIRST_ROW)});
    if (found.length === 0) return;
    probe.rowsAt = performance.now();
    probe.rowsInDom = found.length;
    rows.disconnect();
    const cell = found[0].querySelector('td');
    if (cell) cell.setAttribute('elementtiming', 'ka-first-row');
    requestAnimationFrame(() => {
      probe.rafAt = performance.now();
      const painted = new MessageChannel();
      painted.port1.onmessage = () => { probe.paintedAt = performance.now(); };
      painted.port2.postMessage(null);
    });
  });
  rows.observe(document, { childList: true, subtree: true });

  if (PerformanceObserver.supportedEntryTypes.includes('element')) {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.identifier === 'ka-first-row' && probe.elementPaintAt === null) probe.elementPaintAt = entry.renderTime || entry.loadTime;
      }
    }).observe({ type: 'element', buffered: true });
  }
})();`;

/** Reads the probe; null until the table has been painted. */
export const READ_LOAD_PROBE = `(() => {
  const probe = window.__kaBench;
  return probe && probe.paintedAt !== null ? JSON.parse(JSON.stringify(probe)) : null;
})()`;

/** rAF intervals for `durationMs` with nothing scrolling: the display's own rhythm on this machine. */
export function idleIntervalsScript(durationMs: number): string {
  return `(async () => {
    const stamps = [];
    const t0 = performance.now();
    await new Promise((resolve) => {
      const step = (timestamp) => {
        stamps.push(timestamp);
        if (performance.now() - t0 < ${durationMs}) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    return stamps.slice(1).map((t, i) => t - stamps[i]);
  })()`;
}

/** Scrolls the table `pxPerFrame` each frame for `durationMs`, turning at either end; resolves to a ScrollProbe. */
export function scrollScript(durationMs: number, pxPerFrame: number): string {
  return `(async () => {
    const probe = window.__kaBench;
    const scroller = document.querySelector('[data-testid="table-scroll"]');
    const maxTop = scroller.scrollHeight - scroller.clientHeight;
    const framesBefore = probe.frames.length;
    const stamps = [];
    const workMs = [];
    const longFrames = [];
    let frameStart = null;
    const longFrame = (e) => {
      const longest = (e.scripts || []).reduce((a, b) => (a === null || b.duration > a.duration ? b : a), null);
      return {
        startTime: e.startTime,
        durationMs: e.duration,
        blockingMs: e.blockingDuration,
        renderMs: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
        topScript: longest ? longest.invoker + ' (' + Math.round(longest.duration) + ' ms)' : null,
      };
    };
    const handlersMs = [];
    let scrollAt = null;
    let handlersMsThisFrame = null;
    const onScroll = () => {
      scrollAt = performance.now();
      if (frameStart === null) frameStart = scrollAt;
    };
    const onScrolled = () => {
      if (scrollAt !== null) handlersMsThisFrame = (handlersMsThisFrame ?? 0) + performance.now() - scrollAt;
      scrollAt = null;
    };
    // Capture on window: runs before the virtualizer's listener on the scroller.
    window.addEventListener('scroll', onScroll, { capture: true, passive: true });
    // Added after the virtualizer's: runs once its flushSync render has committed.
    scroller.addEventListener('scroll', onScrolled, { passive: true });
    const longFramesSupported = PerformanceObserver.supportedEntryTypes.includes('long-animation-frame');
    const observer = longFramesSupported
      ? new PerformanceObserver((list) => {
          for (const e of list.getEntries()) longFrames.push(longFrame(e));
        })
      : null;
    if (observer) observer.observe({ type: 'long-animation-frame' });
    const painted = new MessageChannel();
    painted.port1.onmessage = () => {
      if (frameStart !== null) {
        workMs.push(performance.now() - frameStart);
        handlersMs.push(handlersMsThisFrame ?? 0);
      }
      frameStart = null;
      handlersMsThisFrame = null;
    };
    let top = scroller.scrollTop;
    let direction = 1;
    let scrolledPx = 0;
    const t0 = performance.now();
    await new Promise((resolve) => {
      const step = (timestamp) => {
        if (frameStart === null) frameStart = performance.now();
        stamps.push(timestamp);
        const next = top + direction * ${pxPerFrame};
        if (next > maxTop || next < 0) direction = -direction;
        top += direction * ${pxPerFrame};
        scroller.scrollTop = top;
        scrolledPx += ${pxPerFrame};
        painted.port2.postMessage(null);
        if (performance.now() - t0 < ${durationMs}) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    const elapsedMs = performance.now() - t0;
    // The last frame's after-paint task, and any long-frame entry still queued.
    await new Promise((resolve) => setTimeout(resolve, 200));
    window.removeEventListener('scroll', onScroll, { capture: true });
    scroller.removeEventListener('scroll', onScrolled);
    if (observer) {
      for (const e of observer.takeRecords()) longFrames.push(longFrame(e));
      observer.disconnect();
    }
    return {
      intervalsMs: stamps.slice(1).map((t, i) => t - stamps[i]),
      workMs,
      handlersMs,
      longFrames: longFrames.filter((f) => f.startTime >= t0),
      longFramesSupported,
      streamFrames: probe.frames.slice(framesBefore),
      scrolledPx,
      startedAt: t0,
      elapsedMs,
    };
  })()`;
}
