import Foundation
import GANLayers
import GANTensor
import Testing
@testable import GANModels

/// The image history of `util/image_pool.py`: fill, replace, determinism, checkpoint round trip.
@Suite struct CycleGANImagePoolTests {
    /// `count` images `[count, 2, 3, 3]`, image `i` filled with `first + i`.
    static func images(_ count: Int, first: Float) -> Tensor {
        Tensor((0..<count).flatMap { [Float](repeating: first + Float($0), count: 18) }, shape: [count, 2, 3, 3])
    }

    /// The fill value of each image of a batch `[N, 2, 3, 3]`.
    static func labels(_ batch: Tensor) -> [Float] {
        let values = batch.scalars
        return (0..<batch.shape[0]).map { values[$0 * 18] }
    }

    static func labels(_ pool: CycleGANImagePool) -> [Float] { pool.images.map { $0.scalars[0] } }

    /// While not full, every image is stored and returned, and nothing is drawn.
    @Test func fillsBeforeDrawing() {
        let pool = CycleGANImagePool(capacity: 5)
        var rng = RandomGenerator(seed: 1)
        let before = rng
        #expect(Self.labels(pool.query(Self.images(3, first: 0), using: &rng)) == [0, 1, 2])
        #expect(Self.labels(pool.query(Self.images(2, first: 3), using: &rng)) == [3, 4])
        #expect(rng == before)
        #expect(Self.labels(pool) == [0, 1, 2, 3, 4])
        // The batch that fills the pool and spills over: the first two fill it, the rest draw.
        let spill = CycleGANImagePool(capacity: 2)
        _ = spill.query(Self.images(4, first: 0), using: &rng)
        #expect(rng != before && spill.count == 2)
    }

    /// Once full, each image either comes back itself (pool unchanged) or swaps with a stored
    /// one, about half the time each, over every slot.
    @Test func fullPoolSwapsAboutHalfTheTime() {
        let capacity = 10
        let pool = CycleGANImagePool(capacity: capacity)
        var rng = RandomGenerator(seed: 2)
        _ = pool.query(Self.images(capacity, first: 0), using: &rng)
        var swaps = 0
        var slotsHit = Set<Int>()
        for step in 0..<2000 {
            let new = Float(1000 + step)
            let stored = Self.labels(pool)
            let returned = Self.labels(pool.query(Self.images(1, first: new), using: &rng))[0]
            let after = Self.labels(pool)
            if returned == new {
                #expect(after == stored, "step \(step): returned the new image but changed the pool")
            } else {
                swaps += 1
                let slot = try! #require(stored.firstIndex(of: returned), "step \(step): returned \(returned), never stored")
                var expected = stored
                expected[slot] = new
                #expect(after == expected, "step \(step): the new image must take the returned one's slot")
                slotsHit.insert(slot)
            }
        }
        // Binomial(2000, ½): standard deviation 22.
        #expect(abs(swaps - 1000) < 110, "swaps \(swaps) of 2000")
        #expect(slotsHit.count == capacity)
    }

    /// The same seed and inputs give the same answers and leave the generator in the same
    /// state; another seed gives other answers.
    @Test func sameSeedSameHistory() {
        func run(seed: UInt64) -> ([[Float]], RandomGenerator) {
            let pool = CycleGANImagePool(capacity: 4)
            var rng = RandomGenerator(seed: seed)
            let answers = (0..<30).map { Self.labels(pool.query(Self.images(3, first: Float(10 * $0)), using: &rng)) }
            return (answers, rng)
        }
        let (a, rngA) = run(seed: 7), (b, rngB) = run(seed: 7), (c, _) = run(seed: 8)
        #expect(a == b && rngA == rngB)
        #expect(a != c)
    }

    /// A pool saved through a safetensors checkpoint and loaded into a fresh one answers exactly
    /// as the original does from then on.
    @Test func checkpointRoundTripContinuesExactly() throws {
        let pool = CycleGANImagePool(capacity: 6)
        var rng = RandomGenerator(seed: 3)
        for i in 0..<5 { _ = pool.query(Tensor.randomNormal([2, 2, 3, 3], using: &rng) + Float(i), using: &rng) }
        let data = try SafeTensors.encode(pool.stateDict().prefixed("pool_a."))
        let state = try SafeTensors.decode(data).tensors.entries(withPrefix: "pool_a.")
        let restored = CycleGANImagePool(capacity: 6)
        try restored.load(stateDict: state)
        #expect(restored.images.map(\.scalars) == pool.images.map(\.scalars))
        var rngRestored = rng, images = RandomGenerator(seed: 30)
        for _ in 0..<10 {
            let batch = Tensor.randomNormal([3, 2, 3, 3], using: &images)
            #expect(restored.query(batch, using: &rngRestored).scalars == pool.query(batch, using: &rng).scalars)
        }
        #expect(restored.images.map(\.scalars) == pool.images.map(\.scalars))

        // An empty pool round-trips too, and stays empty.
        let empty = CycleGANImagePool(capacity: 6)
        let emptyState = try SafeTensors.decode(SafeTensors.encode(empty.stateDict())).tensors
        try restored.load(stateDict: emptyState)
        #expect(restored.count == 0)
    }

    @Test func loadRejectsInconsistentState() throws {
        let pool = CycleGANImagePool(capacity: 3)
        var rng = RandomGenerator(seed: 4)
        _ = pool.query(Self.images(3, first: 0), using: &rng)
        let small = CycleGANImagePool(capacity: 2)
        #expect(throws: ModelError.self) { try small.load(stateDict: pool.stateDict()) }   // 3 > capacity 2
        var wrongCount = pool.stateDict()
        wrongCount.insert("count", Tensor(2), dtype: .int64)
        #expect(throws: ModelError.self) { try pool.load(stateDict: wrongCount) }
        #expect(Self.labels(pool) == [0, 1, 2], "a failed load leaves the pool as it was")
    }

    /// Capacity 0 (the reference's `pool_size=0`) returns the input and keeps nothing.
    @Test func zeroCapacityPassesThrough() {
        let pool = CycleGANImagePool(capacity: 0)
        var rng = RandomGenerator(seed: 5)
        let before = rng
        #expect(Self.labels(pool.query(Self.images(3, first: 0), using: &rng)) == [0, 1, 2])
        #expect(pool.count == 0 && rng == before)
    }
}
