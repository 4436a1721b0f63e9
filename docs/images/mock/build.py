#!/usr/bin/env python3
"""Builds the chat-client mock-ups in docs/images from the real template output in this folder
(*.md / *.title, rendered by Promoter's template engine from tests/testdata/alertmanager-0.25/firing-single.json)
and screenshots them with headless Chromium:  python3 build.py && for f in *.html; do chromium --headless ...; done"""
import html, re, sys

# The machine that renders these has no colour emoji font: the emoji become coloured symbols.
EMOJI = {'🔥': '<span style="color:#f54a45">&#9650;</span>', '✅': '<span style="color:#34c724">&#10004;</span>', '📈': '&#9636;'}

def emoji(t):
    for k, v in EMOJI.items():
        t = t.replace(k, v)
    return t

def inline(t, slack=False):
    return emoji(inline_(t, slack))

def inline_(t, slack=False):
    t = html.escape(t, quote=False)
    # WeCom / Feishu / DingTalk font tags survive escaping as &lt;font ...&gt;
    colours = {'warning': '#ff9900', 'info': '#1aad19', 'comment': '#999', 'red': '#f54a45', 'green': '#34c724', 'grey': '#8f959e'}
    t = re.sub(r"&lt;font color=[\"']?(\w+)[\"']?&gt;(.*?)&lt;/font&gt;", lambda m: f'<span style="color:{colours.get(m.group(1), m.group(1))}">{m.group(2)}</span>', t)
    t = re.sub(r'`([^`]*)`', r'<code>\1</code>', t)
    if slack:
        t = re.sub(r'&lt;([^|&]*)\|([^&]*)&gt;', r'<a href="#">\2</a>', t)
        t = re.sub(r'\*([^*]+)\*', r'<b>\1</b>', t)
        t = re.sub(r'(?<![\w])_([^_]+)_(?![\w])', r'<i>\1</i>', t)
        t = t.replace(':fire:', '🔥').replace(':white_check_mark:', '✅')
    else:
        t = re.sub(r'!\[([^\]]*)\]\(([^)]*)\)', r'<img class="chart" src="chart.png" alt="\1">', t)
        t = re.sub(r'\[([^\]]*)\]\(([^)]*)\)', r'<a href="#">\1</a>', t)
        t = re.sub(r'\*\*([^*]+)\*\*', r'<b>\1</b>', t)
    return t

def md(text, slack=False):
    out, in_list = [], False
    for line in text.split('\n'):
        s = line.rstrip()
        if in_list and not s.startswith('- '):
            out.append('</ul>'); in_list = False
        if not s:
            continue
        m = re.match(r'(#{1,6}) (.*)', s)
        if m and not slack:
            n = len(m.group(1)); out.append(f'<h{n}>{inline(m.group(2))}</h{n}>'); continue
        if s.startswith('> '):
            out.append(f'<div class="quote">{inline(s[2:], slack)}</div>'); continue
        if s.startswith('- ') and not slack:
            if not in_list: out.append('<ul>'); in_list = True
            out.append(f'<li>{inline(s[2:])}</li>'); continue
        out.append(f'<p>{inline(s, slack)}</p>')
    if in_list: out.append('</ul>')
    return '\n'.join(out)

def read(name):
    return open(name, encoding='utf-8').read()

BASE = '''<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;font:14px/1.55 "Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;background:%(bg)s;color:#1f2329}
.win{width:640px;padding:18px 20px}
.top{font-size:13px;color:#8f959e;margin-bottom:12px;text-align:center}
.row{display:flex;gap:10px;margin-bottom:10px}
.avatar{width:36px;height:36px;border-radius:%(radius)s;background:%(accent)s;color:#fff;font-weight:bold;display:flex;align-items:center;justify-content:center;flex:none}
.name{font-size:12px;color:#8f959e;margin-bottom:4px}
.bubble{background:#fff;border-radius:8px;padding:10px 14px;max-width:540px;box-shadow:0 1px 2px rgba(0,0,0,.08);overflow-wrap:anywhere}
.bubble p{margin:3px 0}.bubble h2,.bubble h3,.bubble h4{margin:6px 0;font-size:15px}
.quote{border-left:3px solid #dcdfe4;padding-left:8px;color:#646a73;margin:2px 0}
code{background:#f2f3f5;border-radius:3px;padding:0 3px;font-size:12px}
a{color:#3370ff;text-decoration:none}ul{margin:4px 0;padding-left:20px}
img.chart{width:100%%;border-radius:4px;margin-top:6px}
%(extra)s</style></head><body><div class="win">%(body)s</div></body></html>'''

def page(name, bg, accent, radius, body, extra=''):
    open(name, 'w', encoding='utf-8').write(BASE % dict(bg=bg, accent=accent, radius=radius, body=body, extra=extra))

# DingTalk: markdown message with the chart inline (DingTalk fetches the stored public URL).
page('dingtalk.html', '#f2f3f5', '#3296fa', '8px', f'''<div class="top">运维告警群 · DingTalk</div>
<div class="row"><div class="avatar">P</div><div><div class="name">Promoter 告警机器人</div>
<div class="bubble">{md(read("dingtalk.md"))}</div></div></div>''')

# WeCom: the markdown message, then the chart as an image message.
page('wecom.html', '#f5f5f5', '#2b7cf6', '4px', f'''<div class="top">运维告警群 · 企业微信</div>
<div class="row"><div class="avatar">P</div><div><div class="name">Promoter 告警机器人</div>
<div class="bubble">{md(read("wecom.md"))}</div></div></div>
<div class="row"><div class="avatar">P</div><div><div class="name">Promoter 告警机器人</div>
<div class="bubble" style="padding:4px;width:420px"><img class="chart" style="margin:0" src="chart.png"></div></div></div>''')

# Feishu: the interactive card the channel builds (header colour, fields, text, uploaded chart, buttons).
fields = ''.join(f'<div class="field"><b>{k}</b><br>{v}</div>' for k, v in [('状态', emoji('🔥 告警中')), ('级别', 'warning'), ('触发', '1'), ('恢复', '0')])
page('feishu.html', '#f5f6f7', '#3370ff', '50%', f'''<div class="top">运维告警群 · 飞书</div>
<div class="row"><div class="avatar">P</div><div><div class="name">Promoter 告警机器人</div>
<div class="card"><div class="head">{html.escape(read("feishu.title"))}</div><div class="cbody">
<div class="fields">{fields}</div>{md(read("feishu.md"))}
<img class="chart" src="chart.png"><div class="cap">scrape_duration_seconds{{job="prometheus"}}</div><hr>
<span class="btn primary">查看来源</span><span class="btn">静默</span><span class="btn">告警页面</span></div></div></div></div>''',
'''.card{width:540px;background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 1px 3px rgba(0,0,0,.1)}
.head{background:#ff8800;color:#fff;font-weight:bold;font-size:16px;padding:10px 14px}
.cbody{padding:10px 14px}.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 12px;margin-bottom:8px}
.cap{font-size:12px;color:#8f959e}hr{border:0;border-top:1px solid #e4e5e7;margin:10px 0}
.btn{display:inline-block;border:1px solid #d0d3d6;border-radius:6px;padding:4px 14px;margin-right:8px;font-size:13px}
.btn.primary{background:#3370ff;color:#fff;border-color:#3370ff}''')

# Slack: header block, the mrkdwn sections, fields, the chart as an image block.
page('slack.html', '#ffffff', '#4a154b', '6px', f'''<div class="top"># alerts · Slack</div>
<div class="row"><div class="avatar">P</div><div><div class="name"><b style="color:#1d1c1d">Promoter</b> APP</div>
<div class="slack"><div class="shead">{html.escape(read("slack.title"))}</div>{md(read("slack.md"), slack=True)}
<div class="sfields"><div><b>Status</b><br>firing</div><div><b>Firing</b><br>1</div><div><b>Resolved</b><br>0</div><div><b>Severity</b><br>warning</div></div>
<div class="cap">scrape_duration_seconds{{job="prometheus"}}</div><img class="chart" src="chart.png"></div></div></div>''',
'''body{font-family:Lato,"Noto Sans",sans-serif}.slack{max-width:540px;font-size:15px;color:#1d1c1d}.slack p{margin:2px 0}
.shead{font-size:18px;font-weight:900;margin-bottom:4px}.sfields{display:grid;grid-template-columns:1fr 1fr;gap:6px;margin:8px 0}
.cap{font-size:13px;color:#616061}code{color:#e01e5a;background:#f6f6f6;border:1px solid #ddd}''')
