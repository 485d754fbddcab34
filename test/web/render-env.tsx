// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** What the view tests render with: a model in the page's context, and a table row on its own. */
import type { ReactNode } from 'react';
import { renderToString } from 'react-dom/server';
import type { ConnectionView } from '@keepalive-dashboard/shared';

import type { DashboardModel } from '../../web/src/model/dashboard.js';
import { Row } from '../../web/src/view/ConnectionTable.js';
import { EnvContext } from '../../web/src/view/context.js';
import { FrameClock } from '../../web/src/view/frame-clock.js';

/** Renders `node` to HTML as the page would, with `model` (and a frame clock that never ticks) in context. */
export function renderer(model: DashboardModel): (node: ReactNode) => string {
  const frames = new FrameClock(model.now, { request: () => 0, cancel: () => {} });
  return (node) => renderToString(<EnvContext.Provider value={{ model, frames }}>{node}</EnvContext.Provider>);
}

/** One unselected connection row, in the table it needs to be valid HTML. */
export const rowNode = (view: ConnectionView): ReactNode => (
  <table>
    <tbody>
      <Row view={view} index={0} selected={false} cursor={false} focusable urgencyClass="" onOpen={() => {}} />
    </tbody>
  </table>
);

/** The text of rendered HTML, tags taken out (entities kept, so escaped markup still reads as escaped). */
export const textOf = (html: string): string => html.replace(/<[^>]*>/g, '');
