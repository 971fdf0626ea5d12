import Foundation

/// A page comparing several runs (`gan report RUN1 RUN2 … --out compare.html`), as
/// self-contained as `RunReport`: one chart per logged value with a line per run (run i in
/// colour i throughout), the evaluations over steps, each run's sample grids and config.
public enum RunComparison {
    /// Writes the page to `url` and returns it.
    @discardableResult
    public static func write(_ folders: [RunFolder], to url: URL) throws -> URL {
        for folder in folders where !folder.exists {
            throw ModelError.run("\(folder.url.path): not a run folder (no config.json)")
        }
        do {
            try Data(html(folders).utf8).write(to: url, options: .atomic)
        } catch {
            throw ModelError.run("\(url.path): cannot write: \(error.localizedDescription)")
        }
        return url
    }

    /// Short names for the runs: the folder names, or the whole paths when two share a name.
    static func names(_ folders: [RunFolder]) -> [String] {
        let last = folders.map { $0.url.lastPathComponent }
        return Set(last).count == last.count ? last : folders.map { $0.url.path }
    }

    /// The page.
    public static func html(_ folders: [RunFolder]) -> String {
        let names = names(folders)
        let metrics = folders.map { $0.readMetrics() }
        func points(_ lines: [[String: Any]], _ value: ([String: Any]) -> Any?) -> [(Double, Double)] {
            lines.compactMap { m in
                guard let s = (m["step"] as? NSNumber)?.doubleValue, let v = (value(m) as? NSNumber)?.doubleValue,
                      v.isFinite else { return nil }
                return (s, v)
            }
        }
        // Every numeric key any run logged; the usual ones first, in the single-run page's order.
        let skipped: Set<String> = ["step", "epoch", "elapsed_s", "eval_seconds"]
        var keys = Set<String>(), evaluationKeys = Set<String>()
        for lines in metrics {
            for m in lines {
                if let values = m["eval"] as? [String: Any] {
                    evaluationKeys.formUnion(values.keys.filter { values[$0] is NSNumber && !$0.hasSuffix("_std") })
                } else {
                    keys.formUnion(m.keys.filter { m[$0] is NSNumber && !skipped.contains($0) })
                }
            }
        }
        let first = ["loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "images_per_second", "lr_d", "lr_g"]
        let ordered = first.filter(keys.contains) + keys.subtracting(first).sorted()
        func chart(_ title: String, markers: Bool, _ value: @escaping ([String: Any]) -> Any?) -> String? {
            // A run without the value keeps its colour: its line is just absent.
            let lines = zip(names, metrics).map { (label: $0, points: points($1, value)) }
            guard lines.contains(where: { !$0.points.isEmpty }) else { return nil }
            return RunReport.chart(title: title, lines: lines, markers: markers)
        }
        let charts = ordered.compactMap { key in
            chart(key + " (" + TensorBoardWriter.tag(forMetric: key) + ")", markers: false) { $0["eval"] == nil ? $0[key] : nil }
        }
        let evaluations = evaluationKeys.sorted().compactMap { key in
            chart("eval: " + key, markers: true) { ($0["eval"] as? [String: Any])?[key] }
        }
        var legend = ""
        var sections = ""
        for (i, (folder, name)) in zip(folders, names).enumerated() {
            let config = (try? String(contentsOf: folder.configURL, encoding: .utf8)) ?? "(no config.json)"
            let run = try? folder.readConfig()
            let logged = metrics[i].compactMap { ($0["step"] as? NSNumber)?.intValue }.max() ?? 0
            let what = run.map { "\($0.run.family) (\($0.run.preset)) on \($0.run.data)" } ?? ""
            let colour = RunReport.colours[i % RunReport.colours.count]
            legend += "<tr><td><span class=\"swatch\" style=\"background:\(colour)\"></span></td><td><b>\(RunReport.escape(name))</b></td>"
                + "<td>\(RunReport.escape(what))</td><td>step \(logged)\(run.map { " of \($0.run.steps)" } ?? "")</td>"
                + "<td><code>\(RunReport.escape(folder.url.path))</code></td></tr>"
            let grids = folder.sampleFiles().compactMap { step, path -> String? in
                guard let data = FileManager.default.contents(atPath: path) else { return nil }
                return "<figure><img src=\"data:image/png;base64,\(data.base64EncodedString())\" alt=\"\(RunReport.escape(name)) samples at step \(step)\">"
                    + "<figcaption>step \(step)</figcaption></figure>"
            }
            sections += "<h3 style=\"color:\(colour)\">\(RunReport.escape(name))</h3>\n<div class=\"timeline\">"
                + (grids.isEmpty ? "<p>No sample grids yet.</p>" : grids.joined(separator: "\n")) + "</div>\n"
                + "<details><summary>config.json</summary><pre>\(RunReport.escape(config))</pre></details>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(folders.count) runs compared</title>
            <style>
            body { font-family: -apple-system, "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px; color: #222; max-width: 1150px; }
            h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; }
            .charts { display: flex; flex-wrap: wrap; gap: 12px; }
            .timeline { display: flex; flex-wrap: wrap; gap: 10px; }
            figure { margin: 0; text-align: center; font-size: 12px; color: #555; }
            figure img { width: 160px; image-rendering: pixelated; border: 1px solid #ccc; }
            pre { background: #f6f6f6; padding: 10px; font-size: 12px; overflow-x: auto; }
            table { border-collapse: collapse; font-size: 13px; } td { padding: 2px 10px; border-bottom: 1px solid #eee; }
            .swatch { display: inline-block; width: 14px; height: 14px; border-radius: 2px; }
            </style></head><body>
            <h1>\(folders.count) runs compared</h1>
            <table>\(legend)</table>
            <h2>Metrics</h2>
            <div class="charts">\(charts.isEmpty ? "<p>No metrics logged yet.</p>" : charts.joined(separator: "\n"))</div>
            \(evaluations.isEmpty ? "" : "<h2>Evaluation</h2>\n<div class=\"charts\">\(evaluations.joined(separator: "\n"))</div>")
            <h2>Samples (fixed latents) and configs</h2>
            \(sections)
            </body></html>
            """
    }
}
