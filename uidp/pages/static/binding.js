// The binding panel (_binding.html): a partner proved who someone is (BindingRequired), but that partner account
// is bound to no account here yet. The person proves the account they already have, by its password
// (completeBinding) or, for a person, by an SMS code to its login phone (requestCaptcha, sendBindingCode,
// completeBindingBySms); the binding is made and the login finishes. The ticket is single use: the server keeps
// it only when nothing was checked (a missing field or captcha), so any other refusal offers a fresh login.
(function () {
  "use strict";
  var gql = window.uidpGraphql;
  var panel = document.getElementById("binding-panel");
  if (!panel || !gql) { return; }
  var KEEPS_TICKET = { REQUIRED: true, CAPTCHA_REQUIRED: true, CAPTCHA_INVALID: true };
  var CAPTCHA = "mutation { requestCaptcha { id imagePng } }";
  var BY_PASSWORD = "mutation($i: CompleteBindingInput!) { completeBinding(input: $i) { __typename " +
    "... on LoginFailed { code message field captchaRequired } ... on FieldError { code message field } } }";
  var SEND = "mutation($i: SendBindingCodeInput!) { sendBindingCode(input: $i) { __typename " +
    "... on SmsCodeSent { maskedPhone } ... on RateLimited { message retryAfterSeconds } " +
    "... on FieldError { code message field } } }";
  var BY_SMS = "mutation($i: CompleteBindingBySmsInput!) { completeBindingBySms(input: $i) { __typename " +
    "... on LoginFailed { code message field } ... on FieldError { code message field } } }";
  var byId = function (id) { return document.getElementById(id); };
  var error = byId("binding-error");
  var restart = byId("binding-restart");
  var passwordForm = byId("binding-form-password");
  var smsForm = byId("binding-form-sms");
  var ticket = null;
  var finish = null;

  function say(text) { error.textContent = text; error.hidden = !text; }

  function spent(text) {
    ticket = null;
    passwordForm.hidden = true;
    smsForm.hidden = true;
    byId("binding-tabs").hidden = true;
    say((text || "绑定未成功") + "。本次登录已失效，请重新登录后再绑定。");
    restart.hidden = false;
  }

  function loadCaptcha(box) {
    return gql(CAPTCHA, {}).then(function (captcha) {
      box.setAttribute("data-captcha-id", captcha.id);
      box.querySelector("img").src = captcha.imagePng;
      box.querySelector("input").value = "";
      box.hidden = false;
    }, function () { say("图形验证码获取失败，请稍后重试"); });
  }

  function captchaOf(box) {
    if (box.hidden) { return {}; }
    return { captchaId: box.getAttribute("data-captcha-id"), captchaAnswer: box.querySelector("input").value };
  }

  function answered(result, captchaBox) {
    if (result.__typename === "LoginSuccess") { finish(); return; }
    if (KEEPS_TICKET[result.code]) {
      say(result.message);
      if (captchaBox && (result.captchaRequired || result.code !== "REQUIRED")) { loadCaptcha(captchaBox); }
      return;
    }
    spent(result.message);
  }

  function show(form) {
    passwordForm.hidden = form !== passwordForm;
    smsForm.hidden = form !== smsForm;
    byId("binding-tab-password").setAttribute("aria-selected", String(form === passwordForm));
    byId("binding-tab-sms").setAttribute("aria-selected", String(form === smsForm));
    say("");
    if (form === smsForm) { loadCaptcha(byId("binding-sms-captcha")); }
  }

  passwordForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!ticket) { return; }
    var box = byId("binding-password-captcha");
    var input = { ticket: ticket, identifier: byId("binding-identifier").value, password: byId("binding-password").value };
    var captcha = captchaOf(box);
    if (captcha.captchaId) { input.captchaId = captcha.captchaId; input.captchaAnswer = captcha.captchaAnswer; }
    gql(BY_PASSWORD, { i: input }).then(function (result) { answered(result, box); },
      function () { say("网络异常，请稍后重试"); });
  });

  byId("binding-send").addEventListener("click", function () {
    if (!ticket) { return; }
    var box = byId("binding-sms-captcha");
    var input = { ticket: ticket, phone: byId("binding-phone").value };
    var captcha = captchaOf(box);
    input.captchaId = captcha.captchaId || "";
    input.captchaAnswer = captcha.captchaAnswer || "";
    gql(SEND, { i: input }).then(function (result) {
      if (result.__typename === "SmsCodeSent") {
        say("");
        byId("binding-sent").textContent = "验证码已发送至 " + (result.maskedPhone || "该手机号") + "（如该手机号已注册）";
        byId("binding-sent").hidden = false;
        box.hidden = true;
        return;
      }
      say(result.message);
      loadCaptcha(box);  // a captcha answers once
    }, function () { say("网络异常，请稍后重试"); });
  });

  smsForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!ticket) { return; }
    var input = { ticket: ticket, phone: byId("binding-phone").value, smsCode: byId("binding-smsCode").value };
    gql(BY_SMS, { i: input }).then(function (result) { answered(result, null); },
      function () { say("网络异常，请稍后重试"); });
  });

  byId("binding-tab-password").addEventListener("click", function () { show(passwordForm); });
  byId("binding-tab-sms").addEventListener("click", function () { show(smsForm); });

  window.uidpBinding = {
    // Show the panel for a BindingRequired answer { ticket, accountKind, providerLabel }; onDone runs once bound.
    offer: function (required, onDone) {
      ticket = required.ticket;
      finish = onDone;
      var entity = required.accountKind === "entity";
      var partner = required.providerLabel.replace(/(扫码)?登录$/, "");  // "支付宝登录" -> "支付宝"
      byId("binding-intro").textContent = "您的" + partner + "账号尚未绑定本平台账号。" +
        "请验证您已有的" + (entity ? "法人" : "") + "账号，绑定后即可直接使用" + partner + "登录；" +
        "尚无账号的，请先注册。";
      byId("binding-identifier-label").textContent = entity ? "统一社会信用代码" : "手机号 / 证件号码";
      byId("binding-tab-sms").hidden = entity;  // an SMS code proves persons' accounts only
      byId("binding-tabs").hidden = false;
      restart.hidden = true;
      panel.hidden = false;
      show(passwordForm);
      byId("binding-identifier").focus();
    }
  };
}());
