import Foundation

/// `report.html` of a run: one self-contained page (no scripts, no external files) with the
/// metrics as inline SVG line charts, the sample grids as a timeline of embedded PNGs, and the
/// config.
public enum RunReport {
    /// Writes the page to `url` (default: `report.html` in the run folder) and returns its path.
    @discardableResult
    public static func write(_ folder: RunFolder, to url: URL? = nil) throws -> URL {
        guard folder.exists else {
            throw ModelError.run("\(folder.url.path): not a run folder (no config.json)")
        }
        let url = url ?? folder.url.appendingPathComponent("report.html")
        do {
            try Data(html(folder).utf8).write(to: url, options: .atomic)
        } catch {
            throw ModelError.run("\(url.path): cannot write: \(error.localizedDescription)")
        }
        return url
    }

    /// The page.
    public static func html(_ folder: RunFolder) -> String {
        let metrics = folder.readMetrics()
        let config = (try? String(contentsOf: folder.configURL, encoding: .utf8)) ?? "(no config.json)"
        let run = try? folder.readConfig()
        let title = run.map { "\($0.run.family) (\($0.run.preset)) on \($0.run.data)" } ?? folder.url.lastPathComponent
        func series(_ key: String) -> [(Double, Double)] {
            metrics.compactMap { m in
                guard let s = (m["step"] as? NSNumber)?.doubleValue, let v = (m[key] as? NSNumber)?.doubleValue,
                      v.isFinite else { return nil }
                return (s, v)
            }
        }
        var charts: [String] = []
        // Every numeric series a family logged: the known ones grouped, losses, D outputs and
        // gradient norms by prefix, anything else on a chart of its own.
        let labels = ["loss_d": "D loss", "loss_g": "G loss", "d_real": "D(x)", "d_fake": "D(G(z))",
                      "gp_norm": "‖∇D(x̂)‖", "grad_norm_d": "|∇D|", "grad_norm_g": "|∇G|", "images_per_second": "images/s",
                      "lr_g": "G lr", "lr_d": "D lr"]
        var keys: [String] = []
        for m in metrics where m["eval"] == nil {
            for (key, value) in m where value is NSNumber && !keys.contains(key) && !["step", "epoch", "elapsed_s"].contains(key) {
                keys.append(key)
            }
        }
        keys.sort()
        func named(_ selected: [String]) -> [(String, String)] { selected.map { ($0, labels[$0] ?? $0) } }
        let prefixed = { (prefix: String) in keys.filter { $0.hasPrefix(prefix) } }
        var groups: [(String, [(String, String)])] = [
            ("Losses", named(["loss_d", "loss_g"].filter(keys.contains) + prefixed("loss_").filter { $0 != "loss_d" && $0 != "loss_g" })),
            ("Discriminator outputs", named(prefixed("d_"))),
            ("Critic gradient norm at interpolates (WGAN-GP; target 1)", named(prefixed("gp_norm"))),
            ("Weight-gradient norms", named(prefixed("grad_norm"))),
            ("Throughput (images/s)", named(["images_per_second"])),
            ("Learning rates", named(prefixed("lr_"))),
        ]
        let charted = Set(groups.flatMap { $0.1.map(\.0) })
        groups += keys.filter { !charted.contains($0) }.map { ($0, named([$0])) }
        for (name, keys) in groups {
            let lines = keys.map { (label: $0.1, points: series($0.0)) }.filter { !$0.points.isEmpty }
            if !lines.isEmpty { charts.append(chart(title: name, lines: lines)) }
        }
        let evaluations = evaluationCharts(metrics)
        var samples: [String] = []
        for (step, path) in folder.sampleFiles() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            samples.append("""
                <figure><img src="data:image/png;base64,\(data.base64EncodedString())" alt="samples at step \(step)">\
                <figcaption>step \(step)</figcaption></figure>
                """)
        }
        func table(_ m: [String: Any]) -> String {
            m.keys.sorted().map { k in "<td>\(escape(k))</td><td>\(escape(format(m[k])))</td>" }
                .map { "<tr>\($0)</tr>" }.joined()
        }
        let last = metrics.last(where: { $0["eval"] == nil && $0["eval_error"] == nil }).map(table) ?? ""
        let lastEvaluation = metrics.last(where: { $0["eval"] is [String: Any] }).map { m -> String in
            var values = m["eval"] as? [String: Any] ?? [:]
            values["step"] = m["step"]
            return table(values)
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>
            body { font-family: -apple-system, "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px; color: #222; max-width: 1150px; }
            h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
            .charts { display: flex; flex-wrap: wrap; gap: 12px; }
            .timeline { display: flex; flex-wrap: wrap; gap: 10px; }
            figure { margin: 0; text-align: center; font-size: 12px; color: #555; }
            figure img { width: 200px; image-rendering: pixelated; border: 1px solid #ccc; }
            pre { background: #f6f6f6; padding: 10px; font-size: 12px; overflow-x: auto; }
            table { border-collapse: collapse; font-size: 13px; } td { padding: 2px 10px; border-bottom: 1px solid #eee; }
            </style></head><body>
            <h1>\(escape(title))</h1>
            <p>Run folder <code>\(escape(folder.url.path))</code> — \(metrics.filter { $0["images_per_second"] != nil }.count) logged steps, \(metrics.filter { $0["eval"] != nil }.count) evaluations, \(samples.count) sample grids.</p>
            <h2>Metrics</h2>
            <div class="charts">\(charts.isEmpty ? "<p>No metrics logged yet.</p>" : charts.joined(separator: "\n"))</div>
            \(evaluations.isEmpty ? "" : "<h2>Evaluation</h2>\n<div class=\"charts\">\(evaluations.joined(separator: "\n"))</div>")
            <h2>Last logged values</h2><table>\(last)</table>
            \(lastEvaluation.map { "<h2>Last evaluation</h2><table>\($0)</table>" } ?? "")
            <h2>Samples (fixed latents)</h2>
            <div class="timeline">\(samples.isEmpty ? "<p>No sample grids yet.</p>" : samples.joined(separator: "\n"))</div>
            <h2>Config</h2><pre>\(escape(config))</pre>
            </body></html>
            """
    }

    /// Charts of the evaluation lines (`{"step", "eval": {...}, "eval_settings": {...}}`, as
    /// `Trainer` writes them): FID, KID, precision and recall, Inception Score, class accuracy,
    /// and any other value on its own; the title names the features and sample count.
    static func evaluationCharts(_ metrics: [[String: Any]]) -> [String] {
        var series: [String: [(Double, Double)]] = [:]
        var settings: [String: Any] = [:]
        for m in metrics {
            guard let s = (m["step"] as? NSNumber)?.doubleValue, let values = m["eval"] as? [String: Any] else { continue }
            for (key, value) in values {
                if let v = (value as? NSNumber)?.doubleValue, v.isFinite { series[key, default: []].append((s, v)) }
            }
            if let given = m["eval_settings"] as? [String: Any] { settings = given }
        }
        guard !series.isEmpty else { return [] }
        var detail: [String] = []
        if let features = settings["features"] { detail.append("\(features) features") }
        if let count = settings["count"] { detail.append("\(count) samples") }
        let suffix = detail.isEmpty ? "" : " (\(detail.joined(separator: ", ")))"
        // The score and the accuracy come from class probabilities, not from the features.
        let countSuffix = settings["count"].map { " (\($0) samples)" } ?? ""
        let groups: [(String, [(String, String)])] = [
            ("FID", [("fid", "FID")]),
            ("KID", [("kid", "KID")]),
            ("Precision and recall", [("precision", "precision"), ("recall", "recall")]),
            ("Inception Score", [("is", "IS")]),
            ("Class accuracy", [("acc", "accuracy")]),
        ]
        var charts: [String] = []
        var shown: Set<String> = []
        for (name, keys) in groups {
            let lines = keys.compactMap { key, label in series[key].map { (label: label, points: $0) } }
            keys.forEach { shown.insert($0.0) }
            let title = name + (keys[0].0 == "is" || keys[0].0 == "acc" ? countSuffix : suffix)
            if !lines.isEmpty { charts.append(chart(title: title, lines: lines, markers: true)) }
        }
        for key in series.keys.sorted() where !shown.contains(key) && !key.hasSuffix("_std") {
            charts.append(chart(title: key + suffix, lines: [(label: key, points: series[key]!)], markers: true))
        }
        return charts
    }

    /// An SVG line chart of `lines` (x: step); `markers` draws a dot at each point.
    static func chart(title: String, lines: [(label: String, points: [(Double, Double)])], markers: Bool = false) -> String {
        let width = 540.0, height = 260.0, left = 58.0, right = 12.0, top = 28.0, bottom = 34.0
        let all = lines.flatMap(\.points)
        var (x0, x1) = (all.map(\.0).min()!, all.map(\.0).max()!)
        var (y0, y1) = (all.map(\.1).min()!, all.map(\.1).max()!)
        if x1 == x0 { x0 -= 1; x1 += 1 }
        // A constant line (a learning rate) sits mid-chart on a scale of its own size.
        if y1 == y0 { let d = y0 == 0 ? 1 : Swift.abs(y0) / 2; y0 -= d; y1 += d }
        let pad = (y1 - y0) * 0.05
        y0 -= pad; y1 += pad
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (width - left - right) }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * (height - top - bottom) }
        let colours = RunReport.colours
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-size=\"11\" font-family=\"sans-serif\">"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\" stroke=\"#ccc\"/>"
        svg += "<text x=\"\(left)\" y=\"17\" font-size=\"13\" font-weight=\"bold\">\(escape(title))</text>"
        for i in 0...4 {
            let y = y0 + (y1 - y0) * Double(i) / 4
            svg += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(f(py(y)))\" y2=\"\(f(py(y)))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 4)\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(tick(y))</text>"
            let x = x0 + (x1 - x0) * Double(i) / 4
            svg += "<text x=\"\(f(px(x)))\" y=\"\(height - bottom + 15)\" text-anchor=\"middle\">\(Int(x.rounded()))</text>"
        }
        svg += "<text x=\"\(f((left + width - right) / 2))\" y=\"\(height - 4)\" text-anchor=\"middle\">step</text>"
        for (i, line) in lines.enumerated() {
            let colour = colours[i % colours.count]
            let path = line.points.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\"\(path)\"/>"
            if markers {
                for p in line.points {
                    svg += "<circle cx=\"\(f(px(p.0)))\" cy=\"\(f(py(p.1)))\" r=\"2.5\" fill=\"\(colour)\"/>"
                }
            }
            svg += "<text x=\"\(width - right - 4)\" y=\"\(top + 4 + 14 * Double(i))\" text-anchor=\"end\" fill=\"\(colour)\">\(escape(line.label))</text>"
        }
        return svg + "</svg>"
    }

    /// Line colours, in order (a comparison gives run i colour i).
    static let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
    static func tick(_ v: Double) -> String {
        Swift.abs(v) >= 1000 ? String(format: "%.0f", v) : (Swift.abs(v) >= 10 ? String(format: "%.1f", v) : String(format: "%.3g", v))
    }
    static func format(_ value: Any?) -> String {
        if let n = value as? NSNumber { return n.doubleValue == n.doubleValue.rounded() ? "\(n.intValue)" : String(format: "%.4g", n.doubleValue) }
        return value.map { "\($0)" } ?? ""
    }
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
