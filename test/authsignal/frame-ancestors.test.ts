/** FRAME_ANCESTORS (#22): app origins only; anything else stops the engine from starting with a clear message. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config.js';
import { tempDataDir } from '../helpers/test-server.js';

const base = () => ({ DATA_DIR: tempDataDir(), ADMIN_API_KEY: 'an-admin-key-0123456789', LOG_LEVEL: 'silent' });

describe('FRAME_ANCESTORS', () => {
  it('is none by default; origins are kept as origins (a path or trailing slash dropped)', () => {
    expect(loadConfig(base()).frameAncestors).toEqual([]);
    expect(loadConfig({ ...base(), FRAME_ANCESTORS: 'https://app.example.com/, http://localhost:5173/page' }).frameAncestors).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });

  it('refuses a wildcard, a keyword or another scheme, naming the setting', () => {
    for (const bad of ['*', "'self'", 'app.example.com', 'javascript:alert(1)', 'data:text/html,x']) {
      expect(() => loadConfig({ ...base(), FRAME_ANCESTORS: bad })).toThrow(/FRAME_ANCESTORS/);
    }
  });
});
