"""The support login (dbtools issue 22).

``/web/login/impersonate?token=…`` hands the single-use token to the platform
(``POST <dbtools_url>/api/impersonation/verify``); only when the platform grants it for this very
database is a session opened as that user. The session remembers the platform's session id and
key: every request of that session (each page load and each RPC call of an open page) asks the
platform whether it still runs (the agent may have stopped it; its hour may be over) and the
session is logged out when it does not, and the web client shows a banner "Signed in by support
(agent, reason) — end".

``dbtools_url`` comes from the worker's configuration file, written by the platform: never from
the database (a customer controls its ir.config_parameter).
"""
import json
import logging
import time
import urllib.error
import urllib.request

from markupsafe import Markup, escape

from odoo import http
from odoo.http import request
from odoo.service import security
from odoo.tools import config

from odoo.addons.web.controllers.home import Home

_logger = logging.getLogger(__name__)

SESSION_KEY = 'dbtools_impersonation'
INVALID = 'This impersonation link is not valid.'


def _platform(path, payload):
    """POST JSON to the platform; (status, body). Any failure to reach it is a refusal."""
    base = config.get('dbtools_url')
    if not base:
        return 503, {'error': {'message': 'The support login is not configured on this server.'}}
    req = urllib.request.Request(
        base.rstrip('/') + path,
        data=json.dumps(payload).encode(),
        headers={'Content-Type': 'application/json', 'Accept': 'application/json'},
        method='POST',
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, json.loads(res.read() or b'{}')
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b'{}')
        except ValueError:
            return e.code, {}
    except (OSError, ValueError) as e:
        _logger.warning('dbtools platform unreachable: %s', e)
        return 503, {'error': {'message': 'The support platform cannot be reached.'}}


def _message(body, default):
    error = body.get('error') if isinstance(body, dict) else None
    return (error or {}).get('message') or default


def _refused(message, status=403):
    return request.make_response(
        message + '\n', headers=[('Content-Type', 'text/plain; charset=utf-8')], status=status,
    )


def _still_running(info):
    """The platform's word on the session; a session past its hour ends even if the platform is silent."""
    if info.get('expires', 0) <= time.time():
        return False
    status, body = _platform('/api/impersonation/status', {'session': info['session'], 'key': info['key']})
    return status == 200 and bool(body.get('active'))


_odoo_check_session = security.check_session


def check_session(session, env, *args, **kwargs):
    """Odoo's check of a logged-in session, which ir.http._authenticate runs before every request
    (16.0 to 18.0): a session it refuses is logged out there, so an RPC call of an ended support
    login gets Odoo's own "Session Expired" and a page load the login page. This module is loaded
    server-wide and installed in no database, so it cannot extend the ir.http model: it wraps the
    function that model calls, and asks only for sessions it opened."""
    if not _odoo_check_session(session, env, *args, **kwargs):
        return False
    info = session.get(SESSION_KEY)
    return not info or _still_running(info)


security.check_session = check_session


def _banner(info):
    return Markup(
        '<div id="dbtools_support_banner" role="status" style="position:fixed;z-index:10000;left:0;right:0;'
        'bottom:0;padding:4px 12px;background:#7c2d12;color:#fff;font:14px sans-serif;text-align:center">'
        'Signed in by support ({agent}, {reason}) — '
        '<a href="/web/login/impersonate/end" style="color:#fff;text-decoration:underline">end</a></div>'
    ).format(agent=escape(info.get('agent', '')), reason=escape(info.get('reason', '')))


class SupportLogin(Home):

    @http.route('/web/login/impersonate', type='http', auth='none', methods=['GET'], sitemap=False)
    def dbtools_impersonate(self, token=None, **kw):
        if not request.db:
            return _refused(INVALID, 404)
        status, body = _platform('/api/impersonation/verify', {'token': token or ''})
        # The platform signs the database into the token: a link for another database is refused here.
        if status != 200 or body.get('database') != request.db:
            return _refused(_message(body, INVALID), 403 if status in (200, 401, 403, 409, 422) else 503)
        expires = time.time() + 3600
        try:
            from datetime import datetime
            expires = datetime.fromisoformat(body['expiresAt'].replace('Z', '+00:00')).timestamp()
        except (KeyError, ValueError, AttributeError):
            pass
        session = request.session
        session.logout(keep_db=True)
        session.db = request.db
        # Odoo's own last step of a login (as after a second factor): the session becomes the user's.
        session.pre_login = body['login']
        session.pre_uid = int(body['uid'])
        session.finalize(request.env)
        agent = body.get('agent') or {}
        session[SESSION_KEY] = {
            'session': int(body['session']),
            'key': body['key'],
            'agent': agent.get('name') or agent.get('login') or '',
            'reason': body.get('reason') or '',
            'expires': expires,
        }
        _logger.info('support login: %s as user #%s (platform session %s)', agent.get('login'), body['uid'], body['session'])
        return request.redirect('/web', 303)

    @http.route('/web/login/impersonate/end', type='http', auth='none', methods=['GET', 'POST'], sitemap=False)
    def dbtools_impersonate_end(self, **kw):
        info = request.session.get(SESSION_KEY)
        if info:
            _platform('/api/impersonation/end', {'session': info['session'], 'key': info['key']})
            request.session.logout(keep_db=True)
        return request.redirect('/web/login', 303)

    @http.route()
    def web_client(self, s_action=None, **kw):
        # An ended support login never gets here with its uid: check_session logged it out.
        info = request.session.get(SESSION_KEY)
        response = super().web_client(s_action=s_action, **kw)
        if info and request.session.uid and getattr(response, 'status_code', 0) == 200 and hasattr(response, 'flatten'):
            response.flatten()
            html = response.get_data(as_text=True)
            at = html.rfind('</body>')
            if at >= 0:
                response.set_data(html[:at] + str(_banner(info)) + html[at:])
        return response
