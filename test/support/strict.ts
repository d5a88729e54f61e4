// Loaded before every unit test (.mocharc.json "require"): internal errors throw instead of being
// reported politely, so a rule that fails on some model fails the test suite (and a CLI that a
// test runs inherits the setting and exits with the error).
import { STRICT_ENV } from '../../src/core/internalErrors';

process.env[STRICT_ENV] = '1';
