#!/bin/sh
# Regenerates docs/images/channel-*.png from the mock-ups (python3 build.py first).
cd "$(dirname "$0")"
for spec in dingtalk:820 wecom:580 feishu:960 slack:780; do
  c=${spec%%:*}; h=${spec##*:}
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=680,$h --screenshot=../channel-$c.png "file://$PWD/$c.html"
done
