import Foundation
import Testing

/// `gan train`'s TensorBoard folder and `gan report` over one run and several, through the
/// built binary.
@Suite(.serialized, .enabled(if: GANCommand.shouldRun)) struct ReportCommandTests {
    static func eventFiles(_ run: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("tensorboard").path)) ?? []
        return names.filter { $0.hasPrefix("events.out.tfevents.") }
    }

    @Test func tensorboardByDefaultAndOffWhenAsked() throws {
        let folder = try GANCommand.temporaryFolder("tensorboard")
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = ["train", "gan", "--data", "toy:ring8", "--steps", "2", "--batch-size", "8"]
        let on = try GANCommand.run(base + ["--out", "on"], in: folder)
        #expect(on.status == 0, "\(on.text)")
        #expect(on.output.contains("tensorboard --logdir"), "\(on.text)")
        #expect(Self.eventFiles(folder.appendingPathComponent("on")).count == 1)
        #expect(try GANCommand.runSettings(folder.appendingPathComponent("on"))["tensorboard"] == nil)

        let off = try GANCommand.run(base + ["--out", "off", "--no-tensorboard"], in: folder)
        #expect(off.status == 0, "\(off.text)")
        #expect(Self.eventFiles(folder.appendingPathComponent("off")).isEmpty)
        #expect(try GANCommand.runSettings(folder.appendingPathComponent("off"))["tensorboard"] as? Bool == false)
        // The choice is the run's: a resume without the flag writes no events either.
        let resumed = try GANCommand.run(["train", "gan", "--out", "off", "--resume", "--steps", "3"], in: folder)
        #expect(resumed.status == 0, "\(resumed.text)")
        #expect(Self.eventFiles(folder.appendingPathComponent("off")).isEmpty)
        // --tensorboard undoes it: events from the restored step on, and the setting saved.
        let both = try GANCommand.run(["train", "gan", "--out", "off", "--resume", "--steps", "4", "--tensorboard", "--no-tensorboard"],
                                      in: folder)
        #expect(both.status != 0 && both.error.contains("--tensorboard and --no-tensorboard contradict each other"), "\(both.text)")
        let again = try GANCommand.run(["train", "gan", "--out", "off", "--resume", "--steps", "4", "--tensorboard"], in: folder)
        #expect(again.status == 0 && again.output.contains("tensorboard --logdir"), "\(again.text)")
        #expect(Self.eventFiles(folder.appendingPathComponent("off")).count == 1)
        #expect(try GANCommand.runSettings(folder.appendingPathComponent("off"))["tensorboard"] == nil)
    }

    @Test func reportOfOneRunAndOfTwo() throws {
        let folder = try GANCommand.temporaryFolder("report")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (family, name) in [("gan", "ring-gan"), ("wgan-gp", "ring-wgan-gp")] {
            let made = try GANCommand.run(["train", family, "--data", "toy:ring8", "--steps", "4", "--batch-size", "8",
                                           "--log-every", "1", "--out", name], in: folder)
            #expect(made.status == 0, "\(made.text)")
        }
        let one = try GANCommand.run(["report", "ring-gan"], in: folder)
        #expect(one.status == 0, "\(one.text)")
        let page = try String(contentsOf: folder.appendingPathComponent("ring-gan/report.html"), encoding: .utf8)
        #expect(page.contains("<svg") && page.contains("Learning rates"))

        let two = try GANCommand.run(["report", "ring-gan", "ring-wgan-gp", "--out", "compare.html"], in: folder)
        #expect(two.status == 0, "\(two.text)")
        let compare = try String(contentsOf: folder.appendingPathComponent("compare.html"), encoding: .utf8)
        #expect(compare.contains("2 runs compared"))
        #expect(compare.contains("ring-gan") && compare.contains("ring-wgan-gp"))
        // loss_d's chart has a line per run; gp_norm's only wgan-gp's.
        let title = try #require(compare.range(of: "loss_d (loss/D)"))
        let rest = compare[title.lowerBound...]
        let chart = rest[..<(try #require(rest.range(of: "</svg>"))).lowerBound]
        #expect(chart.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(compare.contains("gp_norm"))

        let missing = try GANCommand.run(["report", "ring-gan", "nowhere", "--out", "x.html"], in: folder)
        #expect(missing.status != 0 && missing.error.contains("nowhere") && missing.error.contains("not a run folder"), "\(missing.text)")
    }
}
