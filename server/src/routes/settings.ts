/**
 * GET/PUT /api/settings: the host settings the user chooses. Today one, the
 * middlebox idle timeout the idle-exceeds-middlebox advisory compares each
 * connection's keepalive idle with (--middlebox-timeout at start). A change
 * is audited before it is applied, and every row's advisories follow at once.
 */
import type { FastifyInstance } from 'fastify';

import { SettingsPutSchema, SettingsSchema, type Settings } from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { TypeBoxProvider } from './schema-validation.js';

const current = (ctx: AppContext): Settings => ({ middleboxTimeoutSec: ctx.store.middleboxTimeoutSec() });

export async function settingsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxProvider>();
  fastify.get('/api/settings', { schema: { response: { 200: SettingsSchema } } }, async () => current(ctx));

  fastify.put('/api/settings', { schema: { body: SettingsPutSchema, response: { 200: SettingsSchema } }, config: { rateLimit: { max: 60, timeWindow: '1 minute' } } }, async (request) => {
    if (ctx.readOnly) throw new ApiError('KA_ERR_READ_ONLY');
    ctx.events.assertCanAudit();
    const before = current(ctx);
    const after: Settings = { middleboxTimeoutSec: request.body.middleboxTimeoutSec };
    return ctx.events.change(
      { type: 'settings', connectionId: null, actor: request.ip, what: `set the middlebox timeout to ${after.middleboxTimeoutSec} s`, detail: { before, after } },
      () => {
        ctx.store.setMiddleboxTimeout(after.middleboxTimeoutSec);
        return current(ctx);
      },
      (result) => ({ summary: `middlebox timeout ${before.middleboxTimeoutSec} s → ${result.middleboxTimeoutSec} s`, before, after: result }),
    );
  });
}
