import Testing
@testable import GANData

@Suite struct CIFARTests {
    static func images(_ n: Int, seed: Int) -> [UInt8] {
        (0..<(n * CIFAR.imageSize)).map { UInt8(($0 * 7 + seed * 31) % 256) }
    }

    @Test func cifar10RoundTripAndDirectory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let folder = try dir.directory("cifar-10-batches-bin")
        var allPixels: [UInt8] = [], allLabels: [Int] = []
        for b in 1...2 {
            let pixels = Self.images(3, seed: b), labels = [b, 9, 0]
            try CIFAR.writeBatch(pixels: pixels, labels: labels, variant: .cifar10, to: folder + "/data_batch_\(b).bin")
            let back = try CIFAR.readBatch(folder + "/data_batch_\(b).bin", variant: .cifar10)
            #expect(back.pixels == pixels && back.labels == labels)
            allPixels += pixels; allLabels += labels
        }
        try CIFAR.writeBatch(pixels: Self.images(2, seed: 5), labels: [4, 4], variant: .cifar10, to: folder + "/test_batch.bin")
        // The directory above the archive's folder works too.
        let train = try CIFAR.loadDataset(directory: dir.path, variant: .cifar10)
        #expect(train.count == 6 && train.sampleShape == [3, 32, 32])
        #expect(train.values == .bytes(allPixels) && train.labels == allLabels)
        #expect(train.classNames == CIFAR.cifar10ClassNames)
        let test = try CIFAR.loadDataset(directory: folder, variant: .cifar10, split: .test)
        #expect(test.count == 2 && test.labels == [4, 4])
        // Via a data spec.
        #expect(try DataSpec(parsing: "cifar10:\(dir.path)@cat,automobile").load().count == 1)  // one automobile, no cat
    }

    @Test func cifar100FineAndCoarse() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let pixels = Self.images(4, seed: 2)
        try CIFAR.writeBatch(pixels: pixels, labels: [99, 0, 42, 7], coarseLabels: [19, 0, 3, 1], variant: .cifar100, to: dir.file("train.bin"))
        let fine = try CIFAR.loadDataset(directory: dir.path, variant: .cifar100)
        #expect(fine.labels == [99, 0, 42, 7] && fine.values == .bytes(pixels) && fine.classNames.count == 100)
        let coarse = try CIFAR.loadDataset(directory: dir.path, variant: .cifar100, granularity: .coarse)
        #expect(coarse.labels == [19, 0, 3, 1] && coarse.classNames.count == 20)
    }

    @Test func wrongLength() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("data_batch_1.bin")
        let good = CIFAR.encodeBatch(pixels: Self.images(2, seed: 0), labels: [1, 2], variant: .cifar10)
        try FileIO.writeBytes(Array(good.dropLast(100)), to: path)
        expectError(dataError { try CIFAR.readBatch(path, variant: .cifar10) }, .malformed,
                    mentions: ["data_batch_1.bin", "expected a non-zero multiple of 3073 bytes", "found 6046 bytes"])
        // A CIFAR-10 batch read as CIFAR-100 has the wrong record size.
        try FileIO.writeBytes(good, to: path)
        expectError(dataError { try CIFAR.readBatch(path, variant: .cifar100) }, .malformed, mentions: ["3074"])
        try FileIO.writeBytes([], to: path)
        expectError(dataError { try CIFAR.readBatch(path, variant: .cifar10) }, .malformed, mentions: ["found 0 bytes"])
        // A label beyond the ten classes.
        var badLabel = good
        badLabel[3073] = 12
        try FileIO.writeBytes(badLabel, to: path)
        expectError(dataError { try CIFAR.readBatch(path, variant: .cifar10) }, .malformed, mentions: ["record 1 has label 12", "0...9"])
    }

    @Test func missingBatches() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        expectError(dataError { try CIFAR.loadDataset(directory: dir.path, variant: .cifar10) }, .notFound,
                    mentions: [dir.path, "data_batch_1.bin"])
        expectError(dataError { try CIFAR.loadDataset(directory: dir.file("nope"), variant: .cifar10) }, .notFound,
                    mentions: ["nope"])
    }
}
