/** Host settings the user chooses (GET/PUT /api/settings): the middlebox idle timeout the advisories compare with. */
import { Type, type Static } from '@sinclair/typebox';

/** 350 s: AWS NLB and NAT gateway; GCP is 600 s, Azure 240 s. */
export const DEFAULT_MIDDLEBOX_TIMEOUT_SEC = 350;
export const MIDDLEBOX_TIMEOUT_SEC_MIN = 1;
/** One day: no middlebox keeps an idle flow longer in practice. */
export const MIDDLEBOX_TIMEOUT_SEC_MAX = 86_400;

const middleboxTimeoutSec = Type.Integer({ minimum: MIDDLEBOX_TIMEOUT_SEC_MIN, maximum: MIDDLEBOX_TIMEOUT_SEC_MAX });

export const SettingsSchema = Type.Object({ middleboxTimeoutSec });
export type Settings = Static<typeof SettingsSchema>;

export const SettingsPutSchema = Type.Object({ middleboxTimeoutSec }, { additionalProperties: false, noun: 'setting' });
export type SettingsPut = Static<typeof SettingsPutSchema>;
