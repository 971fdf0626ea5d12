import Foundation
import GANTensor
import Testing
@testable import GANData

@Suite struct BatcherTests {
    /// 10 grey 2×3 images; image i holds the bytes 10i ... 10i+5, label i % 3.
    static let images = Dataset(
        name: "tiny", values: .bytes((0..<10).flatMap { i in (0..<6).map { UInt8(10 * i + $0) } }),
        sampleShape: [1, 2, 3], labels: (0..<10).map { $0 % 3 }, classNames: ["a", "b", "c"])

    static func signature(_ batch: Batch) -> [Float] { batch.samples.scalars }

    @Test func epochVisitsEverySampleOnceWithDropLast() throws {
        let batcher = try Batcher(dataset: Self.images, batchSize: 3, seed: 1)
        #expect(batcher.batchesPerEpoch == 3)
        let epoch = batcher.restOfEpoch()
        #expect(epoch.count == 3 && epoch.allSatisfy { $0.samples.shape == [3, 1, 2, 3] && $0.epoch == 0 })
        let seen = epoch.flatMap(\.indices)
        #expect(Set(seen).count == 9)  // one sample dropped with the incomplete last batch
        #expect(seen != Array(0..<9))   // shuffled
        // Labels come with their samples; bytes are scaled to [-1, 1].
        for batch in epoch {
            #expect(batch.labels == batch.indices.map { $0 % 3 })
            for (k, i) in batch.indices.enumerated() {
                let expected = (0..<6).map { Float(10 * i + $0) / 127.5 - 1 }
                let got = Array(batch.samples.scalars[(k * 6)..<(k * 6 + 6)])
                #expect(zip(got, expected).allSatisfy { abs($0 - $1) < 1e-6 })
            }
        }
        // The next epoch has another order.
        let second = batcher.restOfEpoch()
        #expect(second[0].epoch == 1 && second.flatMap(\.indices) != seen)
    }

    @Test func keepLastAndNoShuffle() throws {
        let batcher = try Batcher(dataset: Self.images, batchSize: 4, seed: 1, shuffle: false, dropLast: false)
        let epoch = batcher.restOfEpoch()
        #expect(epoch.map(\.indices) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(epoch[2].samples.shape == [2, 1, 2, 3])
    }

    @Test func scalingEndsAtMinusOneAndOne() throws {
        let set = Dataset(name: "ends", values: .bytes([0, 255]), sampleShape: [1, 1, 1])
        let batch = try Batcher(dataset: set, batchSize: 2, seed: 0, shuffle: false).next()
        #expect(batch.samples.scalars == [-1, 1])
        #expect(batch.labels == nil)
    }

    @Test func prefetchDoesNotChangeTheBatches() throws {
        let a = try Batcher(dataset: Self.images, batchSize: 3, seed: 42, horizontalFlip: true, prefetch: true)
        let b = try Batcher(dataset: Self.images, batchSize: 3, seed: 42, horizontalFlip: true, prefetch: false)
        for _ in 0..<10 {
            let x = a.next(), y = b.next()
            #expect(x.indices == y.indices && Self.signature(x) == Self.signature(y) && x.epoch == y.epoch)
        }
        let c = try Batcher(dataset: Self.images, batchSize: 3, seed: 43)
        #expect(c.next().indices != (try Batcher(dataset: Self.images, batchSize: 3, seed: 42)).next().indices)
    }

    @Test func stateRestoresExactly() throws {
        let batcher = try Batcher(dataset: Self.images, batchSize: 3, seed: 7, horizontalFlip: true)
        for _ in 0..<4 { _ = batcher.next() }  // into the second epoch
        let saved = try JSONEncoder().encode(batcher.state)
        let expected = (0..<8).map { _ in batcher.next() }

        let resumed = try Batcher(dataset: Self.images, batchSize: 3, seed: 999, horizontalFlip: true)
        _ = resumed.next()  // a prefetch in flight for the old position must not leak through
        try resumed.restore(JSONDecoder().decode(BatcherState.self, from: saved))
        #expect(resumed.state.epoch == 1 && resumed.state.batch == 1)
        for e in expected {
            let r = resumed.next()
            #expect(r.indices == e.indices && Self.signature(r) == Self.signature(e) && r.epoch == e.epoch && r.index == e.index)
        }
    }

    @Test func restoreRejectsAnotherSetup() throws {
        let state = try Batcher(dataset: Self.images, batchSize: 3, seed: 7).state
        let other = try Batcher(dataset: Self.images, batchSize: 2, seed: 7)
        expectError(dataError { try other.restore(state) }, .invalidArgument,
                    mentions: ["tiny", "batches of 3", "expected 10 samples in batches of 2"])
        var far = state
        far.batch = 3
        expectError(dataError { try Batcher(dataset: Self.images, batchSize: 3, seed: 7).restore(far) }, .invalidArgument,
                    mentions: ["batch 3", "0..<3"])
    }

    @Test func flipsMirrorRows() throws {
        let set = Dataset(name: "row", values: .bytes([0, 51, 102, 153, 204, 255]), sampleShape: [1, 2, 3])
        let batcher = try Batcher(dataset: set, batchSize: 1, seed: 0, horizontalFlip: true)
        var sawFlip = false, sawPlain = false
        for _ in 0..<40 {
            let values = batcher.next().samples.scalars.map { Int((($0 + 1) * 127.5).rounded()) }
            if values == [102, 51, 0, 255, 204, 153] { sawFlip = true }
            else if values == [0, 51, 102, 153, 204, 255] { sawPlain = true }
            else { Issue.record("neither the image nor its mirror: \(values)") }
        }
        #expect(sawFlip && sawPlain)
    }

    @Test func floatDataPassesThrough() throws {
        let set = ToyMixture.ring8.dataset(count: 64, seed: 5)
        let batcher = try Batcher(dataset: set, batchSize: 16, seed: 0, horizontalFlip: true)
        let batch = batcher.next()
        #expect(batch.samples.shape == [16, 2])
        let all = set.allSamples().scalars
        for (k, i) in batch.indices.enumerated() {
            #expect(Array(batch.samples.scalars[(2 * k)..<(2 * k + 2)]) == Array(all[(2 * i)..<(2 * i + 2)]))
        }
    }

    @Test func rejectsImpossibleBatchSizes() {
        expectError(dataError { try Batcher(dataset: Self.images, batchSize: 11, seed: 0) }, .invalidArgument,
                    mentions: ["tiny", "batch of 11", "has 10"])
        expectError(dataError { try Batcher(dataset: Self.images, batchSize: 0, seed: 0) }, .invalidArgument,
                    mentions: ["must be positive"])
    }
}
