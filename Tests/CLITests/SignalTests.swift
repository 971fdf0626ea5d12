import Foundation
import GANLayers
import GANTensor
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGTERM (`kill`, `timeout`, schedulers) and SIGHUP (a closed terminal) stop training as
/// Ctrl-C does: the step finishes, a checkpoint is written, the exit status is 130, and the
/// resumed run ends bit for bit where an uninterrupted one does.
@Suite(.serialized, .enabled(if: GANCommand.shouldRun)) struct SignalTests {
    static let steps = 400
    let arguments = ["train", "gan", "--data", "toy:ring8", "--steps", "\(SignalTests.steps)", "--batch-size", "8",
                     "--log-every", "1"]

    /// Starts a run into `folder/name`, sends `signal` once its first log line is in
    /// metrics.jsonl, and returns the step and checkpoint it reported.
    func interrupt(_ name: String, in folder: URL, with signal: Int32) throws -> (step: Int, checkpoint: URL) {
        let (process, output, error) = try GANCommand.start(arguments + ["--out", name], in: folder)
        let metrics = folder.appendingPathComponent(name).appendingPathComponent("metrics.jsonl")
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline && ((try? Data(contentsOf: metrics))?.isEmpty ?? true) {
            usleep(2_000)
        }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        let text = (try String(contentsOf: output, encoding: .utf8)) + (try String(contentsOf: error, encoding: .utf8))
        #expect(process.terminationStatus == 130, "\(text)")
        let pattern = #"interrupted at step (\d+): checkpoint written to (\S+)"#
        guard let match = text.range(of: pattern, options: .regularExpression) else {
            throw CLITestError("no 'interrupted at step' line (the run may have ended before the signal):\n\(text)")
        }
        let words = text[match].split(separator: " ")
        let step = try #require(Int(words[3].dropLast()))
        let checkpoint = URL(fileURLWithPath: String(words[words.count - 1]))
        #expect(step >= 1 && step < SignalTests.steps)
        #expect(checkpoint.lastPathComponent == String(format: "step-%08d.safetensors", step))
        #expect(FileManager.default.fileExists(atPath: checkpoint.path))
        return (step, checkpoint)
    }

    @Test func sigtermCheckpointsAndResumesBitForBit() throws {
        let folder = try GANCommand.temporaryFolder("sigterm")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (step, _) = try interrupt("stopped", in: folder, with: SIGTERM)
        let resumed = try GANCommand.run(["train", "gan", "--out", "stopped", "--resume"], in: folder)
        #expect(resumed.status == 0, "\(resumed.text)")
        #expect(resumed.output.contains("at step \(step)"), "\(resumed.text)")
        let straight = try GANCommand.run(arguments + ["--out", "straight"], in: folder)
        #expect(straight.status == 0, "\(straight.text)")

        let name = "checkpoints/" + String(format: "step-%08d.safetensors", SignalTests.steps)
        let a = try SafeTensors.read(contentsOf: folder.appendingPathComponent("stopped/" + name)).tensors
        let b = try SafeTensors.read(contentsOf: folder.appendingPathComponent("straight/" + name)).tensors
        #expect(a.keys.sorted() == b.keys.sorted() && !a.isEmpty)
        for key in a.keys { #expect(a[key]?.scalars == b[key]?.scalars, "\(key) differs after SIGTERM and resume") }
        // The resumed run's lines follow the stopped run's, once each.
        #expect(try GANCommand.metricSteps(folder.appendingPathComponent("stopped")) == Array(1...SignalTests.steps))
    }

    @Test func sighupCheckpointsAsCtrlC() throws {
        let folder = try GANCommand.temporaryFolder("sighup")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (step, _) = try interrupt("hung-up", in: folder, with: SIGHUP)
        #expect(try GANCommand.metricSteps(folder.appendingPathComponent("hung-up")) == Array(1...step))
    }
}
