// The login page's channels with a first step (issue 12, item 5): a scan channel's QR code and its live
// status, or a partner's redirect (Alipay). Same-origin GraphQL only: startLogin, loginTicket (polled),
// redeemLoginTicket (and the binding panel, binding.js, when the partner account is unbound). No inline script: the page passes what this needs in data- attributes.
(function () {
  "use strict";
  var panel = document.getElementById("start-panel");
  if (!panel) { return; }
  var method = panel.getAttribute("data-method");
  var label = panel.getAttribute("data-label");
  var returnTo = panel.getAttribute("data-return-to");
  var image = document.getElementById("qr-image");
  var status = document.getElementById("qr-status");
  var redirect = document.getElementById("start-redirect");
  var refresh = document.getElementById("qr-refresh");
  var gql = window.uidpGraphql;
  var POLL_MS = 2000;
  var timer = null;
  var generation = 0;

  var START = "mutation($m: String!) { startLogin(input: {method: $m}) { __typename " +
    "... on LoginScanTicket { ticket secret qrPng refreshSeconds } ... on LoginRedirect { url } " +
    "... on Error { code message } } }";
  var POLL = "query($id: String!, $s: String!) { loginTicket(id: $id, secret: $s) { __typename " +
    "... on LoginTicketState { status } ... on Error { code message } } }";
  var REDEEM = "mutation($id: String!, $s: String!) { redeemLoginTicket(input: {id: $id, secret: $s}) { " +
    "__typename ... on BindingRequired { ticket accountKind providerLabel } ... on Error { code message } } }";
  var TEXT = {
    PENDING: "请使用" + label.replace(/扫码登录$/, "") + "扫描二维码",
    SCANNED: "已扫码，请在手机上确认登录",
    CONFIRMED: "已确认，正在登录……",
    REJECTED: "已在手机上取消登录，可刷新二维码重试",
    EXPIRED: "二维码已过期，请刷新",
    REDEEMED: "登录已完成"
  };

  function say(text) { status.textContent = text; }

  function stop() {
    if (timer !== null) { clearTimeout(timer); timer = null; }
  }

  function offerRefresh(text) {
    stop();
    say(text);
    image.hidden = true;
    refresh.hidden = false;
  }

  function redeem(ticket, secret) {
    gql(REDEEM, { id: ticket, s: secret }).then(function (result) {
      if (result.__typename === "LoginSuccess") {
        window.location.assign(returnTo);
      } else if (result.__typename === "BindingRequired") {
        image.hidden = true;
        say("身份已验证，请绑定平台账号");
        window.uidpBinding.offer(result, function () { window.location.assign(returnTo); });
      } else {
        offerRefresh(result.message || "登录未成功，请刷新二维码重试");
      }
    }, function () { offerRefresh("网络异常，请刷新二维码重试"); });
  }

  function poll(ticket, secret, mine) {
    if (mine !== generation) { return; }
    gql(POLL, { id: ticket, s: secret }).then(function (state) {
      if (mine !== generation) { return; }
      if (state.__typename !== "LoginTicketState") {
        offerRefresh(state.message || TEXT.EXPIRED);
        return;
      }
      say(TEXT[state.status] || "");
      if (state.status === "CONFIRMED") { stop(); redeem(ticket, secret); return; }
      if (state.status === "REJECTED" || state.status === "EXPIRED" || state.status === "REDEEMED") {
        offerRefresh(TEXT[state.status]);
        return;
      }
      timer = setTimeout(function () { poll(ticket, secret, mine); }, POLL_MS);
    }, function () {
      timer = setTimeout(function () { poll(ticket, secret, mine); }, POLL_MS * 2);
    });
  }

  function start() {
    stop();
    generation += 1;
    var mine = generation;
    refresh.hidden = true;
    say("正在获取二维码……");
    gql(START, { m: method }).then(function (result) {
      if (result.__typename === "LoginScanTicket") {
        image.src = result.qrPng;
        image.hidden = false;
        panel.setAttribute("data-ticket", result.ticket);
        say(TEXT.PENDING);
        if (result.refreshSeconds) {
          setTimeout(function () { if (mine === generation) { start(); } }, result.refreshSeconds * 1000);
        }
        timer = setTimeout(function () { poll(result.ticket, result.secret, mine); }, POLL_MS);
      } else if (result.__typename === "LoginRedirect") {
        // The partner sends the browser back to /login/return, which finishes the login and comes back here.
        window.sessionStorage.setItem("uidp.login.returnTo", returnTo);
        redirect.href = result.url;
        redirect.hidden = false;
        say("");
      } else {
        offerRefresh(result.message || "该登录方式暂不可用，请稍后再试");
      }
    }, function () { offerRefresh("网络异常，请稍后重试"); });
  }

  refresh.addEventListener("click", start);
  start();
}());
