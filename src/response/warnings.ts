import type { Warning as WarningSchema } from '../../generated/canonical/types.js';

export type Warning = WarningSchema;
