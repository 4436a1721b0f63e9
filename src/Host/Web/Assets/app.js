// Promoter's web page: plain JavaScript, no framework, no build step. Every value from the server is put
// into the page as text (textContent, never innerHTML), so labels and annotations cannot inject markup.
'use strict';

(function () {
  const ACTION_HEADER = 'X-Promoter-Request';

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k.startsWith('data-')) node.setAttribute(k, v);
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function fmtTime(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  }

  function timeEl(iso) {
    return iso ? el('time', { datetime: iso }, fmtTime(iso)) : document.createTextNode('—');
  }

  function badge(status) {
    const s = String(status || '').toLowerCase();
    return el('span', { class: 'badge ' + (['firing', 'resolved', 'pending', 'succeeded', 'failed'].includes(s) ? s : 'pending') }, s);
  }

  function labelsEl(labels) {
    const td = el('td', { class: 'labels hide-narrow' });
    const keys = Object.keys(labels || {}).sort((a, b) => (a === 'alertname' ? -1 : b === 'alertname' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    for (const k of keys) td.append(el('code', {}, k + '=' + labels[k]));
    return td;
  }

  // ---- the alerts list: filters and live updates from the event stream ----
  function listPage() {
    const tbody = document.querySelector('#alerts tbody');
    const live = document.getElementById('live');
    const params = new URLSearchParams(location.search);
    if (params.get('until')) {
      live.textContent = 'not live: a range with an end is a fixed view';
      live.className = 'off';
      return;
    }
    const server = new URLSearchParams();
    for (const k of ['receiver', 'alertname']) if (params.get(k)) server.set(k, params.get(k));
    const status = params.get('status');
    const severity = params.get('severity');
    let received = 0;

    function upsert(e) {
      if (severity && (e.labels || {}).severity !== severity) return;
      const key = e.fingerprint + '|' + e.receiver;
      let old = null;
      for (const tr of tbody.querySelectorAll('tr[data-key]')) if (tr.dataset.key === key) old = tr;
      const count = old ? Number(old.dataset.count || '0') + 1 : 1;
      if (old) old.remove();
      if (status && e.status !== status) return;
      const empty = document.getElementById('empty');
      if (empty) empty.remove();
      const summary = (e.annotations || {}).summary;
      const link = el('a', { href: '/alerts/' + encodeURIComponent(e.fingerprint) }, e.alertName);
      const row = el('tr', { 'data-key': key, 'data-count': String(count), class: 'fresh' },
        el('td', {}, badge(e.status)),
        el('td', {}, link, summary ? el('br') : null, summary ? el('span', { class: 'muted small' }, summary) : null),
        el('td', {}, e.receiver),
        el('td', { class: 'hide-narrow' }, (e.labels || {}).severity || ''),
        el('td', {}, timeEl(e.startsAt)),
        el('td', { class: 'hide-narrow' }, timeEl(e.endsAt)),
        labelsEl(e.labels),
        el('td', { class: 'num' }, String(count)));
      tbody.prepend(row);
      received++;
      document.body.dataset.liveEvents = String(received);
    }

    const source = new EventSource('/api/v1/events/stream' + (server.toString() ? '?' + server : ''));
    source.onopen = () => { live.textContent = 'live'; live.className = 'on'; document.body.dataset.live = 'on'; };
    source.onerror = () => { live.textContent = 'reconnecting…'; live.className = 'off'; document.body.dataset.live = 'off'; };
    source.addEventListener('alert', (m) => upsert(JSON.parse(m.data)));
  }

  // ---- an alert's page: charts that fail to load, re-send ----
  function chartFallbacks() {
    for (const img of document.querySelectorAll('img.chart')) {
      const replace = () => img.replaceWith(el('p', { class: 'expired' }, 'This chart could not be loaded: its link may have expired, or its store no longer keeps it.'));
      if (img.complete && img.naturalWidth === 0) replace();
      else img.addEventListener('error', replace, { once: true });
    }
  }

  function alertPage() {
    chartFallbacks();
    const fingerprint = document.body.dataset.fingerprint;
    for (const button of document.querySelectorAll('button.resend')) {
      button.addEventListener('click', async () => {
        const id = button.dataset.delivery;
        const status = document.getElementById('resend-status-' + id);
        button.disabled = true;
        status.textContent = 'sending…';
        let response;
        try {
          response = await fetch('/api/v1/deliveries/' + encodeURIComponent(id) + '/resend', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', [ACTION_HEADER]: 'resend' },
            body: '{}',
            credentials: 'same-origin',
          });
        } catch (err) {
          status.textContent = 'could not reach Promoter: ' + err;
          button.disabled = false;
          return;
        }
        if (response.status !== 202) {
          const body = await response.json().catch(() => ({}));
          status.textContent = 'refused: ' + (body.error || response.status);
          button.disabled = false;
          return;
        }
        status.textContent = 're-queued; waiting for the result…';
        const state = document.getElementById('delivery-state-' + id);
        state.replaceChildren(badge('pending'));
        for (let i = 0; i < 120; i++) {
          await new Promise((r) => setTimeout(r, 1000));
          const h = await fetch('/api/v1/alerts/' + encodeURIComponent(fingerprint) + '/history', { credentials: 'same-origin' })
            .then((r) => (r.ok ? r.json() : null)).catch(() => null);
          const d = h && h.deliveries.find((x) => String(x.deliveryId) === id);
          if (!d) continue;
          const s = String(d.state).toLowerCase();
          document.getElementById('delivery-attempts-' + id).textContent = String(d.attempts);
          if (s !== 'pending') {
            state.replaceChildren(badge(s));
            document.getElementById('delivery-detail-' + id).textContent = d.failureReason ? d.failureReason + ': ' + (d.lastError || '') : (d.messageId || '');
            status.textContent = s === 'succeeded' ? 're-sent' : 'the re-send failed too';
            if (s === 'failed') button.disabled = false;
            return;
          }
        }
        status.textContent = 'still pending: reload later';
      });
    }
  }

  // ---- the template playground ----
  function markdown(text) {
    // A small, safe subset of Markdown as the chat clients show it: headings, lists, bold, links, images.
    const root = el('div');
    const inline = (line, parent) => {
      const re = /!\[([^\]]*)\]\(([^)\s]+)\)|\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+)\*\*/g;
      let last = 0, m;
      while ((m = re.exec(line)) !== null) {
        parent.append(line.slice(last, m.index));
        const safe = (u) => /^(https?:\/\/|\/)/i.test(u);
        if (m[1] !== undefined) parent.append(safe(m[2]) ? el('img', { src: m[2], alt: m[1], class: 'chart' }) : m[0]);
        else if (m[3] !== undefined) parent.append(safe(m[4]) ? el('a', { href: m[4], rel: 'noopener noreferrer', target: '_blank' }, m[3]) : m[0]);
        else parent.append(el('strong', {}, m[5]));
        last = re.lastIndex;
      }
      parent.append(line.slice(last));
    };
    let list = null;
    for (const raw of text.split('\n')) {
      const line = raw.replace(/\s+$/, '');
      const h = /^(#{1,6})\s+(.*)$/.exec(line);
      const li = /^\s*[-*]\s+(.*)$/.exec(line);
      if (li) {
        if (!list) { list = el('ul'); root.append(list); }
        const item = el('li'); inline(li[1], item); list.append(item);
        continue;
      }
      list = null;
      if (h) { const node = el('h3'); inline(h[2], node); root.append(node); }
      else if (line.length === 0) root.append(el('br'));
      else { const p = el('p'); inline(line, p); root.append(p); }
    }
    return root;
  }

  async function playgroundPage() {
    const $ = (id) => document.getElementById(id);
    const receiver = $('pg-receiver'), group = $('pg-group'), channel = $('pg-channel'), profile = $('pg-profile');
    const payload = $('pg-payload'), template = $('pg-template'), output = $('pg-output'), rendered = $('pg-rendered');
    const error = $('pg-error'), where = $('pg-where');
    let receivers = [];
    try {
      receivers = await fetch('/api/v1/receivers', { credentials: 'same-origin' }).then((r) => r.json());
    } catch (err) {
      error.textContent = 'could not load the receivers: ' + err;
    }
    for (const r of receivers) receiver.append(el('option', { value: r.name }, r.name));

    const current = () => receivers.find((r) => r.name === receiver.value);
    function fillReceiver() {
      const r = current();
      group.replaceChildren(el('option', { value: '' }, 'built-in sample (or paste a payload)'));
      channel.replaceChildren(el('option', { value: '' }, '(no channel: edit freely)'));
      if (!r) return;
      for (const g of r.recentGroups) {
        group.append(el('option', { value: String(g.groupId) }, '#' + g.groupId + ' ' + g.status + ', ' + g.alerts + ' alert(s), ' + fmtTime(g.receivedAt)));
      }
      for (const c of r.channels) channel.append(el('option', { value: c.name }, c.name + ' (' + c.type + ')'));
      if (r.recentGroups.length > 0) { group.value = String(r.recentGroups[0].groupId); loadGroup(); }
    }

    async function loadGroup() {
      if (!group.value) { payload.value = ''; schedule(); return; }
      const r = await fetch('/api/v1/groups/' + encodeURIComponent(group.value) + '/payload', { credentials: 'same-origin' });
      if (!r.ok) { error.textContent = 'could not load group ' + group.value + ': ' + ((await r.json().catch(() => ({}))).error || r.status); return; }
      try { payload.value = JSON.stringify(JSON.parse(await r.text()), null, 2); } catch { payload.value = ''; }
      schedule();
    }

    function loadChannel() {
      const c = current() && current().channels.find((x) => x.name === channel.value);
      if (!c) return;
      const t = c.textTemplate || c.titleTemplate;
      if (t) template.value = t;
      if (c.profile) profile.value = c.profile;
      schedule();
    }

    let timer = null, seq = 0;
    function schedule() { clearTimeout(timer); timer = setTimeout(preview, 250); }

    async function preview() {
      const mine = ++seq;
      error.textContent = '';
      where.textContent = '';
      let data;
      if (payload.value.trim().length > 0) {
        try { data = JSON.parse(payload.value); } catch (err) { error.textContent = 'payload: not valid JSON: ' + err.message; return; }
      }
      const body = { template: template.value, profile: profile.value };
      if (data !== undefined) body.data = data;
      let r;
      try {
        r = await fetch('/api/v1/templates/preview', {
          method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', [ACTION_HEADER]: 'preview' },
          body: JSON.stringify(body),
        });
      } catch (err) { error.textContent = 'could not reach Promoter: ' + err; return; }
      const json = await r.json().catch(() => ({}));
      if (mine !== seq) return;
      if (r.ok) {
        output.textContent = json.output;
        rendered.replaceChildren(markdown(json.output));
        document.body.dataset.previews = String(Number(document.body.dataset.previews || '0') + 1);
        return;
      }
      error.textContent = json.error || ('preview failed: ' + r.status);
      const m = /:(\d+):(\d+):/.exec(json.error || '');
      if (m) where.textContent = 'line ' + m[1] + ', column ' + m[2];
    }

    receiver.addEventListener('change', fillReceiver);
    group.addEventListener('change', loadGroup);
    channel.addEventListener('change', loadChannel);
    profile.addEventListener('change', schedule);
    template.addEventListener('input', schedule);
    payload.addEventListener('input', schedule);
    fillReceiver();
    schedule();
  }

  const page = document.body.dataset.page;
  if (page === 'list') listPage();
  else if (page === 'alert') alertPage();
  else if (page === 'playground') playgroundPage();
})();
