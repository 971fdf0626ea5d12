import Foundation
import GANData
import GANTestSupport
import Testing
@testable import GANModels

/// The event-file encoding: CRC-32C on published vectors, and the records and `Event`s of a
/// file TensorBoard's own writer made (`scripts/make_tensorboard_fixtures.py`), byte for byte.
@Suite struct TensorBoardEncodingTests {
    static let folder = Fixture.directory.appendingPathComponent("tensorboard")

    /// RFC 3720 (iSCSI) appendix B.4 and the usual check value.
    static let crcVectors: [([UInt8], UInt32)] = [
        (Array("123456789".utf8), 0xE306_9283),
        ([], 0),
        ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
        ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ((0..<32).map { UInt8($0) }, 0x46DD_794E),
        ((0..<32).map { UInt8(31 - $0) }, 0x113F_DB5C),
    ]

    @Test(arguments: crcVectors)
    func crc32cKnownVectors(bytes: [UInt8], expected: UInt32) {
        #expect(CRC32C.checksum(bytes) == expected)
    }

    /// The events reference.json describes, built with the Swift types.
    static func describedEvents() throws -> [TensorBoardEvent] {
        let data = try Data(contentsOf: folder.appendingPathComponent("reference.json"))
        let described = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return try described.map { d in
            let wallTime = try #require(d["wall_time"] as? NSNumber).doubleValue
            let step = try #require(d["step"] as? NSNumber).intValue
            if let version = d["file_version"] as? String {
                return TensorBoardEvent(wallTime: wallTime, step: step, kind: .fileVersion(version))
            }
            if d["session_start"] != nil { return TensorBoardEvent(wallTime: wallTime, step: step, kind: .sessionStart) }
            let values = try #require(d["summary"] as? [[String: Any]]).map { v -> TensorBoardEvent.Value in
                let tag = v["tag"] as! String
                if let x = v["scalar"] as? NSNumber { return .init(tag: tag, content: .scalar(x.floatValue)) }
                if let text = v["text"] as? String { return .init(tag: tag, content: .text(text)) }
                let png = [UInt8](FileManager.default.contents(atPath: folder.appendingPathComponent(v["image"] as! String).path)!)
                return .init(tag: tag, content: .image(encoded: png, height: 3, width: 5, colorspace: 3))
            }
            return TensorBoardEvent(wallTime: wallTime, step: step, kind: .summary(values))
        }
    }

    static func referenceBytes() throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent("reference.tfevents")))
    }

    @Test func encoderWritesTensorBoardsBytes() throws {
        let events = try Self.describedEvents()
        #expect(events.count == 6)
        let ours = events.flatMap { EventFile.record($0.encoded()) }
        let theirs = try Self.referenceBytes()
        #expect(ours.count == theirs.count)
        if let first = zip(ours, theirs).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            Issue.record("first differing byte at offset \(first.offset)")
        }
        #expect(ours == theirs)
    }

    @Test func readerDecodesTensorBoardsFile() throws {
        let (records, intact) = EventFile.records(in: try Self.referenceBytes())
        #expect(intact)
        #expect(try records.map { try TensorBoardEvent(decoding: $0) } == Self.describedEvents())
    }

    /// A cut or damaged record ends the readable part: the records before it are kept.
    @Test func tornOrDamagedRecordsStopTheReader() throws {
        let bytes = try Self.referenceBytes()
        let cut = EventFile.records(in: Array(bytes.dropLast()))
        #expect(!cut.intact && cut.records.count == 5)
        let headerOnly = EventFile.records(in: Array(bytes.prefix(EventFile.record(try Self.describedEvents()[0].encoded()).count + 10)))
        #expect(!headerOnly.intact && headerOnly.records.count == 1)
        // A flipped bit inside the third record's data fails its checksum.
        var flipped = bytes
        let offset = try Self.describedEvents().prefix(2).reduce(0) { $0 + EventFile.record($1.encoded()).count } + 20
        flipped[offset] ^= 0x10
        let damaged = EventFile.records(in: flipped)
        #expect(!damaged.intact && damaged.records.count == 2)
        // So does a flipped bit in a length.
        flipped = bytes
        flipped[1] ^= 0x01
        #expect(EventFile.records(in: flipped).records.isEmpty)
    }

    static let tags: [(String, String)] = [
        ("loss_d", "loss/D"), ("loss_g", "loss/G"), ("loss_d_a", "loss/D_a"), ("loss_cycle_b", "loss/cycle_b"),
        ("loss_idt_a", "loss/idt_a"), ("d_real", "D(x)"), ("d_fake", "D(G(z))"), ("d_real_b", "D(x)_b"),
        ("grad_norm_d", "gradnorm/D"), ("grad_norm_g", "gradnorm/G"), ("grad_norm_interpolates", "gradnorm/interpolates"),
        ("lr_g", "lr/G"), ("lr_d", "lr/D"), ("images_per_second", "images/s"), ("time_step_ms", "time/step_ms"),
        ("elapsed_s", "time/elapsed_s"), ("eta_s", "time/eta_s"), ("eval_seconds", "time/eval_s"), ("epoch", "epoch"),
        ("gp_norm", "gp_norm"), ("drift", "drift"), ("pl_mean", "pl_mean"), ("dummy", "dummy"),
    ]

    @Test(arguments: tags)
    func metricTags(key: String, tag: String) {
        #expect(TensorBoardWriter.tag(forMetric: key) == tag)
    }

    @Test func pictureTags() {
        #expect(TensorBoardWriter.tag(forPicture: "phase-14x14") == "phase/14x14")
        #expect(TensorBoardWriter.tag(forPicture: "phase-4x4-ema") == "phase/4x4-ema")
        #expect(TensorBoardWriter.tag(forPicture: "final") == "final")
    }

    @Test func pngHeaderGivesSizeAndColorspace() throws {
        let png = [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent("grid.png")))
        let header = try #require(TensorBoardWriter.pngHeader(png))
        #expect(header.width == 5 && header.height == 3 && header.colorspace == 3)
        #expect(TensorBoardWriter.pngHeader(Array(png.prefix(20))) == nil)
        #expect(TensorBoardWriter.pngHeader(Array("not a png at all, twenty-six+".utf8)) == nil)
    }
}

/// What `Trainer` writes for TensorBoard: the values of metrics.jsonl, the sample grids and
/// the config, each step once across a resume.
@Suite(.serialized) struct TensorBoardTrainingTests {
    func makeTrainer(_ folder: RunFolder, steps: Int, tensorboard: Bool = true) throws -> Trainer {
        var config = DCGANConfig.dcgan28
        config.network.dataShape = [1, 8, 8]
        config.network.width = 4
        config.network.latentDimension = 8
        let data = tinyImages()
        try config.adapt(to: [data])
        let run = RunSettings(family: "dcgan", preset: "test", data: try DataSpec(parsing: "toy:ring8"), seed: 5,
                              batchSize: 16, steps: steps, logEvery: 1, sampleEvery: 2, checkpointEvery: 4,
                              keepCheckpoints: 0, tensorboard: tensorboard)
        try folder.create()
        try folder.writeConfig(run: run, model: config)
        return try Trainer(run: run, model: config, dataset: data, folder: folder)
    }

    /// Every event of the run's files, in the order TensorBoard reads them.
    func events(_ folder: RunFolder) throws -> [[TensorBoardEvent]] {
        try TensorBoardWriter.eventFiles(in: folder.tensorboardURL).map { try TensorBoardWriter.events(in: $0) }
    }

    func summaries(_ events: [TensorBoardEvent]) -> [(step: Int, value: TensorBoardEvent.Value)] {
        events.flatMap { event -> [(Int, TensorBoardEvent.Value)] in
            guard case .summary(let values) = event.kind else { return [] }
            return values.map { (event.step, $0) }
        }
    }

    /// Each number of metrics.jsonl appears as its tag's scalar at its step, once; the scalars
    /// hold nothing else.
    func expectScalarsMatchMetrics(_ folder: RunFolder, _ all: [TensorBoardEvent]) {
        var scalars: [String: [(Int, Float)]] = [:]
        for (step, value) in summaries(all) {
            if case .scalar(let x) = value.content { scalars[value.tag, default: []].append((step, x)) }
        }
        var expected: [String: [(Int, Float)]] = [:]
        for line in folder.readMetrics() {
            let step = (line["step"] as! NSNumber).intValue
            for (key, value) in line where key != "step" {
                if let x = value as? NSNumber {
                    expected[TensorBoardWriter.tag(forMetric: key), default: []].append((step, x.floatValue))
                }
            }
        }
        #expect(expected["loss/D"] != nil && expected["lr/G"] != nil && expected["images/s"] != nil)
        #expect(Set(scalars.keys) == Set(expected.keys))
        for (tag, points) in expected {
            let got = scalars[tag] ?? []
            #expect(got.map(\.0) == points.map(\.0), "\(tag): steps")
            for ((_, a), (_, b)) in zip(got, points) {
                #expect(Swift.abs(a - b) <= 1e-6 * Swift.max(1, Swift.abs(b)), "\(tag): \(a) against metrics.jsonl's \(b)")
            }
        }
    }

    @Test func eventsHoldMetricsSamplesAndConfig() throws {
        let folder = temporaryRunFolder("tb-events")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        _ = try makeTrainer(folder, steps: 6).train()
        let files = try events(folder)
        #expect(files.count == 1)
        let all = files.flatMap { $0 }
        #expect(all.first?.kind == .fileVersion("brain.Event:2"))
        expectScalarsMatchMetrics(folder, all)
        #expect(folder.readMetrics().compactMap { ($0["step"] as? NSNumber)?.intValue } == [1, 2, 3, 4, 5, 6])

        let images = summaries(all).compactMap { step, value -> (Int, [UInt8])? in
            if case .image(let png, _, _, _) = value.content, value.tag == "samples" { return (step, png) }
            return nil
        }
        #expect(images.map(\.0) == [0, 2, 4, 6])
        for (step, png) in images {
            #expect(png == [UInt8](FileManager.default.contents(atPath: folder.samplePath(step: step))!), "grid of step \(step)")
        }
        let texts = summaries(all).compactMap { step, value -> (Int, String)? in
            if case .text(let text) = value.content { return (step, text) }
            return nil
        }
        let config = try String(contentsOf: folder.configURL, encoding: .utf8)
        #expect(texts.map(\.0) == [0])
        let lines = texts.first?.1.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines?.allSatisfy { $0.hasPrefix("    ") } == true, "indented: a Markdown code block")
        #expect(lines?.map { $0.dropFirst(4) } == config.split(separator: "\n", omittingEmptySubsequences: false).map { $0[...] })
    }

    /// A run stopped after logging steps 5 and 6 but checkpointing only step 4 logs 5 and 6
    /// again on resume: the earlier file is trimmed to step 4 (its torn tail dropped too), the
    /// new file begins with a session start at 5, and every tag holds each step once.
    @Test func resumeLogsEachStepOnce() throws {
        let folder = temporaryRunFolder("tb-resume")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        _ = try makeTrainer(folder, steps: 6).train()
        try FileManager.default.removeItem(at: folder.checkpointsURL.appendingPathComponent(Checkpoints.fileName(step: 6)))
        try Data(Checkpoints.fileName(step: 4).utf8).write(to: folder.checkpointsURL.appendingPathComponent("latest"))
        let first = try #require(TensorBoardWriter.eventFiles(in: folder.tensorboardURL).first)
        let handle = try FileHandle(forWritingTo: first)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0x20, 0, 0, 0, 0]))  // a record cut short by a kill
        try handle.close()

        let resumed = try makeTrainer(folder, steps: 8)
        #expect(try resumed.resumeIfPossible() != nil && resumed.step == 4)
        _ = try resumed.train()

        let files = try events(folder)
        #expect(files.count == 2)
        for url in TensorBoardWriter.eventFiles(in: folder.tensorboardURL) {
            #expect(EventFile.records(in: [UInt8](try Data(contentsOf: url))).intact, "\(url.lastPathComponent)")
        }
        #expect(files[0].map(\.step).max() == 4)
        #expect(files[1].prefix(2).map(\.kind) == [.fileVersion("brain.Event:2"), .sessionStart])
        #expect(files[1][1].step == 5)
        let all = files.flatMap { $0 }
        expectScalarsMatchMetrics(folder, all)
        var seen: [String: [Int]] = [:]
        for (step, value) in summaries(all) { seen[value.tag, default: []].append(step) }
        for (tag, steps) in seen where tag != TensorBoardWriter.configTag {
            #expect(steps == Array(Set(steps)).sorted(), "\(tag) steps \(steps)")
        }
        #expect(seen["loss/D"] == Array(1...8))
        #expect(seen["samples"] == [0, 2, 4, 6, 8])
        #expect(seen["config"] == [0, 4])
    }

    /// A start from step 0 keeps nothing of an earlier attempt's events, as it empties
    /// metrics.jsonl.
    @Test func startFromStepZeroRemovesEarlierEvents() throws {
        let folder = temporaryRunFolder("tb-restart")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let trainer = try makeTrainer(folder, steps: 2)
        try FileManager.default.createDirectory(at: folder.tensorboardURL, withIntermediateDirectories: true)
        let stale = TensorBoardEvent(wallTime: 1, step: 40, kind: .summary([.init(tag: "loss/D", content: .scalar(9))]))
        try Data(EventFile.record(stale.encoded())).write(to: folder.tensorboardURL.appendingPathComponent("events.out.tfevents.1.host.1.0"))
        _ = try trainer.train()
        let files = try events(folder)
        #expect(files.count == 1)
        #expect(files.flatMap { $0 }.map(\.step).max() == 2)
    }

    @Test func noTensorBoardWritesNoEvents() throws {
        let folder = temporaryRunFolder("tb-off")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        _ = try makeTrainer(folder, steps: 2, tensorboard: false).train()
        #expect(!FileManager.default.fileExists(atPath: folder.tensorboardURL.path))
        #expect(folder.readMetrics().count == 2)
    }

    /// A run that wrote no events, resumed with them on (`gan train --resume --tensorboard`):
    /// one file, from the restored step on.
    @Test func eventsTurnedOnAtAResume() throws {
        let folder = temporaryRunFolder("tb-on-at-resume")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        _ = try makeTrainer(folder, steps: 4, tensorboard: false).train()
        let resumed = try makeTrainer(folder, steps: 8)
        #expect(try resumed.resumeIfPossible() != nil && resumed.step == 4)
        _ = try resumed.train()
        let files = try events(folder)
        #expect(files.count == 1)
        #expect(files.first?.prefix(2).map(\.kind) == [.fileVersion("brain.Event:2"), .sessionStart])
        var seen: [String: [Int]] = [:]
        for (step, value) in summaries(files.flatMap { $0 }) { seen[value.tag, default: []].append(step) }
        #expect(seen["loss/D"] == [5, 6, 7, 8])
        #expect(seen["samples"] == [6, 8])
        #expect(seen["config"] == [4])
    }

    /// `tensorboard` is saved only when off; config.json files without it read as on.
    @Test func settingIsSavedOnlyWhenOff() throws {
        var run = RunSettings(family: "gan", preset: "toy", data: try DataSpec(parsing: "toy:ring8"))
        let on = String(decoding: try JSONEncoder().encode(run), as: UTF8.self)
        #expect(!on.contains("tensorboard"))
        #expect(try JSONDecoder().decode(RunSettings.self, from: Data(on.utf8)).tensorboard)
        run.tensorboard = false
        let off = try JSONEncoder().encode(run)
        #expect(String(decoding: off, as: UTF8.self).contains("\"tensorboard\":false"))
        #expect(try JSONDecoder().decode(RunSettings.self, from: off) == run)
    }
}
