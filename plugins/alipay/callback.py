"""The routes Alipay's page sends the browser to: ``/plugins/alipay/callback`` and our small return page.

Alipay redirects to the registered ``redirect_uri`` with ``app_id``, ``scope``, ``auth_code`` and our ``state``.
The callback checks their shape (nothing is looked up, nothing stored) and sends the browser on to the login
page (``UIDP_ALIPAY_RETURN_URL``) with ``method``, ``state`` and ``auth_code`` in the URL *fragment*, so the code
reaches neither access logs nor ``Referer`` headers; the page then calls ``completeLogin``. The core binds the
state to the browser that started, so a code delivered to another browser opens nothing. Refusals are HTML pages
with status 400 that name a stable code (``data-code``) and say in Chinese what to do.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from urllib.parse import urlencode

import qrcode  # type: ignore[import-untyped]
import qrcode.image.svg  # type: ignore[import-untyped]
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from plugins.alipay.config import AlipayConfig
from plugins.alipay.method import AUTH_CODE, METHOD_ID, AlipayLogin
from uidp.plugin_api import ErrorCode

STATE = re.compile(r"[A-Za-z0-9_-]{16,128}")
MAX_QUERY = 2048
NO_STORE = {"referrer-policy": "no-referrer"}  # the HTTP guards already send cache-control: no-store


def refusal(code: ErrorCode, message: str, field: str) -> Response:
    body = (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>支付宝登录</title>'
        f'<p id="error" data-code="{code.value}" data-field="{field}">{html.escape(message)}</p></html>'
    )
    return HTMLResponse(body, status_code=400, headers={**NO_STORE, "content-security-policy": "default-src 'none'"})


class Callback:
    def __init__(self, config: AlipayConfig) -> None:
        self.config = config

    async def handle(self, request: Request) -> Response:
        if len(request.url.query) > MAX_QUERY:
            return refusal(ErrorCode.INVALID_FORMAT, "支付宝返回的参数过长，请重新登录", "auth_code")
        query = request.query_params
        state, code, app_id = query.get("state", ""), query.get("auth_code", ""), query.get("app_id")
        if not STATE.fullmatch(state):
            return refusal(ErrorCode.LOGIN_STATE_INVALID, "登录已失效，请返回登录页重新发起支付宝登录", "state")
        if app_id is not None and app_id != self.config.app_id:
            return refusal(ErrorCode.INVALID_FORMAT, "支付宝返回的应用信息不符，请重新登录", "app_id")
        if not code:
            return refusal(ErrorCode.REQUIRED, "支付宝未返回授权码（可能已取消授权），请重新登录", "auth_code")
        if not AUTH_CODE.fullmatch(code):
            return refusal(ErrorCode.INVALID_FORMAT, "支付宝授权码格式不正确，请重新登录", "auth_code")
        fragment = urlencode({"method": METHOD_ID, "state": state, "auth_code": code})
        return RedirectResponse(f"{self.config.return_url}#{fragment}", status_code=303, headers=NO_STORE)


class AuthorizeQr:
    """``/plugins/alipay/qr.svg?state=...``: the authorize URL of a started login as a QR code (SVG), for the
    Alipay app to scan. It encodes only what ``startLogin`` already gave the page; the state stays bound to the
    browser that started, so a QR scanned elsewhere completes nothing."""

    def __init__(self, method: AlipayLogin) -> None:
        self.method = method

    async def handle(self, request: Request) -> Response:
        state = request.query_params.get("state", "")
        if not STATE.fullmatch(state):
            return refusal(ErrorCode.LOGIN_STATE_INVALID, "登录已失效，请重新发起支付宝登录", "state")
        image = qrcode.make(self.method.authorize_url(state), image_factory=qrcode.image.svg.SvgPathImage)
        return Response(image.to_string(), media_type="image/svg+xml", headers=NO_STORE)


# The return page: reads the fragment, calls completeLogin, and offers the binding form on BindingRequired;
# opened without a fragment, it offers to start (startLogin, then on to Alipay).
RETURN_SCRIPT = """
const out = document.getElementById("out"), form = document.getElementById("bind");
const start = document.getElementById("start");
const args = new URLSearchParams(location.hash.slice(1));
history.replaceState(null, "", location.pathname);
async function gql(query, input) {
  const r = await fetch("/graphql", {method: "POST", credentials: "same-origin",
    headers: {"content-type": "application/json"}, body: JSON.stringify({query, variables: {i: input}})});
  const body = await r.json();
  return body.data ? Object.values(body.data)[0] : {__typename: "Error", message: "请求失败"};
}
function show(result) {
  if (result.__typename === "LoginSuccess") { out.textContent = "登录成功"; form.hidden = true; return; }
  if (result.__typename === "BindingRequired") {
    out.textContent = "该支付宝账号尚未绑定，请输入已有账号的手机号或证件号码和密码完成绑定（或先注册）";
    form.hidden = false; form.dataset.ticket = result.ticket; return;
  }
  out.textContent = result.message || "登录未成功，请重新登录";
}
const DONE = "__typename ... on LoginSuccess { token } ... on Error { code message }";
if (args.get("state") && args.get("auth_code")) {
  gql(`mutation($i: CompleteLoginInput!) { completeLogin(input: $i) { ${DONE} ... on BindingRequired { ticket } } }`,
      {method: "alipay", state: args.get("state"), params: [{name: "auth_code", value: args.get("auth_code")}]})
    .then(show);
} else {
  out.textContent = "";
  start.hidden = false;
}
start.addEventListener("click", async () => {
  const r = await gql(`mutation($i: StartLoginInput!) { startLogin(input: $i) {
    __typename ... on LoginRedirect { url } ... on Error { message } } }`, {method: "alipay"});
  if (r.__typename === "LoginRedirect") { location.assign(r.url); } else { out.textContent = r.message; }
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  gql(`mutation($i: CompleteBindingInput!) { completeBinding(input: $i) { ${DONE} } }`,
      {ticket: form.dataset.ticket, identifier: form.identifier.value, password: form.password.value}).then(show);
});
"""
SCRIPT_HASH = base64.b64encode(hashlib.sha256(RETURN_SCRIPT.encode()).digest()).decode()
RETURN_PAGE = (
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>支付宝登录</title>'
    '<p id="out">正在完成支付宝登录…</p><button id="start" hidden>使用支付宝登录</button>'
    '<form id="bind" hidden><input name="identifier" placeholder="手机号或证件号码" autocomplete="username">'
    '<input name="password" type="password" placeholder="密码" autocomplete="current-password">'
    "<button>绑定并登录</button></form>"
    f"<script>{RETURN_SCRIPT}</script></html>"
)


async def return_page(request: Request) -> Response:
    """Our own login page, for deployments (and the dev sandbox) without a front end of their own: it starts the
    login, completes it when Alipay's redirect comes back, and offers the binding form."""
    csp = f"default-src 'none'; script-src 'sha256-{SCRIPT_HASH}'; connect-src 'self'; form-action 'none'"
    return HTMLResponse(RETURN_PAGE, headers={**NO_STORE, "content-security-policy": csp})
