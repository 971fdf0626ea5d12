import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a run's TensorBoard event files into `RUN/tensorboard/`: every scalar of a
/// metrics.jsonl line under a stable tag, the sample grids as images (named pictures under
/// `tag(forPicture:)`), the config as text.
/// Records are buffered and written at `flush()` (the trainer calls it at each checkpoint and
/// on exit) or when `flushSeconds` have passed, so training pays only on its log cadence.
///
/// Resuming: a run resumed from the checkpoint at step S logs steps S+1… again, so this
/// writer does what `RunFolder.truncateMetrics(after:)` does to metrics.jsonl: it drops every
/// event after S from the earlier files (and the config text at S, which the new session
/// writes again), then starts a new file (as TensorBoard expects of a restarted writer) whose
/// first events are the file version and a `SessionLog.START` at S+1, PyTorch's
/// `SummaryWriter(purge_step: S+1)`: a TensorBoard that had already read the dropped steps
/// forgets them too. Every reader then sees each step once. A run starting from step 0 removes
/// earlier event files, as metrics.jsonl is emptied.
///
/// ```swift
/// let writer = try TensorBoardWriter(folder: run.tensorboardURL, startStep: 0, config: json)
/// writer.add(metrics: ["step": 50, "loss_d": 1.38], step: 50)
/// try writer.flush()
/// ```
public final class TensorBoardWriter {
    /// The folder of event files.
    public let folder: URL
    /// The file this session appends to.
    public let fileURL: URL
    /// The longest time records wait in memory (PyTorch's `flush_secs` is 120).
    public static let flushSeconds = 30.0
    /// The text summary's tag for `config.json`.
    public static let configTag = "config"
    /// The image summary's tag for the sample grids.
    public static let samplesTag = "samples"

    private var handle: FileHandle?
    private var pending: [UInt8] = []
    private var lastFlush = Date()

    /// Opens a new event file for a session that starts at `startStep` (see the type's note on
    /// resuming) and writes `config` as the text summary `config` at that step.
    public init(folder: URL, startStep: Int, config: String) throws {
        self.folder = folder
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ModelError.run("\(folder.path): cannot create the TensorBoard folder: \(error.localizedDescription)")
        }
        let earlier = TensorBoardWriter.eventFiles(in: folder)
        for file in earlier {
            if startStep == 0 {
                try? manager.removeItem(at: file)
            } else {
                try TensorBoardWriter.trim(file, after: startStep)
            }
        }
        // Readers take files in name order: the new one sorts after every earlier one, even
        // when started within the same second.
        let newest = earlier.compactMap { TensorBoardWriter.timestamp(of: $0) }.max() ?? 0
        let time = Swift.max(Int(Date().timeIntervalSince1970), newest + 1)
        let name = "events.out.tfevents.\(time).\(TensorBoardWriter.hostName()).\(ProcessInfo.processInfo.processIdentifier).0"
        fileURL = folder.appendingPathComponent(name)
        guard manager.createFile(atPath: fileURL.path, contents: nil), let handle = try? FileHandle(forWritingTo: fileURL) else {
            throw ModelError.run("\(fileURL.path): cannot create the TensorBoard event file")
        }
        self.handle = handle
        let now = Date().timeIntervalSince1970
        append(TensorBoardEvent(wallTime: now, step: 0, kind: .fileVersion("brain.Event:2")))
        if startStep > 0 { append(TensorBoardEvent(wallTime: now, step: startStep + 1, kind: .sessionStart)) }
        let text = config.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
        append(TensorBoardEvent(wallTime: now, step: startStep,
                                kind: .summary([.init(tag: Self.configTag, content: .text(text))])))
        try flush()
    }

    /// The event files of `folder`, in name order (the order TensorBoard reads them).
    public static func eventFiles(in folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasPrefix("events.out.tfevents.") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// The events of one file, up to any torn tail.
    public static func events(in file: URL) throws -> [TensorBoardEvent] {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw ModelError.run("\(file.path): cannot read the event file")
        }
        return try EventFile.records(in: [UInt8](data)).records.map { try TensorBoardEvent(decoding: $0) }
    }

    // MARK: Adding

    /// Every number of a metrics.jsonl line (`eval` values too) as scalars at `step`, under
    /// `tag(forMetric:)`; `step`, strings and settings are left out.
    public func add(metrics line: [String: Any], step: Int) {
        var values: [TensorBoardEvent.Value] = []
        for key in line.keys.sorted() where key != "step" {
            if key == "eval", let evaluation = line[key] as? [String: Any] {
                for name in evaluation.keys.sorted() {
                    if let x = Self.number(evaluation[name]) { values.append(.init(tag: "eval/" + name, content: .scalar(Float(x)))) }
                }
            } else if let x = Self.number(line[key]) {
                values.append(.init(tag: Self.tag(forMetric: key), content: .scalar(Float(x))))
            }
        }
        guard !values.isEmpty else { return }
        append(TensorBoardEvent(wallTime: Date().timeIntervalSince1970, step: step, kind: .summary(values)))
    }

    /// A PNG file's bytes as an image summary at `step`; anything that is not a PNG is skipped.
    public func add(png: [UInt8], tag: String = TensorBoardWriter.samplesTag, step: Int) {
        guard let (width, height, colorspace) = Self.pngHeader(png) else { return }
        let image = TensorBoardEvent.Content.image(encoded: png, height: height, width: width, colorspace: colorspace)
        append(TensorBoardEvent(wallTime: Date().timeIntervalSince1970, step: step, kind: .summary([.init(tag: tag, content: image)])))
    }

    private func append(_ event: TensorBoardEvent) {
        pending += EventFile.record(event.encoded())
    }

    /// Writes the buffered records when `flushSeconds` have passed since the last write.
    public func flushIfDue() throws {
        if Date().timeIntervalSince(lastFlush) >= Self.flushSeconds { try flush() }
    }

    /// Writes the buffered records to the file.
    public func flush() throws {
        lastFlush = Date()
        guard !pending.isEmpty, let handle else { return }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: pending)
        } catch {
            throw ModelError.run("\(fileURL.path): cannot write TensorBoard events: \(error.localizedDescription)")
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file.
    public func close() throws {
        defer { try? handle?.close(); handle = nil }
        try flush()
    }

    deinit { try? handle?.close() }

    // MARK: Tags

    /// The TensorBoard tag of a metrics.jsonl key: `loss_d` → `loss/D`, `loss_cycle_a` →
    /// `loss/cycle_a`, `d_real` → `D(x)`, `d_fake_b` → `D(G(z))_b`, `grad_norm_g` →
    /// `gradnorm/G`, `lr_d` → `lr/D`, `images_per_second` → `images/s`, `time_step_ms` →
    /// `time/step_ms`, `elapsed_s` → `time/elapsed_s`, `eval_seconds` → `time/eval_s`; any
    /// other key is its own tag. Tags are stable: TensorBoard lines of runs of different
    /// versions meet only under the same tag.
    public static func tag(forMetric key: String) -> String {
        // `d`/`g` (and `d_a`, `g_b`) name a network: upper case, as in the log line.
        func network(_ name: Substring) -> String {
            let first = name.prefix(1)
            return (first == "d" || first == "g") && (name.count == 1 || name.dropFirst().first == "_")
                ? first.uppercased() + name.dropFirst() : String(name)
        }
        switch key {
        case "images_per_second": return "images/s"
        case "elapsed_s", "eta_s": return "time/" + key
        case "eval_seconds": return "time/eval_s"
        case "d_real": return "D(x)"
        case "d_fake": return "D(G(z))"
        default: break
        }
        if key.hasPrefix("d_real_") { return "D(x)_" + key.dropFirst(7) }
        if key.hasPrefix("d_fake_") { return "D(G(z))_" + key.dropFirst(7) }
        if key.hasPrefix("loss_") { return "loss/" + network(key.dropFirst(5)) }
        if key.hasPrefix("grad_norm_") { return "gradnorm/" + network(key.dropFirst(10)) }
        if key.hasPrefix("lr_") { return "lr/" + network(key.dropFirst(3)) }
        if key.hasPrefix("time_") { return "time/" + key.dropFirst(5) }
        return key
    }

    /// The image tag of a named sample picture (`StepMetrics.pictureName`): the name with its
    /// first `-` as TensorBoard's group separator, `phase-14x14` → `phase/14x14`, so a
    /// progressive GAN's phase ends sit together, one tag per resolution.
    public static func tag(forPicture name: String) -> String {
        guard let dash = name.firstIndex(of: "-") else { return name }
        return name[..<dash] + "/" + name[name.index(after: dash)...]
    }

    // MARK: Files

    /// Drops the events after `step` from `file` (and the config text at `step`), and any torn
    /// tail; a file left with nothing but its header is removed. Written to a temporary name
    /// that TensorBoard ignores (no `tfevents` in it), then renamed.
    static func trim(_ file: URL, after step: Int) throws {
        guard let data = FileManager.default.contents(atPath: file.path) else { return }
        let (records, intact) = EventFile.records(in: [UInt8](data))
        var kept: [ArraySlice<UInt8>] = []
        var hasSummary = false
        for record in records {
            guard let event = try? TensorBoardEvent(decoding: record) else { continue }
            if event.step > step { continue }
            if case .summary(let values) = event.kind {
                if event.step == step && values.contains(where: { $0.tag == configTag }) { continue }
                hasSummary = true
            }
            kept.append(record)
        }
        guard !intact || kept.count != records.count else { return }
        let manager = FileManager.default
        guard hasSummary else { try? manager.removeItem(at: file); return }
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".trim-\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try Data(kept.flatMap { EventFile.record(Array($0)) }).write(to: temporary)
            guard rename(temporary.path, file.path) == 0 else { throw ModelError.run(String(cString: strerror(errno))) }
        } catch {
            try? manager.removeItem(at: temporary)
            throw ModelError.run("\(file.path): cannot trim the event file to step \(step): \(error)")
        }
    }

    /// The seconds field of `events.out.tfevents.SECONDS.HOST.PID.N`.
    static func timestamp(of file: URL) -> Int? {
        Int(file.lastPathComponent.dropFirst("events.out.tfevents.".count).prefix { $0.isNumber })
    }

    /// The machine's name, as PyTorch puts it in event file names (`gethostname`, which never
    /// waits on DNS as `ProcessInfo.hostName` may); a slash would make it a path.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(cString: buffer).map { $0 == "/" ? "_" : $0 }
        return name.isEmpty ? "localhost" : String(name)
    }

    /// Width, height and TensorBoard colorspace of a PNG, from its IHDR chunk.
    static func pngHeader(_ png: [UInt8]) -> (width: Int, height: Int, colorspace: Int)? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard png.count >= 26, Array(png[0..<8]) == signature, Array(png[12..<16]) == Array("IHDR".utf8) else { return nil }
        func uint32(_ i: Int) -> Int { png[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        // Colour types: 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA.
        let colorspace = [0: 1, 2: 3, 3: 3, 4: 2, 6: 4][Int(png[25])]
        return colorspace.map { (uint32(16), uint32(20), $0) }
    }

    private static func number(_ value: Any?) -> Double? {
        switch value {
        case let x as Double: return x.isFinite ? x : nil
        case let x as Float: return x.isFinite ? Double(x) : nil
        case let x as Int: return Double(x)
        case let x as NSNumber: return x.doubleValue.isFinite ? x.doubleValue : nil
        default: return nil
        }
    }
}
