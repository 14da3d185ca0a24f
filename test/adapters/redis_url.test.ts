import { expect } from 'chai';

import { ConfigError, loadConfig } from '../../config/index.ts';
import { clusterOptions, redisConnectionOptions } from '../../adapters/redis_client.ts';
import { parseRedisUrl, RedisUrlError } from '../../adapters/redis_url.ts';

function problemWith(url: string): string {
  try {
    parseRedisUrl(url);
  } catch (err) {
    expect(err).to.be.instanceOf(RedisUrlError);
    return (err as Error).message;
  }
  return expect.fail(`${url} was accepted`);
}

describe('REDIS_URL forms (adapters/redis_url.ts)', () => {
  describe('one Redis', () => {
    it('hands redis:// and rediss:// URLs to ioredis unchanged', () => {
      for (const url of ['redis://127.0.0.1:6379', 'rediss://:p%40ss@redis.example:6380/2', 'redis://user:pw@localhost']) {
        expect(parseRedisUrl(url)).to.deep.equal({ mode: 'single', url });
      }
    });

    it('points a host list to the Sentinel and Cluster forms', () => {
      expect(problemWith('redis://a:6379,b:6379')).to.match(/redis\+sentinel:\/\/ or redis\+cluster:\/\//);
    });
  });

  describe('Sentinel', () => {
    it('reads the sentinels, the master name and the credentials', () => {
      expect(parseRedisUrl('redis+sentinel://:s%3Acret@s1.example:26380,s2.example,[::1]:5000/mymaster')).to.deep.equal({
        mode: 'sentinel',
        tls: false,
        password: 's:cret',
        sentinels: [
          { host: 's1.example', port: 26380 },
          { host: 's2.example', port: 26379 },
          { host: '::1', port: 5000 },
        ],
        masterName: 'mymaster',
      });
    });

    it('takes TLS from rediss+sentinel://, a user name, and a password of the sentinels own', () => {
      expect(parseRedisUrl('rediss+sentinel://app:pw@10.0.0.1/main?sentinelPassword=spw')).to.deep.equal({
        mode: 'sentinel',
        tls: true,
        username: 'app',
        password: 'pw',
        sentinels: [{ host: '10.0.0.1', port: 26379 }],
        masterName: 'main',
        sentinelPassword: 'spw',
      });
    });

    it('needs a master name', () => {
      expect(problemWith('redis+sentinel://s1:26379')).to.match(/master name/);
      expect(problemWith('redis+sentinel://s1:26379/')).to.match(/master name/);
    });
  });

  describe('Cluster', () => {
    it('reads the seed nodes and the credentials', () => {
      expect(parseRedisUrl('rediss+cluster://:pw@n1.example:7000,n2.example')).to.deep.equal({
        mode: 'cluster',
        tls: true,
        password: 'pw',
        nodes: [
          { host: 'n1.example', port: 7000 },
          { host: 'n2.example', port: 6379 },
        ],
      });
    });

    it('refuses a database number, which a Cluster does not have', () => {
      expect(problemWith('redis+cluster://n1:7000/3')).to.match(/no path/);
    });
  });

  it('refuses what it cannot read, without repeating the password', () => {
    const cases = {
      'http://x': /scheme/,
      'redis+cluster://': /no host/,
      'redis+cluster://:secret@n1,': /not a host/,
      'redis+cluster://:secret@n1:99999': /port/,
      'redis+cluster://:secret@n1:7000?db=1': /unknown parameter "db"/,
      'redis+cluster://:%zz@n1': /percent-encoded/,
      'redis+sentinel://:secret@bad_host:1/m': /not a host/,
      'redis+replica://n1': /scheme/,
    };
    for (const [url, problem] of Object.entries(cases)) {
      const message = problemWith(url);
      expect(message, url).to.match(problem);
      expect(message, url).not.to.contain('secret');
    }
  });

  it('config names REDIS_URL and every form when the URL is wrong', () => {
    const problems = (() => {
      try {
        loadConfig({ NODE_ENV: 'test', REDIS_URL: 'redis+sentinel://:secret@s1:26379' });
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as ConfigError).problems;
      }
      return expect.fail('accepted');
    })();
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(
      /^REDIS_URL must be redis\[s\]:\/\/.*redis\[s\]\+sentinel:\/\/.*redis\[s\]\+cluster:\/\/.*: .*master name/,
    );
    expect(problems[0]).not.to.contain('secret');
  });

  it('config accepts each form', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss+sentinel://s1,s2/mymaster', 'redis+cluster://n1:7000,n2:7001']) {
      expect(loadConfig({ NODE_ENV: 'test', REDIS_URL: url }).redisUrl).to.equal(url);
    }
  });
});

describe('Redis connection options (adapters/redis_client.ts): fail fast, reconnect forever', () => {
  it('one Redis and Sentinel: no offline queue, command timeout, retries without end', () => {
    const options = redisConnectionOptions({ commandTimeoutMs: 700 });
    expect(options).to.include({ enableOfflineQueue: false, autoResendUnfulfilledCommands: false, commandTimeout: 700 });
    expect((options.retryStrategy as (n: number) => number)(1000)).to.equal(2000);
  });

  it('Cluster: masters only, no offline queue, node connections with the same timeouts and credentials', () => {
    const options = clusterOptions(
      { mode: 'cluster', tls: true, password: 'pw', nodes: [{ host: 'n1', port: 7000 }] },
      { connectTimeoutMs: 800 },
    );
    expect(options).to.include({ scaleReads: 'master', enableOfflineQueue: false });
    expect(options.redisOptions).to.deep.include({ connectTimeout: 800, commandTimeout: 1500, password: 'pw', tls: {} });
    expect((options.clusterRetryStrategy as (n: number) => number)(1000)).to.equal(2000);
  });
});
