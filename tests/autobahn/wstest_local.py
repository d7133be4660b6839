# -*- coding: utf-8 -*-
"""Loopback-only launcher for Autobahn|Testsuite's `wstest` (Python 2.7).

wstest listens on all interfaces by default (the fuzzing server and its web
UI). This wrapper forces every Twisted TCP listener onto 127.0.0.1 and then
hands control to wstest's normal command line entry point, so all arguments
are passed through unchanged. Pass `-u 0` as well to switch off the web UI.

Usage: python wstest_local.py <wstest arguments...>
"""
import sys

# Importing wstest first lets it pick and install its preferred reactor
# (epoll on Linux); only afterwards is the global reactor safe to import.
from autobahntestsuite import wstest
from twisted.internet import reactor

LOOPBACK = '127.0.0.1'
_listen_tcp = reactor.listenTCP


def _listen_tcp_loopback(port, factory, backlog=50, interface=''):
    # Ignore whatever interface the caller asked for ('' means all).
    return _listen_tcp(port, factory, backlog, LOOPBACK)


def _refuse_ssl(*args, **kwargs):
    raise RuntimeError('wstest_local.py: TLS listeners are not supported')


reactor.listenTCP = _listen_tcp_loopback
reactor.listenSSL = _refuse_ssl

if __name__ == '__main__':
    sys.argv[0] = 'wstest'
    sys.exit(wstest.run())
