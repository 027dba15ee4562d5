// The page a partner's redirect login comes back to (Alipay: set UIDP_ALIPAY_RETURN_URL=/login/return). The
// partner's values arrive in the fragment (never in a log or a Referer); completeLogin finishes the login, then
// the browser goes where the login page said (an unbound partner account first binds, binding.js) (kept in sessionStorage by login.js), if that is a path of ours.
(function () {
  "use strict";
  var panel = document.getElementById("return-panel");
  var status = document.getElementById("return-status");
  var again = document.getElementById("return-again");
  var COMPLETE = "mutation($m: String!, $s: String, $p: [LoginParamInput!]!) { " +
    "completeLogin(input: {method: $m, state: $s, params: $p}) { __typename " +
    "... on BindingRequired { ticket accountKind providerLabel } ... on Error { code message } } }";
  var values = {};
  window.location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
    var at = pair.indexOf("=");
    if (at > 0) { values[decodeURIComponent(pair.slice(0, at))] = decodeURIComponent(pair.slice(at + 1)); }
  });
  window.history.replaceState(null, "", window.location.pathname);  // the code leaves the address bar

  function fail(text) { status.textContent = text; again.hidden = false; }

  function target() {
    var kept = window.sessionStorage.getItem("uidp.login.returnTo") || "";
    window.sessionStorage.removeItem("uidp.login.returnTo");
    var ours = /^\/(?![\/\\])[!-~]*$/.test(kept) && kept.indexOf("\\") < 0;
    return ours ? kept : panel.getAttribute("data-done");
  }

  if (!values.method || !values.state || !values.auth_code) { fail("第三方登录未完成，请返回登录页重试"); return; }
  var next = target();
  window.uidpGraphql(COMPLETE, {
    m: values.method, s: values.state, p: [{ name: "auth_code", value: values.auth_code }]
  }).then(function (result) {
    if (result && result.__typename === "LoginSuccess") { window.location.assign(next); return; }
    if (result && result.__typename === "BindingRequired") {
      status.textContent = "身份已验证，请绑定平台账号";
      window.uidpBinding.offer(result, function () { window.location.assign(next); });
      return;
    }
    fail((result && result.message) || "登录未成功，请返回登录页重试");
  }, function () { fail("网络异常，请返回登录页重试"); });
}());
