import Foundation
import GANTestSupport
import Testing
@testable import GANData

/// Every reader of outside files, fed seeded mutants of the valid files in `Tests/Fixtures/fuzz`
/// (made by `scripts/make_fuzz_corpus.py`): each must return or throw a `DataError`, never stop
/// the process or allocate without bound. The same inputs every run (see `Mutator`).
@Suite struct ReaderFuzzTests {
    static let corpus = Fixture.directory.appendingPathComponent("fuzz")

    static func seeds(_ folder: String) throws -> [[UInt8]] {
        let url = corpus.appendingPathComponent(folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        return try names.map { try FileIO.readBytes(url.appendingPathComponent($0).path) }
    }

    /// Runs `count` mutants of the corpus folder's files through `read`, which sees each as a
    /// file named `name`; every refusal must be a `DataError` naming that file.
    func check(_ folder: String, name: String, count: Int = 3000, repair: ([UInt8]) -> [UInt8] = { $0 },
               read: @escaping (String) throws -> Void) throws {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("gan-fuzz-\(folder)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent(name)
        let tally = try fuzz(folder, seeds: try Self.seeds(folder), count: count, file: file, repair: repair) { url in
            do {
                try read(url.path)
            } catch let error as DataError {
                #expect(error.description.contains(name), "\(error)")
                throw error
            }
        }
        print(tally)
        #expect(tally.tried == count && tally.rejected > 0)
    }

    @Test func idx() throws {
        try check("idx", name: "train-images-idx3-ubyte.gz") { _ = try IDX.read($0) }
    }

    @Test func numpy() throws {
        try check("npy", name: "x.npy") { _ = try NumPy.read($0) }
    }

    @Test func cifar() throws {
        try check("cifar10", name: "data_batch_1.bin") { _ = try CIFAR.readBatch($0, variant: .cifar10) }
        try check("cifar100", name: "train.bin", count: 1000) { _ = try CIFAR.readBatch($0, variant: .cifar100, granularity: .coarse) }
    }

    @Test func png() throws {
        try check("png", name: "x.png", count: 2000) { _ = try Bitmap.readPNG($0) }
        try check("png", name: "y.png", count: 3000, repair: repairingPNGChecksums) { _ = try Bitmap.readPNG($0) }
        try check("png", name: "glyph.png", count: 1000, repair: repairingPNGChecksums) {
            _ = try Bitmap(pngData: try FileIO.readBytes($0), source: $0)
        }
    }

    @Test func jpeg() throws {
        try check("jpeg", name: "x.jpg") { _ = try Bitmap.readJPEG($0) }
    }

    @Test func emojiTest() throws {
        try check("emoji-test", name: "emoji-test.txt") { _ = try EmojiTest.read($0) }
    }
}
