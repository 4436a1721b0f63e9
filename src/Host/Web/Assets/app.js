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
  const safeUrl = (u) => typeof u === 'string' && /^(https?:\/\/|\/)/i.test(u);
  function link(href, text) {
    return safeUrl(href) ? el('a', { href, rel: 'noopener noreferrer', target: '_blank' }, text) : document.createTextNode(text);
  }

  // Inline Markdown as the chat clients show it: images, links, **bold**, *italic*, ~~strike~~, `code`, and the
  // <font color> tags DingTalk, WeCom and Feishu accept. Everything else stays text.
  function inlineMd(line, parent) {
    const re = /!\[([^\]]*)\]\(([^)\s]+)\)|\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+)\*\*|~~([^~]+)~~|`([^`]+)`|<font color=["']?([#\w]+)["']?>(.*?)<\/font>|(?<![*\w])\*([^*\s][^*]*)\*(?!\*)/g;
    let last = 0, m;
    while ((m = re.exec(line)) !== null) {
      parent.append(line.slice(last, m.index));
      if (m[1] !== undefined) parent.append(safeUrl(m[2]) ? el('img', { src: m[2], alt: m[1], class: 'chart' }) : m[0]);
      else if (m[3] !== undefined) parent.append(safeUrl(m[4]) ? link(m[4], m[3]) : m[0]);
      else if (m[5] !== undefined) { const b = el('strong'); inlineMd(m[5], b); parent.append(b); }
      else if (m[6] !== undefined) parent.append(el('s', {}, m[6]));
      else if (m[7] !== undefined) parent.append(el('code', {}, m[7]));
      else if (m[8] !== undefined) { const f = el('span', { class: 'font font-' + m[8].replace(/[^\w]/g, '') }); inlineMd(m[9], f); parent.append(f); }
      else parent.append(el('em', {}, m[10]));
      last = re.lastIndex;
    }
    parent.append(line.slice(last));
  }

  function markdown(text, inline, headings = true) {
    // Block Markdown: headings, lists, quotes, rules, paragraphs.
    inline = inline || inlineMd;
    const root = el('div', { class: 'md' });
    let list = null;
    for (const raw of String(text).split('\n')) {
      const line = raw.replace(/\s+$/, '');
      const h = /^(#{1,6})\s+(.*)$/.exec(line);
      const li = /^\s*(?:[-*•]|\d+\.)\s+(.*)$/.exec(line);
      const quote = /^>\s?(.*)$/.exec(line);
      if (li) {
        if (!list) { list = el('ul'); root.append(list); }
        const item = el('li'); inline(li[1], item); list.append(item);
        continue;
      }
      list = null;
      if (h && headings) { const node = el('h3'); inline(h[2], node); root.append(node); }
      else if (quote) { const q = el('blockquote'); inline(quote[1], q); root.append(q); }
      else if (/^(-{3,}|\*{3,})$/.test(line)) root.append(el('hr'));
      else if (line.length === 0) root.append(el('br'));
      else { const p = el('p'); inline(line, p); root.append(p); }
    }
    return root;
  }

  // Slack mrkdwn: *bold*, _italic_, ~strike~, `code`, <url|label>, <!here>, <@U…>; the text arrives &-escaped.
  function mrkdwnInline(line, parent) {
    const unescape = (t) => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const re = /<([^>|]+)(?:\|([^>]+))?>|\*([^*\n]+)\*|(?<!\w)_([^_\n]+)_(?!\w)|~([^~\n]+)~|`([^`\n]+)`/g;
    let last = 0, m;
    while ((m = re.exec(line)) !== null) {
      parent.append(unescape(line.slice(last, m.index)));
      if (m[1] !== undefined) {
        const target = m[1];
        if (/^[!@#]/.test(target)) parent.append(el('span', { class: 'mention' }, '@' + (m[2] || target.replace(/^[!@#]/, ''))));
        else parent.append(link(target, unescape(m[2] || target)));
      } else if (m[3] !== undefined) parent.append(el('strong', {}, unescape(m[3])));
      else if (m[4] !== undefined) parent.append(el('em', {}, unescape(m[4])));
      else if (m[5] !== undefined) parent.append(el('s', {}, unescape(m[5])));
      else parent.append(el('code', {}, unescape(m[6])));
      last = re.lastIndex;
    }
    parent.append(unescape(line.slice(last)));
  }
  // Slack has no headings in mrkdwn: "#" stays as typed.
  const mrkdwn = (text) => markdown(text, mrkdwnInline, false);

  function textOf(t) { return t && typeof t === 'object' ? (t.text ?? t.content ?? '') : (t ?? ''); }

  function slackView(body) {
    const root = el('div', { class: 'chat slack' });
    for (const b of body.blocks || []) {
      if (b.type === 'header') root.append(el('h3', { class: 'slack-header' }, textOf(b.text)));
      else if (b.type === 'section') {
        if (b.text) root.append(b.text.type === 'mrkdwn' ? mrkdwn(b.text.text) : el('p', {}, b.text.text));
        if (b.fields) {
          const grid = el('div', { class: 'fields' });
          for (const f of b.fields) grid.append(f.type === 'mrkdwn' ? mrkdwn(f.text) : el('div', {}, f.text));
          root.append(grid);
        }
      } else if (b.type === 'context') {
        const c = el('div', { class: 'context' });
        for (const e of b.elements || []) c.append(e.type === 'image' ? el('img', { src: safeUrl(e.image_url) ? e.image_url : '', alt: e.alt_text || '' }) : mrkdwn(e.text || ''));
        root.append(c);
      } else if (b.type === 'image') root.append(safeUrl(b.image_url) ? el('img', { class: 'chart', src: b.image_url, alt: b.alt_text || '' }) : el('p', {}, '[image]'));
      else if (b.type === 'divider') root.append(el('hr'));
      else if (b.type === 'actions') {
        const a = el('div', { class: 'buttons' });
        for (const e of b.elements || []) a.append(el('span', { class: 'button' }, textOf(e.text)));
        root.append(a);
      }
    }
    if (!body.blocks && body.text) root.append(mrkdwn(body.text));
    return root;
  }

  function feishuView(body) {
    const card = body.card || {};
    const root = el('div', { class: 'chat feishu' });
    if (card.header) root.append(el('div', { class: 'card-header tint-' + String(card.header.template || 'blue').replace(/[^\w]/g, '') }, textOf(card.header.title)));
    const inner = el('div', { class: 'card-body' });
    for (const e of card.elements || []) {
      if (e.tag === 'markdown') inner.append(markdown(e.content || ''));
      else if (e.tag === 'div') {
        if (e.text) inner.append(markdown(textOf(e.text)));
        if (e.fields) {
          const grid = el('div', { class: 'fields' });
          for (const f of e.fields) grid.append(markdown(textOf(f.text)));
          inner.append(grid);
        }
      } else if (e.tag === 'img') inner.append(el('div', { class: 'img-placeholder' }, 'image ' + (textOf(e.alt) || e.img_key || '')));
      else if (e.tag === 'hr') inner.append(el('hr'));
      else if (e.tag === 'action') {
        const a = el('div', { class: 'buttons' });
        for (const b of e.actions || []) a.append(safeUrl(b.url) ? el('a', { class: 'button', href: b.url, rel: 'noopener noreferrer', target: '_blank' }, textOf(b.text)) : el('span', { class: 'button' }, textOf(b.text)));
        inner.append(a);
      } else if (e.tag === 'note') {
        const n = el('div', { class: 'context' });
        for (const x of e.elements || []) n.append(markdown(textOf(x)));
        inner.append(n);
      }
    }
    root.append(inner);
    if (body.msg_type && body.msg_type !== 'interactive') root.append(markdown(textOf(body.content)));
    return root;
  }

  // Microsoft Teams: an Adaptive Card (TextBlock, FactSet, Image, Container, ColumnSet, ActionSet, actions).
  function adaptive(items, parent) {
    for (const it of items || []) {
      if (!it || typeof it !== 'object') continue;
      if (it.type === 'TextBlock') {
        const node = markdown(it.text || '');
        node.className = 'tb' + (it.weight === 'Bolder' ? ' bolder' : '') + (it.size ? ' size-' + String(it.size).toLowerCase().replace(/[^\w]/g, '') : '') + (it.color ? ' color-' + String(it.color).toLowerCase().replace(/[^\w]/g, '') : '') + (it.isSubtle ? ' subtle' : '');
        parent.append(node);
      } else if (it.type === 'FactSet') {
        const dl = el('dl', { class: 'facts' });
        for (const f of it.facts || []) { dl.append(el('dt', {}, f.title || '')); const dd = el('dd'); inlineMd(String(f.value || ''), dd); dl.append(dd); }
        parent.append(dl);
      } else if (it.type === 'Image') parent.append(safeUrl(it.url) ? el('img', { class: 'chart', src: it.url, alt: it.altText || '' }) : el('div', { class: 'img-placeholder' }, it.altText || 'image'));
      else if (it.type === 'Container') { const c = el('div', { class: 'container style-' + String(it.style || 'default').replace(/[^\w]/g, '') }); adaptive(it.items, c); parent.append(c); }
      else if (it.type === 'ColumnSet') { const row = el('div', { class: 'columns' }); for (const col of it.columns || []) { const c = el('div'); adaptive(col.items, c); row.append(c); } parent.append(row); }
      else if (it.type === 'ActionSet') adaptiveActions(it.actions, parent);
    }
  }
  function adaptiveActions(actions, parent) {
    if (!actions || actions.length === 0) return;
    const a = el('div', { class: 'buttons' });
    for (const x of actions) a.append(safeUrl(x.url) ? el('a', { class: 'button', href: x.url, rel: 'noopener noreferrer', target: '_blank' }, x.title || '') : el('span', { class: 'button' }, x.title || ''));
    parent.append(a);
  }
  function teamsView(body) {
    const root = el('div', { class: 'chat teams' });
    for (const att of body.attachments || [body]) {
      const card = att.content || att;
      adaptive(card.body, root);
      adaptiveActions(card.actions, root);
    }
    return root;
  }

  function discordView(body) {
    const root = el('div', { class: 'chat discord' });
    if (body.content) root.append(markdown(body.content));
    for (const e of body.embeds || []) {
      const box = el('div', { class: 'embed' });
      // CSSOM, not a style attribute: the page's Content-Security-Policy allows no inline styles.
      if (Number.isInteger(e.color)) box.style.borderLeftColor = '#' + e.color.toString(16).padStart(6, '0');
      if (e.title) box.append(el('h3', {}, e.title));
      if (e.description) box.append(markdown(e.description));
      if (e.fields) { const grid = el('div', { class: 'fields' }); for (const f of e.fields) { const d = el('div'); d.append(el('strong', {}, f.name || '')); d.append(markdown(f.value || '')); grid.append(d); } box.append(grid); }
      if (e.image && safeUrl(e.image.url)) box.append(el('img', { class: 'chart', src: e.image.url, alt: '' }));
      if (e.footer) box.append(el('div', { class: 'context' }, e.footer.text || ''));
      root.append(box);
    }
    return root;
  }

  // Telegram's HTML parse mode and e-mail bodies: parsed inert (DOMParser runs no script), then rebuilt from an
  // allow-list of elements and attributes. Styles go through CSSOM, which the page's policy allows.
  const KEEP = new Set(['a', 'b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'code', 'pre', 'blockquote', 'br', 'p', 'div', 'span',
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'img', 'hr', 'font', 'center', 'small', 'big', 'sub', 'sup', 'tg-spoiler']);
  function rebuild(node, styles) {
    const out = document.createDocumentFragment();
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) { out.append(child.textContent); continue; }
      if (child.nodeType !== Node.ELEMENT_NODE) continue;
      const tag = child.localName;
      if (!KEEP.has(tag)) { if (!['script', 'style', 'head', 'title', 'meta', 'link', 'iframe', 'object', 'embed'].includes(tag)) out.append(rebuild(child, styles)); continue; }
      const copy = document.createElement(tag === 'tg-spoiler' ? 'span' : tag);
      for (const a of ['colspan', 'rowspan', 'align', 'valign', 'width', 'height', 'alt', 'title', 'cellpadding', 'cellspacing', 'border']) {
        if (child.hasAttribute(a)) copy.setAttribute(a, child.getAttribute(a));
      }
      if (tag === 'a' && safeUrl(child.getAttribute('href'))) { copy.setAttribute('href', child.getAttribute('href')); copy.setAttribute('rel', 'noopener noreferrer'); copy.setAttribute('target', '_blank'); }
      if (tag === 'img') {
        const src = child.getAttribute('src') || '';
        if (safeUrl(src)) copy.setAttribute('src', src);
        else { const ph = el('span', { class: 'img-placeholder' }, src.startsWith('cid:') ? 'chart (embedded in the e-mail)' : 'image'); out.append(ph); continue; }
      }
      if (styles && child.getAttribute('style')) copy.style.cssText = child.getAttribute('style');
      if (styles && child.getAttribute('bgcolor')) copy.style.backgroundColor = child.getAttribute('bgcolor');
      if (tag === 'font' && child.getAttribute('color')) copy.style.color = child.getAttribute('color');
      copy.append(rebuild(child, styles));
      out.append(copy);
    }
    return out;
  }
  function telegramView(body) {
    const root = el('div', { class: 'chat telegram' });
    const text = body.text ?? body.caption ?? '';
    if (String(body.parse_mode || '').toUpperCase() === 'HTML') {
      const doc = new DOMParser().parseFromString('<body>' + String(text).replace(/\n/g, '<br>') + '</body>', 'text/html');
      root.append(rebuild(doc.body, false));
    } else root.append(markdown(text));
    return root;
  }

  function emailView(email) {
    const root = el('div', { class: 'mail' });
    root.append(el('div', { class: 'mail-subject' }, 'Subject: ' + (email.subject || '(none)')));
    const host = el('div', { class: 'mail-body', id: 'pg-mail' });
    // The message in its own shadow root: its styles stay inside, the page's stay out.
    const shadow = host.attachShadow({ mode: 'open' });
    if (email.html) {
      const doc = new DOMParser().parseFromString(email.html, 'text/html');
      const css = [...doc.querySelectorAll('style')].map((x) => x.textContent).join('\n');
      if (css) { try { const sheet = new CSSStyleSheet(); sheet.replaceSync(css.replace(/@import[^;]*;/g, '')); shadow.adoptedStyleSheets = [sheet]; } catch { /* styles are optional */ } }
      const wrap = document.createElement('div');
      wrap.append(rebuild(doc.body, true));
      shadow.append(wrap);
    } else {
      const pre = document.createElement('pre'); pre.textContent = email.text || ''; shadow.append(pre);
    }
    root.append(host);
    return root;
  }

  function channelView(type, result) {
    if (type === 'email') return result.email ? emailView(result.email) : el('p', {}, 'no e-mail was sent');
    // The message itself: a Feishu app first asks for its tenant token (app_id), which is not what people see.
    const isMessage = (r) => { try { const b = JSON.parse(r.body); return b !== null && typeof b === 'object' && !('app_id' in b); } catch { return false; } };
    const req = result.requests.find(isMessage) || result.requests[0];
    if (!req) return el('p', {}, 'nothing was sent');
    let body;
    try { body = JSON.parse(req.body); } catch { body = null; }
    if (type === 'webhook' || body === null) return el('pre', { class: 'output' }, req.body);
    if (type === 'dingtalk') {
      const root = el('div', { class: 'chat dingtalk' });
      const md = body.markdown || {};
      root.append(el('div', { class: 'context' }, 'notification title: ' + (md.title || '')));
      root.append(markdown(md.text ?? textOf(body.text)));
      return root;
    }
    if (type === 'wecom') {
      const root = el('div', { class: 'chat wecom' });
      root.append(markdown((body.markdown || body.markdown_v2 || body.text || {}).content || ''));
      return root;
    }
    if (type === 'slack') return slackView(body);
    if (type === 'feishu') return feishuView(body);
    if (type === 'teams') return teamsView(body);
    if (type === 'discord') return discordView(body);
    if (type === 'telegram') return telegramView(body);
    return el('pre', { class: 'output' }, JSON.stringify(body, null, 2));
  }

  function requestsView(requests) {
    const root = el('div');
    for (const r of requests) {
      let body = r.body;
      try { body = JSON.stringify(JSON.parse(r.body), null, 2); } catch { /* not JSON: shown as sent */ }
      root.append(el('p', { class: 'small' }, el('code', {}, r.method + ' ' + r.url), r.contentType ? ' — ' + r.contentType : '', r.truncated ? ' (cut at 256 KiB)' : ''));
      root.append(el('pre', { class: 'output payload' }, body));
    }
    return root;
  }

  async function playgroundPage() {
    const $ = (id) => document.getElementById(id);
    const receiver = $('pg-receiver'), group = $('pg-group'), channel = $('pg-channel'), field = $('pg-field'), profile = $('pg-profile');
    const payload = $('pg-payload'), template = $('pg-template'), output = $('pg-output'), rendered = $('pg-rendered');
    const error = $('pg-error'), where = $('pg-where'), sent = $('pg-sent'), shows = $('pg-shows'), note = $('pg-note');
    let receivers = [];
    try {
      receivers = await fetch('/api/v1/receivers', { credentials: 'same-origin' }).then((r) => r.json());
    } catch (err) {
      error.textContent = 'could not load the receivers: ' + err;
    }
    for (const r of receivers) receiver.append(el('option', { value: r.name }, r.name));

    const current = () => receivers.find((r) => r.name === receiver.value);
    const currentChannel = () => current() && current().channels.find((x) => x.name === channel.value);
    function fillReceiver() {
      const r = current();
      group.replaceChildren(el('option', { value: '' }, 'built-in sample (or paste a payload)'));
      channel.replaceChildren(el('option', { value: '' }, '(no channel: Markdown)'));
      if (!r) { loadChannel(); loadGroup(); return; }
      for (const g of r.recentGroups) {
        group.append(el('option', { value: String(g.groupId) }, '#' + g.groupId + ' ' + g.status + ', ' + g.alerts + ' alert(s), ' + fmtTime(g.receivedAt)));
      }
      for (const c of r.channels) if (c.fields && c.fields.length > 0) channel.append(el('option', { value: c.name }, c.name + ' (' + c.type + ')'));
      loadChannel();
      if (r.recentGroups.length > 0) group.value = String(r.recentGroups[0].groupId);
      loadGroup();
    }

    // Only the latest choice fills the payload: an earlier receiver's group may answer after a later one.
    let groupSeq = 0;
    async function loadGroup() {
      const mine = ++groupSeq;
      if (!group.value) { payload.value = ''; schedule(); return; }
      const r = await fetch('/api/v1/groups/' + encodeURIComponent(group.value) + '/payload', { credentials: 'same-origin' });
      const text = await r.text();
      if (mine !== groupSeq) return;
      if (!r.ok) { let e = {}; try { e = JSON.parse(text); } catch { /* not JSON */ } error.textContent = 'could not load group ' + group.value + ': ' + (e.error || r.status); return; }
      try { payload.value = JSON.stringify(JSON.parse(text), null, 2); } catch { payload.value = ''; }
      schedule();
    }

    function loadChannel() {
      const c = currentChannel();
      field.replaceChildren(...(c ? c.fields : ['text']).map((f) => el('option', { value: f }, f)));
      field.disabled = !c;
      shows.textContent = c ? 'As ' + c.name + ' (' + c.type + ') shows it' : 'As a Markdown chat client shows it';
      loadField();
    }

    function loadField() {
      const c = currentChannel();
      template.placeholder = c ? 'empty: ' + c.name + '\'s own ' + field.value + ' template (built into the plugin)' : '';
      if (c) {
        // The configured text when there is one; otherwise the text stays (emptied, it previews the built-in template).
        const t = c.templates && c.templates[field.value];
        if (t) template.value = t;
        if (c.profile) profile.value = c.profile;
      }
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
      const c = currentChannel();
      const body = { template: template.value, profile: profile.value };
      if (data !== undefined) body.data = data;
      if (c) { body.channel = c.name; body.field = field.value; }
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
        note.textContent = json.channel && json.channel.note ? json.channel.note : '';
        if (json.channel) {
          rendered.replaceChildren(channelView(json.channel.type, json.channel));
          sent.replaceChildren(requestsView(json.channel.requests));
          rendered.dataset.type = json.channel.type;
        } else {
          rendered.replaceChildren(markdown(json.output));
          sent.replaceChildren(el('p', { class: 'muted small' }, 'Choose a channel to see what it would send.'));
          rendered.dataset.type = '';
        }
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
    field.addEventListener('change', loadField);
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
