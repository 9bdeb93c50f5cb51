// Passkeys on the sign-in and account pages (the only pages that load this
// file, so the chat page's JavaScript does not grow). The agent makes the
// WebAuthn options and checks the answers; this only hands them between
// the server and navigator.credentials. WebAuthn's JSON forms carry binary
// values as base64url: PublicKeyCredential.parse…FromJSON and toJSON() do
// the conversion where the browser has them (newer browsers; checked by
// feature, not version); the fallback below does it by hand.
// Without WebAuthn (or without JavaScript) the passkey forms stay hidden and
// the password form works as before.
(function () {
  'use strict';
  var forms = document.querySelectorAll('form[data-passkey]');
  if (forms.length === 0 || !window.PublicKeyCredential || !navigator.credentials) return;

  function toBytes(text) {
    var base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    var binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = '';
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function withIds(list) {
    return (list || []).map(function (c) {
      return Object.assign({}, c, { id: toBytes(c.id) });
    });
  }

  function creationOptions(json) {
    if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function') return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      user: Object.assign({}, json.user, { id: toBytes(json.user.id) }),
      excludeCredentials: withIds(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function') return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    return Object.assign({}, json, { challenge: toBytes(json.challenge), allowCredentials: withIds(json.allowCredentials) });
  }

  function answerJSON(credential) {
    var json;
    if (typeof credential.toJSON === 'function') {
      json = credential.toJSON();
    } else {
      var r = credential.response;
      json = { id: credential.id, rawId: toText(credential.rawId), type: credential.type, clientExtensionResults: credential.getClientExtensionResults(), response: { clientDataJSON: toText(r.clientDataJSON) } };
      if (credential.authenticatorAttachment) json.authenticatorAttachment = credential.authenticatorAttachment;
      if (r.attestationObject) {
        json.response.attestationObject = toText(r.attestationObject);
        if (typeof r.getTransports === 'function') json.response.transports = r.getTransports();
      } else {
        json.response.authenticatorData = toText(r.authenticatorData);
        json.response.signature = toText(r.signature);
        if (r.userHandle) json.response.userHandle = toText(r.userHandle);
      }
    }
    // Absent, not null, is what the server's schema takes.
    if (json.authenticatorAttachment == null) delete json.authenticatorAttachment;
    if (json.response.userHandle == null) delete json.response.userHandle;
    return json;
  }

  function post(form, url, fields) {
    var body = new URLSearchParams(fields);
    body.set('_csrf', form.querySelector('input[name="_csrf"]').value);
    return fetch(url, { method: 'POST', body: body, credentials: 'same-origin', headers: { accept: 'application/json' } }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.message || 'That did not work. Reload the page and try again.');
        return data;
      });
    });
  }

  function explain(error) {
    // The person closed the prompt or it timed out: nothing went wrong on our side.
    if (error && error.name === 'NotAllowedError') return 'No passkey was used. Try again when you are ready.';
    if (error && error.name === 'InvalidStateError') return 'This device already holds a passkey for your account.';
    return (error && error.message) || 'That did not work. Try again.';
  }

  var ceremonies = {
    'sign-in': function (form) {
      return post(form, '/sign-in/passkey/options', {})
        .then(function (data) { return navigator.credentials.get({ publicKey: requestOptions(data.options) }); })
        .then(function (credential) { return post(form, '/sign-in/passkey', { credential: JSON.stringify(answerJSON(credential)) }); });
    },
    add: function (form) {
      return post(form, '/account/passkeys/options', {})
        .then(function (data) { return navigator.credentials.create({ publicKey: creationOptions(data.options) }); })
        .then(function (credential) {
          return post(form, '/account/passkeys', { name: form.querySelector('input[name="name"]').value, credential: JSON.stringify(answerJSON(credential)) });
        });
    },
  };

  forms.forEach(function (form) {
    var ceremony = ceremonies[form.getAttribute('data-passkey')];
    if (!ceremony) return;
    var status = form.querySelector('.passkey-status');
    var button = form.querySelector('button[type="submit"]');
    form.hidden = false;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      button.disabled = true;
      status.textContent = 'Waiting for your passkey…';
      ceremony(form)
        .then(function (data) { window.location.assign(data.location); })
        .catch(function (error) {
          status.textContent = explain(error);
          button.disabled = false;
        });
    });
  });
  document.querySelectorAll('[data-passkey-unsupported]').forEach(function (note) { note.hidden = true; });
})();
