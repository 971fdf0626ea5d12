#!/usr/bin/env bash
# `gan report` pages opened by a real browser (Debian's chromium, headless): a one-run report
# (dcgan on Fashion-MNIST with evaluation) and a two-run comparison (gan and wgan-gp on
# toy:ring8). Each page is rendered to a screenshot (kept: a CI artefact) and its DOM dumped
# with console logging on; the check fails on any console message (the pages have no scripts,
# so any message is an error: a broken image, a parse error) and unless the rendered DOM holds
# the charts (<svg> with <polyline> lines: one per run on the comparison's charts of values both
# runs log; wgan-gp's gp_norm has one) and the sample grids. The checker first proves it can
# fail, on a page with a console error.
# Usage: scripts/check_report.sh [GAN] [OUT]   (default .build/release/gan, a temporary folder)
set -euo pipefail
gan=$(realpath "${1:-.build/release/gan}")
out=$(realpath -m "${2:-$(mktemp -d)}")
mkdir -p "$out/runs"
cd "$out/runs"

"$gan" train dcgan --data fashion-mnist --steps 6 --log-every 1 --sample-every 3 \
    --eval-every 3 --eval-count 64 --eval-metrics fid,kid --out image >../image.log
"$gan" train gan --data toy:ring8 --steps 60 --log-every 5 --out toy-gan >../toy.log
"$gan" train wgan-gp --data toy:ring8 --steps 60 --log-every 5 --out toy-wgan-gp >>../toy.log
"$gan" report image --out "$out/report.html"
"$gan" report toy-gan toy-wgan-gp --out "$out/compare.html"

# check PAGE NAME MIN_CHARTS LINES MIN_IMAGES: at least MIN_CHARTS charts draw LINES lines or more.
check() {
    local page=$1 name=$2
    chromium --headless --disable-gpu --no-sandbox --window-size=1200,2000 \
        --screenshot="$out/$name.png" "file://$page" 2>/dev/null
    chromium --headless --disable-gpu --no-sandbox --enable-logging=stderr --v=0 \
        --dump-dom "file://$page" >"$out/$name.dom.html" 2>"$out/$name.console.log"
    python3 - "$out/$name.dom.html" "$out/$name.console.log" "$out/$name.png" "$3" "$4" "$5" <<'PY'
import re, sys
from html.parser import HTMLParser
dom_path, console_path, png_path, min_charts, lines_per_chart, min_images = sys.argv[1:4] + [int(a) for a in sys.argv[4:]]

class Charts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.charts, self.images, self.depth = [], 0, 0
    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self.charts.append(0)
        elif tag == "polyline" and self.charts and len(dict(attrs).get("points", "").split()) >= 2:
            self.charts[-1] += 1
        elif tag == "img" and dict(attrs).get("src", "").startswith("data:image/png;base64,"):
            self.images += 1

parser = Charts()
parser.feed(open(dom_path, encoding="utf-8").read())
console = [l for l in open(console_path, errors="replace") if ":CONSOLE" in l or "Uncaught" in l]
problems = []
if sum(n >= lines_per_chart for n in parser.charts) < min_charts:
    problems.append(f"<svg> charts in the rendered DOM with their drawn <polyline>s: {parser.charts}; "
                    f"expected at least {min_charts} with {lines_per_chart} or more")
if parser.images < min_images:
    problems.append(f"{parser.images} embedded PNGs, expected at least {min_images}")
problems += ["console: " + l.strip() for l in console]
png = open(png_path, "rb").read()
if png[:8] != b"\x89PNG\r\n\x1a\n" or int.from_bytes(png[16:20], "big") != 1200:
    problems.append(f"{png_path}: not a 1200-pixel-wide PNG screenshot")
print(f"{dom_path}: {len(parser.charts)} charts, polylines per chart {parser.charts}, {parser.images} images, "
      f"{len(console)} console messages: {'FAILED' if problems else 'ok'}")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
}

# The check fails on a page with a console error.
printf '<!DOCTYPE html><html><body><svg><polyline points="0,0 1,1"/></svg><script>undefinedFunction()</script></body></html>' \
    >"$out/broken.html"
if check "$out/broken.html" broken 1 1 0 >/dev/null; then
    echo "check_report.sh: a page with a console error passed the check"
    exit 1
fi
check "$out/report.html" report 5 1 3
check "$out/compare.html" compare 8 2 2
echo "screenshots: $out/report.png $out/compare.png"
