/**
 * The status page's own script, inlined (no CDN, nothing to fetch but the page itself):
 *
 * - Live refresh without a reload: every few seconds it fetches the same URL and swaps each
 *   `[data-live]` section for its new version, leaving alone a form someone is typing into.
 * - Approve / Reject: POSTs to the approval API the CLI uses, same origin, with the CSRF token
 *   from the page (its twin is in a SameSite=Strict cookie) and, when the page was opened with a
 *   function key (`?code=`), that same key as `x-functions-key`. The identity is whatever the
 *   page request carried: App Service authentication's session cookie on Azure (sent with
 *   same-origin fetches), the local identity header in a rehearsal.
 *
 * Plain ES2017 so it runs as written in any current browser; no user data is built into HTML
 * here except through textContent.
 */
export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var key = new URLSearchParams(location.search).get('code');
  var meta = function (n) { var m = document.querySelector('meta[name="' + n + '"]'); return m ? m.getAttribute('content') : ''; };
  // ?refresh=N (2 s or more) for a wall screen or a test; otherwise what the page says.
  var seconds = Math.max(2, Number(new URLSearchParams(location.search).get('refresh')) || Number(meta('mw-refresh')) || 15);
  var live = document.getElementById('live');
  var finished = /^(succeeded|failed|aborted)$/.test(stateOf(document));
  function headers(extra) {
    var h = { accept: 'text/html' };
    if (key) h['x-functions-key'] = key;
    for (var k in extra || {}) h[k] = extra[k];
    return h;
  }
  function keyLinks(root) {
    if (!key) return;
    root.querySelectorAll('a[data-keyed]').forEach(function (a) {
      var u = new URL(a.getAttribute('href'), location.href);
      u.searchParams.set('code', key);
      a.setAttribute('href', u.pathname + u.search);
    });
  }
  keyLinks(document);
  function busy(section) {
    var f = document.activeElement;
    return f && section.contains(f) && (f.tagName === 'TEXTAREA' || f.tagName === 'INPUT' || f.tagName === 'BUTTON');
  }
  function refresh() {
    return fetch(location.href, { headers: headers(), credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, 'text/html');
        document.querySelectorAll('[data-live]').forEach(function (old) {
          var fresh = next.getElementById(old.id);
          if (!fresh || busy(old)) return;
          old.replaceWith(document.importNode(fresh, true));
        });
        ['headline-state'].forEach(function (id) {
          var a = document.getElementById(id), b = next.getElementById(id);
          if (a && b) { a.textContent = b.textContent; a.setAttribute('style', b.getAttribute('style') || ''); }
        });
        var token = next.querySelector('meta[name="mw-csrf"]');
        if (token) document.querySelector('meta[name="mw-csrf"]').setAttribute('content', token.getAttribute('content'));
        document.title = next.title;
        keyLinks(document);
        bind();
        finished = /^(succeeded|failed|aborted)$/.test(stateOf(next));
        live.textContent = finished ? 'The window has ended; this page no longer changes.' : 'Updated ' + new Date().toLocaleTimeString() + '; updates itself every ' + seconds + ' seconds.';
        document.body.setAttribute('data-refreshed', String(Number(document.body.getAttribute('data-refreshed') || '0') + 1));
      })
      .catch(function (err) { live.textContent = 'Could not update (' + err.message + '); trying again in ' + seconds + ' seconds.'; });
  }
  function stateOf(doc) { var s = doc.getElementById('headline-state'); return s ? s.textContent.toLowerCase() : ''; }
  function decide(form, decision) {
    var result = form.querySelector('.result');
    var buttons = form.querySelectorAll('button');
    buttons.forEach(function (b) { b.disabled = true; });
    result.textContent = 'Sending…';
    var comment = form.querySelector('textarea').value.trim();
    var body = { decision: decision };
    if (comment) body.comment = comment;
    var url = new URL('./approvals/' + encodeURIComponent(form.getAttribute('data-gate')), location.href);
    fetch(url.pathname, {
      method: 'POST',
      credentials: 'same-origin',
      headers: headers({ 'content-type': 'application/json', 'x-mw-csrf': meta('mw-csrf') }),
      body: JSON.stringify(body),
    })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (j) { return { ok: r.ok, status: r.status, body: j }; }); })
      .then(function (r) {
        if (r.ok) {
          result.textContent = (decision === 'approve' ? 'Approval' : 'Rejection') + ' recorded for ' + (r.body.by || 'you') + '.';
          form.setAttribute('data-sent', decision);
          document.activeElement && document.activeElement.blur && document.activeElement.blur();
          setTimeout(refresh, 500);
        } else {
          result.textContent = 'Refused (' + r.status + '): ' + ((r.body.error && r.body.error.message) || 'no reason given');
          buttons.forEach(function (b) { b.disabled = false; });
        }
      })
      .catch(function (err) { result.textContent = 'Not sent: ' + err.message; buttons.forEach(function (b) { b.disabled = false; }); });
  }
  function bind() {
    document.querySelectorAll('form.decide:not([data-bound])').forEach(function (form) {
      form.setAttribute('data-bound', '1');
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var by = ev.submitter && ev.submitter.value === 'reject' ? 'reject' : 'approve';
        decide(form, by);
      });
    });
  }
  bind();
  function tick() {
    if (finished) return;
    if (!document.hidden) refresh();
    setTimeout(tick, seconds * 1000);
  }
  setTimeout(tick, seconds * 1000);
  document.addEventListener('visibilitychange', function () { if (!document.hidden && !finished) refresh(); });
})();
`;
