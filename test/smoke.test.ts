import { expect } from 'chai';
import { loadConfig } from '../config/index.ts';
describe('smoke', () => {
  it('loads', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).port).to.equal(3000);
  });
});
