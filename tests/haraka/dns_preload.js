// Loaded with `node --require` by tests/support/haraka_server.py when the test Haraka is given a
// DNS server: every resolver in the process (the default one and each `new Resolver()`, as the
// dns-list plugin makes) asks that loopback server and nothing else, so a test Haraka never sends
// a DNS query (rDNS of a PROXY-given address, blocklist zones) anywhere but loopback.
'use strict'
const dns = require('node:dns')

const servers = [process.env.WIZARD_TEST_DNS]
if (!servers[0]) throw new Error('WIZARD_TEST_DNS is not set')
dns.setServers(servers)
for (const mod of [dns, dns.promises]) {
  const Base = mod.Resolver
  mod.Resolver = class extends Base {
    constructor(options) {
      super(options)
      this.setServers(servers)
    }
  }
}
