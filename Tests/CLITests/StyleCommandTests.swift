import Foundation
import GANData
import Testing

/// `gan mix` and `gan interpolate --space w` on a small style-based run: the grid's layout, and
/// the refusals for runs and options they do not apply to.
@Suite(.serialized, .enabled(if: GANCommand.shouldRun)) struct StyleCommandTests {
    /// A folder holding `faces/` (four 28×28 grey PNGs) and `run`, two steps of stylegan grey28 on them.
    func styleRun() throws -> URL {
        let folder = try GANCommand.temporaryFolder("style")
        let faces = folder.appendingPathComponent("faces")
        try FileManager.default.createDirectory(at: faces, withIntermediateDirectories: true)
        for i in 0..<4 {
            let pixels = (0..<(28 * 28)).map { UInt8(($0 * (i + 3)) % 256) }
            try Bitmap(width: 28, height: 28, channels: 1, pixels: pixels).writePNG(to: faces.appendingPathComponent("\(i).png").path)
        }
        let made = try GANCommand.run(["train", "stylegan", "--data", "folder:faces", "--steps", "2", "--batch-size", "4",
                                       "--out", "run"], in: folder)
        #expect(made.status == 0, "\(made.text)")
        return folder
    }

    @Test func mixGridAndInterpolationInW() throws {
        let folder = try styleRun()
        defer { try? FileManager.default.removeItem(at: folder) }
        // 3 row seeds × 2 levels under a header row; 4 column seeds after the row images' column.
        let mix = try GANCommand.run(["mix", "--run", "run", "--row-seeds", "1-3", "--col-seeds", "4,5,6,7",
                                      "--levels", "coarse,fine", "--out", "mix.png"], in: folder)
        #expect(mix.status == 0, "\(mix.text)")
        #expect(mix.output.contains("coarse: layers 0–1 (7×7)") && mix.output.contains("fine: layers 4–5 (28×28)"), "\(mix.output)")
        let grid = try Bitmap(contentsOf: folder.appendingPathComponent("mix.png").path)
        #expect((grid.width, grid.height) == (5 * 30 + 2, 7 * 30 + 2))

        let walk = try GANCommand.run(["interpolate", "--run", "run", "--from-seed", "1", "--to-seed", "2", "--space", "w",
                                       "--frames", "6", "--out", "walk.png"], in: folder)
        #expect(walk.status == 0, "\(walk.text)")
        let strip = try Bitmap(contentsOf: folder.appendingPathComponent("walk.png").path)
        #expect((strip.width, strip.height) == (6 * 30 + 2, 30 + 2), "one row: linear in w")

        let slerp = try GANCommand.run(["interpolate", "--run", "run", "--from-seed", "1", "--to-seed", "2", "--space", "w",
                                        "--mode", "spherical", "--out", "x.png"], in: folder)
        #expect(slerp.status != 0 && slerp.error.contains("--space w walks in a straight line"), "\(slerp.text)")
        let levels = try GANCommand.run(["mix", "--run", "run", "--row-seeds", "1", "--col-seeds", "2", "--levels", "top"], in: folder)
        #expect(levels.status != 0 && levels.error.contains("--levels takes coarse, middle or fine"), "\(levels.text)")
    }

    @Test func mixAndSpaceWRefuseOtherFamilies() throws {
        let folder = try GANCommand.temporaryFolder("style-refusal")
        defer { try? FileManager.default.removeItem(at: folder) }
        let made = try GANCommand.run(["train", "gan", "--data", "toy:ring8", "--steps", "2", "--batch-size", "8", "--out", "run"],
                                      in: folder)
        #expect(made.status == 0, "\(made.text)")
        let mix = try GANCommand.run(["mix", "--run", "run", "--row-seeds", "1", "--col-seeds", "2"], in: folder)
        #expect(mix.status != 0 && mix.error.contains("gan mix needs a style-based run (stylegan)"), "\(mix.text)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run/style-mix.png").path))
    }
}
