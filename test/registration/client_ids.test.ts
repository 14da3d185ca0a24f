import { expect } from 'chai';

import { generateClientId } from '../../server/clients/manage.ts';

describe('client ids (RFC 7591 §3.2.1 client_id)', () => {
  it('are 128 random bits that never start with "-", so that `client show ID` never reads one as an option', () => {
    const ids = Array.from({ length: 2000 }, generateClientId);
    expect(ids.every((id) => /^[A-Za-z0-9][A-Za-z0-9_-]{21}$/.test(id))).to.equal(true);
    expect(new Set(ids).size).to.equal(ids.length);
  });
});
