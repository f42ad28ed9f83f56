// The test suite's knobs for the fixture Haraka (tests/support/haraka_server.py).
//
// Everything else in the fixture is Haraka's own: tls, auth/flat_file, rcpt_to.in_host_list,
// queue/lmtp, its outbound queue with retries and bounces. This plugin only adds what a test
// needs to change while Haraka runs, read afresh from a JSON file at each hook so a change
// takes effect on the very next command or delivery attempt (Haraka's own config watcher
// reloads asynchronously, which would make the tests racy):
//
//   local_domains       delivered over LMTP to the test Dovecot, bounces included
//                       (queue/lmtp routes only what it queued itself, not Haraka's DSNs)
//   lmtp_port           the Dovecot LMTP listener
//   paused              deliveries go to a port nobody listens on: Haraka temp-fails and
//                       keeps the message in its queue, retrying, as when the mailbox
//                       server is down
//   closed_port         that port
//   submission_port     the listener where MAIL FROM needs a login first
//   refuse.mail|rcpt|data  {"code": 553, "status": "5.7.1", "text": "..."} refuses that
//                       command with that reply (sender not allowed, relay denied...)
'use strict'

const fs = require('node:fs')
const DSN = require('haraka-dsn')

function knobs() {
    return JSON.parse(fs.readFileSync(process.env.WIZARD_TEST_KNOBS, 'utf8'))
}

function refusal(stage) {
    const rule = (knobs().refuse || {})[stage]
    if (!rule) return null
    const [, sub, det] = (rule.status || '5.0.0').split('.').map(Number)
    const dsn = DSN.create(rule.code, rule.text, sub, det)
    return [rule.code >= 500 ? DENY : DENYSOFT, dsn]
}

exports.hook_mail = function (next, connection) {
    const k = knobs()
    if (connection.local.port === k.submission_port && !connection.relaying) {
        return next(DENY, DSN.create(530, 'Authentication required', 7, 0))
    }
    const refused = refusal('mail')
    if (refused) return next(...refused)
    next()
}

exports.hook_rcpt = function (next) {
    const refused = refusal('rcpt')
    if (refused) return next(...refused)
    next()
}

exports.hook_data_post = function (next) {
    const refused = refusal('data')
    if (refused) return next(...refused)
    next()
}

exports.hook_get_mx = function (next, hmail, domain) {
    const k = knobs()
    if (!k.local_domains.includes(domain.toLowerCase())) return next()
    next(OK, {
        priority: 0,
        exchange: '127.0.0.1',
        port: k.paused ? k.closed_port : k.lmtp_port,
        using_lmtp: true,
    })
}
