import Foundation
import Testing
@testable import GANData

/// The real Fashion-MNIST, as Debian's `dataset-fashion-mnist` installs it.
@Suite(.serialized, .enabled(if: FileManager.default.fileExists(atPath: DataSpec.debianFashionMNISTDirectory),
                "Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist"))
struct FashionMNISTTests {
    static let directory = DataSpec.debianFashionMNISTDirectory

    /// The decompressed file, by gzip(1) rather than by our zlib code.
    static func independentlyDecompressed(_ name: String) -> [UInt8]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", directory + "/" + name]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? [UInt8](data) : nil
    }

    @Test(arguments: [(DataSplit.train, 60_000, "train"), (DataSplit.test, 10_000, "t10k")])
    func readsWholeSplit(split: DataSplit, count: Int, prefix: String) throws {
        let set = try DataSpec(parsing: "fashion-mnist").load(DataLoadOptions(split: split))
        #expect(set.count == count)
        #expect(set.sampleShape == [1, 28, 28])
        #expect(set.allSamples().shape == [count, 1, 28, 28] || count > 10_000)
        #expect(set.classNames == DataSpec.fashionMNISTClassNames)
        #expect(set.classCounts == [Int](repeating: count / 10, count: 10))
        // Bytes identical to the files (after their 16- and 8-byte headers).
        guard let images = Self.independentlyDecompressed("\(prefix)-images-idx3-ubyte.gz"),
              let labels = Self.independentlyDecompressed("\(prefix)-labels-idx1-ubyte.gz") else {
            Issue.record("gzip(1) could not decompress the files for the comparison")
            return
        }
        #expect(set.values == .bytes(Array(images[16...])))
        #expect(set.labels == labels[8...].map(Int.init))
    }

    @Test func sneakersAndAnkleBootsDomains() throws {
        let sneakers = try DataSpec(parsing: "fashion-mnist@sneaker").load()
        let boots = try DataSpec(parsing: "fashion-mnist@ankle-boot").load()
        #expect(sneakers.count == 6000 && boots.count == 6000)
        #expect(sneakers.labels!.allSatisfy { $0 == 7 } && boots.labels!.allSatisfy { $0 == 9 })
    }

    /// Not a speed assertion (DESIGN.md: speed lives in benchmarks) — it prints the figure.
    @Test func oneEpochTiming() throws {
        let clock = ContinuousClock()
        var set: Dataset?
        let firstLoad = try clock.measure { set = try DataSpec(parsing: "fashion-mnist").load() }
        var batches = 0
        let again = try clock.measure {
            let data = try DataSpec(parsing: "fashion-mnist").load()
            let batcher = try Batcher(dataset: data, batchSize: 64, seed: 1, horizontalFlip: true)
            for _ in 0..<batcher.batchesPerEpoch { batches += batcher.next().samples.shape[0] == 64 ? 1 : 0 }
        }
        let batcher = try Batcher(dataset: set!, batchSize: 64, seed: 1)
        let epochOnly = clock.measure { for _ in 0..<batcher.batchesPerEpoch { _ = batcher.next() } }
        #expect(batches == 937)
        print("Fashion-MNIST: first load \(firstLoad); load (gunzip + parse) and batch one epoch of 937×64 again: \(again); batching alone: \(epochOnly)")
    }
}
